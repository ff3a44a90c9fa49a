// SPDX-License-Identifier: Apache-2.0
#include "keyway/ice/turn/opaque_string.hpp"

namespace keyway::ice::turn {
namespace {
constexpr Error err(Code code, const char* detail) { return make_error(Layer::ice, code, detail); }
constexpr Error kNotUtf8 = err(Code::invalid_argument, "turn: password is not valid UTF-8 (RFC 8265 §4.2)");
constexpr Error kControl = err(Code::invalid_argument,
                               "turn: password holds a control or ignorable character (RFC 8264 FreeformClass)");
constexpr Error kUnprepared = err(Code::unsupported,
                                  "turn: password holds characters beyond U+02FF; keyway cannot NFC-normalise them "
                                  "(OpaqueString, RFC 8265 §4.2): use the password's ASCII or Latin form");
constexpr Error kEmpty = err(Code::invalid_argument, "turn: password is empty (RFC 8265 §4.2.2)");
constexpr Error kTooLong = err(Code::capacity, "turn: prepared password does not fit");

// One code point from UTF-8 (RFC 3629 §4: shortest form, no surrogates); 0 bytes on error.
std::size_t decode_utf8(std::string_view s, std::size_t at, uint32_t& cp) {
  auto byte = [&](std::size_t i) { return static_cast<uint8_t>(s[at + i]); };
  uint8_t b0 = byte(0);
  std::size_t n = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xe ? 3 : (b0 >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || at + n > s.size()) return 0;
  cp = n == 1 ? b0 : n == 2 ? (b0 & 0x1fu) : n == 3 ? (b0 & 0x0fu) : (b0 & 0x07u);
  for (std::size_t i = 1; i < n; ++i) {
    if ((byte(i) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i) & 0x3fu);
  }
  constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

// Unicode Zs other than U+0020 (RFC 8265 §4.2.1 additional mapping rule).
bool non_ascii_space(uint32_t cp) {
  return cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x202f || cp == 0x205f ||
         cp == 0x3000;
}

// What FreeformClass disallows among the code points keyway keeps: controls
// (Cc) and U+00AD SOFT HYPHEN (Default_Ignorable_Code_Point).
bool disallowed(uint32_t cp) { return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0xad; }

std::size_t encode_utf8(uint32_t cp, uint8_t* out) {
  if (cp < 0x80) {
    out[0] = static_cast<uint8_t>(cp);
    return 1;
  }
  out[0] = static_cast<uint8_t>(0xc0 | (cp >> 6));  // cp <= U+02FF: two bytes
  out[1] = static_cast<uint8_t>(0x80 | (cp & 0x3f));
  return 2;
}
}  // namespace

Result<std::size_t> prepare_opaque_string(std::string_view in, MutableBytes out) {
  std::size_t len = 0;
  for (std::size_t at = 0; at < in.size();) {
    uint32_t cp = 0;
    std::size_t n = decode_utf8(in, at, cp);
    ENSURE(n != 0, kNotUtf8);
    at += n;
    if (non_ascii_space(cp)) cp = 0x20;
    ENSURE(!disallowed(cp), kControl);
    // U+0300 and above may compose or decompose under NFC: no tables here.
    ENSURE(cp < 0x300, kUnprepared);
    ENSURE(len + (cp < 0x80 ? 1 : 2) <= out.size(), kTooLong);
    len += encode_utf8(cp, out.data() + len);
  }
  ENSURE(len > 0, kEmpty);
  return len;
}

}  // namespace keyway::ice::turn
