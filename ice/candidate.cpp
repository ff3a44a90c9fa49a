// SPDX-License-Identifier: Apache-2.0
#include "keyway/ice/candidate.hpp"

#include <cstdio>
#include <cstring>
#include <iterator>
#include <span>

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

// The keywords of RFC 8839 §5.1, each table in the order of the enum it
// names (so a keyword's index is its value): parse and write share them.
constexpr std::string_view kTypeNames[] = {"host", "srflx", "prflx", "relay"};  // CandidateType
constexpr std::string_view kTransportNames[] = {"udp", "tcp"};                  // Transport
constexpr std::string_view kTcpTypeNames[] = {"active", "passive", "so"};       // TcpType, from active (RFC 6544 §4.5)
// The optional fields after cand-type that are not extension pairs.
enum class TailField : uint8_t { raddr, rport, tcptype };
constexpr std::string_view kTailNames[] = {"raddr", "rport", "tcptype"};

// Whether s is the (lower-case) keyword; any_case: s's ASCII capitals count as small letters.
bool is_keyword(std::string_view s, std::string_view keyword, bool any_case) {
  if (s.size() != keyword.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (any_case && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != keyword[i]) return false;
  }
  return true;
}

// The index of s in names, or -1.
int keyword_index(std::string_view s, std::span<const std::string_view> names, bool any_case = false) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (is_keyword(s, names[i], any_case)) return static_cast<int>(i);
  return -1;
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
    const int field = keyword_index(name, kTailNames);
    if (field < 0) {  // an extension pair (RFC 8839 §5.1 cand-extension), kept verbatim
      TRY(append_extension(c, name, value));
      continue;
    }
    uint64_t n = 0;
    switch (static_cast<TailField>(field)) {
      case TailField::raddr: {
        auto a = SocketAddr::parse_ip(value, c.related.port);
        ENSURE(a.ok(), kRaddr);
        c.related = *a;
        c.has_raddr = true;
        break;
      }
      case TailField::rport:
        ENSURE(parse_number(value, 5, 65535, n), kRport);
        c.related.port = static_cast<uint16_t>(n);
        c.has_rport = true;
        break;
      case TailField::tcptype: {
        int t = keyword_index(value, kTcpTypeNames);
        ENSURE(t >= 0, kTcpType);
        c.tcptype = static_cast<TcpType>(t + 1);
        break;
      }
    }
  }
  return ok_status();
}

std::string_view strip_prefix(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  if (s.substr(0, 2) == "a=") s.remove_prefix(2);
  return s;
}

// RFC 8839 §5.1, candidate-attribute, into c (the prefix and CR/LF already stripped).
Status parse_fields(std::string_view s, Candidate& c) {
  ENSURE(s.substr(0, 10) == "candidate:", kPrefix);
  ENSURE(s.size() > 10 && s[10] != ' ', kFoundation);
  Tokens tok{s.substr(10)};
  // The fixed fields, in the grammar's order (an absent one reads as empty).
  enum Field : std::size_t { foundation, component, transport, priority, address, port, typ, type, kFields };
  std::string_view f[kFields];
  for (std::string_view& field : f) field = tok.next();
  TRY(c.set_foundation(f[foundation]));
  uint64_t n = 0;
  ENSURE(parse_number(f[component], 3, 256, n) && n >= 1, kComponent);
  c.component = static_cast<uint16_t>(n);
  int t = keyword_index(f[transport], kTransportNames, true);  // "UDP": ABNF strings ignore case (RFC 5234 §2.3)
  ENSURE(t >= 0, kTransport);
  c.transport = static_cast<Transport>(t);
  ENSURE(parse_number(f[priority], 10, 0xFFFFFFFFull, n) && n >= 1, kPriority);
  c.priority = static_cast<uint32_t>(n);
  ENSURE(!f[address].empty(), kAddress);
  ENSURE(parse_number(f[port], 5, 65535, n), kPort);
  auto a = SocketAddr::parse_ip(f[address], static_cast<uint16_t>(n));
  if (!a.ok()) return looks_like_hostname(f[address]) ? kHostname : a.error();
  c.address = *a;
  ENSURE(f[typ] == "typ", kTyp);
  t = keyword_index(f[type], kTypeNames);
  ENSURE(t >= 0, kType);
  c.type = static_cast<CandidateType>(t);
  return parse_tail(tok, c);
}

// The line of c with `extensions` (the kept pairs, or none) at its end.
Result<std::size_t> write_candidate(const CandidateCore& c, std::string_view extensions, char* out,
                                    std::size_t out_len) {
  char ip[kMaxAddrText], rip[kMaxAddrText];
  c.address.format_ip(ip, sizeof ip);
  c.related.format_ip(rip, sizeof rip);
  int n = std::snprintf(out, out_len, "candidate:%.*s %u %s %lu %s %u typ %s", static_cast<int>(c.foundation_len),
                        c.foundation, unsigned{c.component}, kTransportNames[static_cast<int>(c.transport)].data(), static_cast<unsigned long>(c.priority), ip,
                        unsigned{c.address.port}, to_string(c.type));
  auto append = [&](const char* fmt, auto... args) {
    if (n < 0 || static_cast<std::size_t>(n) >= out_len) return;
    int k = std::snprintf(out + n, out_len - static_cast<std::size_t>(n), fmt, args...);
    n = k < 0 ? -1 : n + k;
  };
  if (c.has_raddr) append(" raddr %s", rip);
  if (c.has_rport) append(" rport %u", unsigned{c.related.port});
  if (c.tcptype != TcpType::none) append(" tcptype %s", kTcpTypeNames[static_cast<int>(c.tcptype) - 1].data());
  if (!extensions.empty()) append(" %.*s", static_cast<int>(extensions.size()), extensions.data());
  ENSURE(n >= 0 && static_cast<std::size_t>(n) < out_len, kTextRoom);
  return static_cast<std::size_t>(n);
}

}  // namespace

const char* to_string(CandidateType t) {
  auto i = static_cast<std::size_t>(t);
  return i < std::size(kTypeNames) ? kTypeNames[i].data() : "host";
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
  Candidate c;
  TRY(parse_fields(strip_prefix(text), c));
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
