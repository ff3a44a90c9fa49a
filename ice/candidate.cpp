// SPDX-License-Identifier: Apache-2.0
#include "keyway/ice/candidate.hpp"

#include <cstdio>
#include <cstring>

namespace keyway::ice {
namespace {

constexpr Error err(Code code, const char* detail) { return make_error(Layer::ice, code, detail); }
constexpr Error kPrefix = err(Code::malformed, "candidate: does not start with \"candidate:\"");
constexpr Error kFoundation = err(Code::malformed, "candidate: foundation is not 1..32 ice-chars");
constexpr Error kComponent = err(Code::malformed, "candidate: component-id is not a number in 1..256");
constexpr Error kTransport = err(Code::unsupported, "candidate: transport is neither UDP nor TCP");
constexpr Error kPriority = err(Code::malformed, "candidate: priority is not a number in 1..2^32-1");
constexpr Error kAddress = err(Code::malformed, "candidate: connection-address missing");
constexpr Error kHostname = err(Code::unsupported, "candidate: connection-address is a hostname (e.g. mDNS), not an IP");
constexpr Error kPort = err(Code::malformed, "candidate: port is not a number in 0..65535");
constexpr Error kTyp = err(Code::malformed, "candidate: \"typ\" keyword missing");
constexpr Error kType = err(Code::unsupported, "candidate: cand-type is not host, srflx, prflx or relay");
constexpr Error kRaddr = err(Code::malformed, "candidate: raddr is not an IP address");
constexpr Error kRport = err(Code::malformed, "candidate: rport is not a port number");
constexpr Error kTcpType = err(Code::malformed, "candidate: tcptype is not active, passive or so");
constexpr Error kExtension = err(Code::malformed, "candidate: extension name without a value");
constexpr Error kExtLong = err(Code::capacity, "candidate: extension text longer than 192 bytes");
constexpr Error kTextRoom = err(Code::buffer_too_small, "candidate: output buffer too small");

// Splits on runs of spaces; empty view at the end.
struct Tokens {
  std::string_view rest;
  std::string_view next() {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    std::size_t end = rest.find(' ');
    std::string_view t = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    return t;
  }
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// 1*max_digits DIGIT, value <= max.
bool parse_number(std::string_view s, std::size_t max_digits, uint64_t max, uint64_t& out) {
  if (s.empty() || s.size() > max_digits) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > max) return false;
  out = v;
  return true;
}

// RFC 8839 §5.1 / RFC 8445: ice-char = ALPHA / DIGIT / "+" / "/".
bool is_ice_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

bool parse_type(std::string_view s, CandidateType& t) {
  if (s == "host") t = CandidateType::host;
  else if (s == "srflx") t = CandidateType::srflx;
  else if (s == "prflx") t = CandidateType::prflx;
  else if (s == "relay") t = CandidateType::relay;
  else return false;
  return true;
}

// Looks like a hostname rather than a (malformed) IP: has a letter beyond hex digits, or ".local".
bool looks_like_hostname(std::string_view s) {
  if (s.find(':') != std::string_view::npos) return false;
  for (char c : s)
    if ((c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z') || c == '-') return true;
  return false;
}

Status append_extension(Candidate& c, std::string_view name, std::string_view value) {
  std::size_t need = (c.extensions_len > 0 ? 1 : 0) + name.size() + 1 + value.size();
  ENSURE(c.extensions_len + need <= Candidate::kMaxExtensions, kExtLong);
  char* p = c.extensions + c.extensions_len;
  if (c.extensions_len > 0) *p++ = ' ';
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  *p++ = ' ';
  std::memcpy(p, value.data(), value.size());
  c.extensions_len = static_cast<uint16_t>(c.extensions_len + need);
  c.extensions[c.extensions_len] = '\0';
  return ok_status();
}

// The optional trailing part: raddr, rport, tcptype and extension pairs.
Status parse_tail(Tokens& tok, Candidate& c) {
  for (std::string_view name = tok.next(); !name.empty(); name = tok.next()) {
    std::string_view value = tok.next();
    ENSURE(!value.empty(), kExtension);
    uint64_t n = 0;
    if (name == "raddr") {
      auto a = SocketAddr::parse_ip(value, c.related.port);
      ENSURE(a.ok(), kRaddr);
      c.related = *a;
      c.has_raddr = true;
    } else if (name == "rport") {
      ENSURE(parse_number(value, 5, 65535, n), kRport);
      c.related.port = static_cast<uint16_t>(n);
      c.has_rport = true;
    } else if (name == "tcptype") {
      if (value == "active") c.tcptype = TcpType::active;
      else if (value == "passive") c.tcptype = TcpType::passive;
      else if (value == "so") c.tcptype = TcpType::so;
      else return kTcpType;
    } else {
      TRY(append_extension(c, name, value));
    }
  }
  return ok_status();
}

std::string_view strip_prefix(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  if (s.substr(0, 2) == "a=") s.remove_prefix(2);
  return s;
}

// The line of c with `extensions` (the kept pairs, or none) at its end.
Result<std::size_t> write_candidate(const CandidateCore& c, std::string_view extensions, char* out,
                                    std::size_t out_len) {
  char ip[kMaxAddrText], rip[kMaxAddrText];
  c.address.format_ip(ip, sizeof ip);
  c.related.format_ip(rip, sizeof rip);
  const char* transport_text = c.transport == Transport::udp ? "udp" : "tcp";
  int n = std::snprintf(out, out_len, "candidate:%.*s %u %s %lu %s %u typ %s", static_cast<int>(c.foundation_len),
                        c.foundation, unsigned{c.component}, transport_text, static_cast<unsigned long>(c.priority), ip,
                        unsigned{c.address.port}, to_string(c.type));
  auto append = [&](const char* fmt, auto... args) {
    if (n < 0 || static_cast<std::size_t>(n) >= out_len) return;
    int k = std::snprintf(out + n, out_len - static_cast<std::size_t>(n), fmt, args...);
    n = k < 0 ? -1 : n + k;
  };
  if (c.has_raddr) append(" raddr %s", rip);
  if (c.has_rport) append(" rport %u", unsigned{c.related.port});
  if (c.tcptype == TcpType::active) append(" tcptype active");
  if (c.tcptype == TcpType::passive) append(" tcptype passive");
  if (c.tcptype == TcpType::so) append(" tcptype so");
  if (!extensions.empty()) append(" %.*s", static_cast<int>(extensions.size()), extensions.data());
  ENSURE(n >= 0 && static_cast<std::size_t>(n) < out_len, kTextRoom);
  return static_cast<std::size_t>(n);
}

}  // namespace

const char* to_string(CandidateType t) {
  switch (t) {
    case CandidateType::host: return "host";
    case CandidateType::srflx: return "srflx";
    case CandidateType::prflx: return "prflx";
    case CandidateType::relay: return "relay";
  }
  return "host";
}

Status CandidateCore::set_foundation(std::string_view f) {
  ENSURE(!f.empty() && f.size() <= kMaxFoundation, kFoundation);
  for (char ch : f) ENSURE(is_ice_char(ch), kFoundation);
  std::memcpy(foundation, f.data(), f.size());
  foundation[f.size()] = '\0';
  foundation_len = static_cast<uint8_t>(f.size());
  return ok_status();
}

Result<Candidate> Candidate::parse(std::string_view text) {
  std::string_view s = strip_prefix(text);
  ENSURE(s.substr(0, 10) == "candidate:", kPrefix);
  ENSURE(s.size() > 10 && s[10] != ' ', kFoundation);
  Tokens tok{s.substr(10)};
  Candidate c;
  TRY(c.set_foundation(tok.next()));
  uint64_t n = 0;
  ENSURE(parse_number(tok.next(), 3, 256, n) && n >= 1, kComponent);
  c.component = static_cast<uint16_t>(n);
  std::string_view transport = tok.next();
  if (iequals(transport, "udp")) c.transport = Transport::udp;
  else if (iequals(transport, "tcp")) c.transport = Transport::tcp;
  else return kTransport;
  ENSURE(parse_number(tok.next(), 10, 0xFFFFFFFFull, n) && n >= 1, kPriority);
  c.priority = static_cast<uint32_t>(n);
  std::string_view addr = tok.next();
  ENSURE(!addr.empty(), kAddress);
  std::string_view port = tok.next();
  ENSURE(parse_number(port, 5, 65535, n), kPort);
  auto a = SocketAddr::parse_ip(addr, static_cast<uint16_t>(n));
  if (!a.ok()) return looks_like_hostname(addr) ? kHostname : a.error();
  c.address = *a;
  ENSURE(tok.next() == "typ", kTyp);
  ENSURE(parse_type(tok.next(), c.type), kType);
  TRY(parse_tail(tok, c));
  return c;
}

Result<std::size_t> CandidateCore::write(char* out, std::size_t out_len) const {
  return write_candidate(*this, {}, out, out_len);
}

Result<std::size_t> Candidate::write(char* out, std::size_t out_len) const {
  return write_candidate(*this, extensions_view(), out, out_len);
}

bool Candidate::next_extension(std::size_t& pos, std::string_view& name, std::string_view& value) const {
  Tokens tok{extensions_view().substr(pos < extensions_len ? pos : extensions_len)};
  name = tok.next();
  value = tok.next();
  pos = extensions_len - tok.rest.size();
  return !name.empty();
}

}  // namespace keyway::ice
