// SPDX-License-Identifier: Apache-2.0
#include "keyway/lib/socket_addr.hpp"

#include <cstring>

namespace keyway {
namespace {

constexpr Error kBadIp = make_error(Layer::lib, Code::malformed, "address: not an IPv4 or IPv6 literal");

// Appends characters to a bounded buffer, always keeping room for the NUL.
struct TextOut {
  char* out;
  std::size_t cap;
  std::size_t len = 0;
  void put(char c) {
    if (len + 1 < cap) out[len] = c;
    ++len;
  }
  void put_dec(unsigned v) {
    char tmp[6];
    int n = 0;
    do { tmp[n++] = static_cast<char>('0' + v % 10); v /= 10; } while (v != 0);
    while (n > 0) put(tmp[--n]);
  }
  void put_hex(unsigned v) {
    const char* digits = "0123456789abcdef";
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      unsigned d = (v >> shift) & 0xF;
      if (d == 0 && !started && shift != 0) continue;
      started = true;
      put(digits[d]);
    }
  }
  std::size_t finish() {
    if (cap == 0) return 0;
    if (len >= cap) len = cap - 1;
    out[len] = '\0';
    return len;
  }
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Dotted quad: exactly four decimal octets, no leading '+', each 0..255.
bool parse_v4(std::string_view s, uint8_t out[4]) {
  std::size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
    unsigned v = 0;
    std::size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && digits < 3) {
      v = v * 10 + static_cast<unsigned>(s[i] - '0');
      ++i;
      ++digits;
    }
    if (digits == 0 || v > 255) return false;
    out[part] = static_cast<uint8_t>(v);
  }
  return i == s.size();
}

// RFC 4291 §2.2: up to eight hex groups, one "::" run, optional trailing dotted quad.
bool parse_v6(std::string_view s, uint8_t out[16]) {
  uint16_t groups[8] = {};
  int count = 0;
  int gap_at = -1;
  std::size_t i = 0;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') { gap_at = 0; i = 2; }
  else if (!s.empty() && s[0] == ':') return false;
  while (i < s.size()) {
    if (count == 8) return false;
    std::size_t start = i;
    unsigned v = 0;
    for (int d; i < s.size() && i - start < 4 && (d = hex_value(s[i])) >= 0; ++i) v = (v << 4) | static_cast<unsigned>(d);
    if (i < s.size() && s[i] == '.') {  // embedded IPv4 tail (e.g. ::ffff:1.2.3.4)
      uint8_t v4[4];
      if (count > 6 || !parse_v4(s.substr(start), v4)) return false;
      groups[count++] = static_cast<uint16_t>((v4[0] << 8) | v4[1]);
      groups[count++] = static_cast<uint16_t>((v4[2] << 8) | v4[3]);
      i = s.size();
      break;
    }
    if (i == start) return false;
    groups[count++] = static_cast<uint16_t>(v);
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (gap_at >= 0) return false;
      gap_at = count;
      ++i;
    } else if (i == s.size()) {
      return false;  // trailing single ':'
    }
  }
  if (gap_at < 0 && count != 8) return false;
  if (gap_at >= 0 && count == 8) return false;
  // The "::" stands for the zero groups that make eight: the groups after it
  // move to the end.
  std::memset(out, 0, 16);
  for (int k = 0; k < count; ++k) {
    const int at = (gap_at >= 0 && k >= gap_at) ? k + 8 - count : k;
    out[2 * at] = static_cast<uint8_t>(groups[k] >> 8);
    out[2 * at + 1] = static_cast<uint8_t>(groups[k]);
  }
  return true;
}

// RFC 5952 §4.2: the longest run (length >= 2) of zero groups becomes "::".
void write_v6(TextOut& t, const uint8_t ip[16]) {
  unsigned g[8];
  for (int k = 0; k < 8; ++k) g[k] = (unsigned{ip[2 * k]} << 8) | ip[2 * k + 1];
  int best = -1, best_len = 0;
  for (int k = 0; k < 8;) {
    if (g[k] != 0) { ++k; continue; }
    int run = k;
    while (run < 8 && g[run] == 0) ++run;
    if (run - k > best_len) { best = k; best_len = run - k; }
    k = run;
  }
  if (best_len < 2) best = -1;
  for (int k = 0; k < 8; ++k) {
    if (k == best) {
      t.put(':');
      t.put(':');
      k += best_len - 1;
      continue;
    }
    if (k > 0 && k != best + best_len) t.put(':');
    t.put_hex(g[k]);
  }
}

}  // namespace

SocketAddr SocketAddr::v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t p) {
  SocketAddr s;
  s.family = Family::v4;
  s.ip[0] = a; s.ip[1] = b; s.ip[2] = c; s.ip[3] = d;
  s.port = p;
  return s;
}

SocketAddr SocketAddr::v6(const uint8_t (&bytes)[16], uint16_t p) {
  SocketAddr s;
  s.family = Family::v6;
  std::memcpy(s.ip, bytes, 16);
  s.port = p;
  return s;
}

Result<SocketAddr> SocketAddr::parse_ip(std::string_view text, uint16_t p) {
  SocketAddr s;
  s.port = p;
  if (parse_v4(text, s.ip)) {
    s.family = Family::v4;
    return s;
  }
  if (parse_v6(text, s.ip)) {
    s.family = Family::v6;
    return s;
  }
  return kBadIp;
}

bool SocketAddr::same_ip(const SocketAddr& o) const {
  return family == o.family && std::memcmp(ip, o.ip, ip_len()) == 0;
}

std::size_t SocketAddr::format_ip(char* out, std::size_t out_len) const {
  TextOut t{out, out_len};
  if (family == Family::v4) {
    for (int k = 0; k < 4; ++k) {
      if (k > 0) t.put('.');
      t.put_dec(ip[k]);
    }
  } else {
    write_v6(t, ip);
  }
  return t.finish();
}

std::size_t SocketAddr::format(char* out, std::size_t out_len) const {
  char ip_text[kMaxAddrText];
  format_ip(ip_text, sizeof ip_text);
  TextOut t{out, out_len};
  if (family == Family::v6) t.put('[');
  for (const char* c = ip_text; *c != '\0'; ++c) t.put(*c);
  if (family == Family::v6) t.put(']');
  t.put(':');
  t.put_dec(port);
  return t.finish();
}

}  // namespace keyway
