// SPDX-License-Identifier: Apache-2.0
#include "keyway/lib/hex.hpp"

namespace keyway {

std::size_t to_hex(std::span<const uint8_t> in, char* out, std::size_t out_len) {
  static constexpr char kDigits[] = "0123456789abcdef";
  if (out_len < 2 * in.size() + 1) return 0;
  std::size_t pos = 0;
  for (uint8_t b : in) {
    out[pos++] = kDigits[b >> 4];
    out[pos++] = kDigits[b & 0xF];
  }
  out[pos] = '\0';
  return pos;
}

namespace {
int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Result<std::size_t> from_hex(const char* text, std::size_t text_len, std::span<uint8_t> out) {
  std::size_t n = 0;
  int high = -1;
  for (std::size_t i = 0; i < text_len; ++i) {
    char c = text[i];
    if (c == ' ' || c == ':' || c == '\n' || c == '\t') continue;
    int v = nibble(c);
    if (v < 0) return make_error(Layer::lib, Code::malformed, "hex: invalid digit");
    if (high < 0) {
      high = v;
      continue;
    }
    if (n >= out.size()) return make_error(Layer::lib, Code::buffer_too_small, "hex: output too small");
    out[n++] = static_cast<uint8_t>((high << 4) | v);
    high = -1;
  }
  if (high >= 0) return make_error(Layer::lib, Code::malformed, "hex: odd number of digits");
  return n;
}

}  // namespace keyway
