// SPDX-License-Identifier: Apache-2.0
#include "keyway/sdp/lexer.hpp"

namespace keyway::sdp {

bool LineCutter::next(RawLine& out) {
  if (rest_.empty()) return false;
  out = RawLine{};
  out.number = ++number_;
  std::size_t nl = rest_.find('\n');
  if (nl == std::string_view::npos) {
    out.text = rest_;
    rest_ = {};
    return true;
  }
  std::string_view line = rest_.substr(0, nl);
  rest_ = rest_.substr(nl + 1);
  out.terminated = true;
  // RFC 8866 §5: CRLF ends a line; a lone LF is tolerated.
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
    out.crlf = true;
  }
  out.text = line;
  return true;
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool Tokens::next(std::string_view& out) {
  if (collapse_) {
    while (!rest_.empty() && is_blank(rest_.front())) rest_.remove_prefix(1);
    if (rest_.empty()) return false;
    std::size_t end = 0;
    while (end < rest_.size() && !is_blank(rest_[end])) ++end;
    out = rest_.substr(0, end);
    rest_ = rest_.substr(end);
    return true;
  }
  if (rest_.data() == nullptr) return false;
  std::size_t sp = rest_.find(' ');
  if (sp == std::string_view::npos) {
    out = rest_;
    rest_ = std::string_view{};  // data()==nullptr marks "consumed"
    return true;
  }
  out = rest_.substr(0, sp);
  rest_ = rest_.substr(sp + 1);
  return true;
}

bool split_once(std::string_view text, char sep, std::string_view& head, std::string_view& tail) {
  std::size_t at = text.find(sep);
  if (at == std::string_view::npos) return false;
  head = text.substr(0, at);
  tail = text.substr(at + 1);
  return true;
}

namespace {
// RFC 8866 §9: token-char = %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E
constexpr bool token_char_rule(unsigned u) {
  return u == 0x21 || (u >= 0x23 && u <= 0x27) || u == 0x2A || u == 0x2B || u == 0x2D || u == 0x2E ||
         (u >= 0x30 && u <= 0x39) || (u >= 0x41 && u <= 0x5A) || (u >= 0x5E && u <= 0x7E);
}
// One bit per US-ASCII character (token-chars are all below 0x7F).
struct TokenTable {
  uint8_t bits[128 / 8] = {};
  constexpr TokenTable() {
    for (unsigned u = 0; u < 128; ++u)
      if (token_char_rule(u)) bits[u / 8] |= static_cast<uint8_t>(1u << (u % 8));
  }
};
constexpr TokenTable kTokenTable{};
}  // namespace

bool is_token_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 128 && (kTokenTable.bits[u / 8] >> (u % 8) & 1) != 0;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_token_char(c)) return false;
  return true;
}

bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool is_byte_string(std::string_view s) {
  return !s.empty() && s.find('\0') == std::string_view::npos && s.find('\r') == std::string_view::npos &&
         s.find('\n') == std::string_view::npos;
}

bool parse_u64(std::string_view s, uint64_t& out) {
  if (!is_digits(s) || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    auto d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

template <typename T>
static bool parse_bounded(std::string_view s, T& out, uint64_t max) {
  uint64_t v = 0;
  if (!parse_u64(s, v) || v > max) return false;
  out = static_cast<T>(v);
  return true;
}

bool parse_u32(std::string_view s, uint32_t& out) { return parse_bounded(s, out, UINT32_MAX); }
bool parse_u16(std::string_view s, uint16_t& out) { return parse_bounded(s, out, UINT16_MAX); }
bool parse_u8(std::string_view s, uint8_t& out) { return parse_bounded(s, out, UINT8_MAX); }

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  return trim_right(s);
}

}  // namespace keyway::sdp
