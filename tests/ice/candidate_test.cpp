// SPDX-License-Identifier: Apache-2.0
// RFC 8839 §5.1 candidate grammar: parse, write back, reject.
#include <doctest/doctest.h>

#include <string>

#include "keyway/ice/candidate.hpp"

using namespace keyway;
using namespace keyway::ice;

namespace {
std::string write(const Candidate& c) {
  char out[kMaxCandidateText];
  auto n = c.write(out, sizeof out);
  REQUIRE(n.ok());
  return std::string(out, *n);
}
}  // namespace

TEST_CASE("a Chromium host candidate round-trips with its extensions kept") {
  const char* line = "candidate:3882850251 1 udp 2122260223 127.0.0.1 49519 typ host generation 0 network-id 1 network-cost 50";
  auto c = Candidate::parse(std::string("a=") + line + "\r\n");
  REQUIRE(c.ok());
  CHECK(c->foundation_view() == "3882850251");
  CHECK(c->component == 1);
  CHECK(c->transport == Transport::udp);
  CHECK(c->priority == 2122260223u);
  CHECK(c->address == SocketAddr::v4(127, 0, 0, 1, 49519));
  CHECK(c->type == CandidateType::host);
  CHECK(c->extensions_view() == "generation 0 network-id 1 network-cost 50");
  std::size_t pos = 0;
  std::string_view name, value;
  int pairs = 0;
  while (c->next_extension(pos, name, value)) ++pairs;
  CHECK(pairs == 3);
  CHECK(write(*c) == line);
}

TEST_CASE("srflx with raddr/rport, IPv6, UDP in capitals, aioice's 32-char foundation") {
  auto c = Candidate::parse("candidate:842163049 1 UDP 1677729535 203.0.113.7 61000 typ srflx raddr 10.0.0.2 rport 50000");
  REQUIRE(c.ok());
  CHECK(c->type == CandidateType::srflx);
  CHECK(c->has_raddr);
  CHECK(c->has_rport);
  CHECK(c->related == SocketAddr::v4(10, 0, 0, 2, 50000));
  CHECK(write(*c) == "candidate:842163049 1 udp 1677729535 203.0.113.7 61000 typ srflx raddr 10.0.0.2 rport 50000");
  auto v6 = Candidate::parse("candidate:1 1 udp 2130706431 2001:db8::5 4000 typ host");
  REQUIRE(v6.ok());
  CHECK(v6->address.family == Family::v6);
  CHECK(write(*v6) == "candidate:1 1 udp 2130706431 2001:db8::5 4000 typ host");
  auto a = Candidate::parse("candidate:16572de626da4e5384a0ce2d0d93678a 1 udp 2130706431 127.0.0.1 50865 typ host");
  REQUIRE(a.ok());
  CHECK(a->foundation_len == 32);
  auto prflx = Candidate::parse("candidate:x 1 udp 1 1.2.3.4 1 typ prflx");
  REQUIRE(prflx.ok());
  CHECK(prflx->type == CandidateType::prflx);
}

TEST_CASE("a TCP candidate with tcptype parses and writes back") {
  const char* line = "candidate:2 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 0";
  auto c = Candidate::parse(line);
  REQUIRE(c.ok());
  CHECK(c->transport == Transport::tcp);
  CHECK(c->tcptype == TcpType::active);
  CHECK(write(*c) == line);
  CHECK(Candidate::parse("candidate:2 1 tcp 1 127.0.0.1 9 typ host tcptype passive")->tcptype == TcpType::passive);
  CHECK(Candidate::parse("candidate:2 1 tcp 1 127.0.0.1 9 typ host tcptype so")->tcptype == TcpType::so);
}

TEST_CASE("malformed candidate lines are rejected with the field named") {
  struct Case {
    const char* line;
    Code code;
    const char* needle;
  };
  const Case cases[] = {
      {"cand:1 1 udp 1 1.2.3.4 1 typ host", Code::malformed, "candidate:"},
      {"candidate: 1 udp 1 1.2.3.4 1 typ host", Code::malformed, "foundation"},
      {"candidate:ab_c 1 udp 1 1.2.3.4 1 typ host", Code::malformed, "foundation"},
      {"candidate:123456789012345678901234567890123 1 udp 1 1.2.3.4 1 typ host", Code::malformed, "foundation"},
      {"candidate:1 0 udp 1 1.2.3.4 1 typ host", Code::malformed, "component"},
      {"candidate:1 1000 udp 1 1.2.3.4 1 typ host", Code::malformed, "component"},
      {"candidate:1 x udp 1 1.2.3.4 1 typ host", Code::malformed, "component"},
      {"candidate:1 1 sctp 1 1.2.3.4 1 typ host", Code::unsupported, "transport"},
      {"candidate:1 1 udp 0 1.2.3.4 1 typ host", Code::malformed, "priority"},
      {"candidate:1 1 udp 4294967296 1.2.3.4 1 typ host", Code::malformed, "priority"},
      {"candidate:1 1 udp -1 1.2.3.4 1 typ host", Code::malformed, "priority"},
      {"candidate:1 1 udp 1", Code::malformed, "connection-address"},
      {"candidate:1 1 udp 1 1.2.3.4 65536 typ host", Code::malformed, "port"},
      {"candidate:1 1 udp 1 1.2.3.4 typ host", Code::malformed, "port"},
      {"candidate:1 1 udp 1 1.2.3.999 1 typ host", Code::malformed, "IPv4"},
      {"candidate:1 1 udp 1 abcd.local 1 typ host", Code::unsupported, "hostname"},
      {"candidate:1 1 udp 1 1.2.3.4 1 type host", Code::malformed, "typ"},
      {"candidate:1 1 udp 1 1.2.3.4 1 typ", Code::unsupported, "cand-type"},
      {"candidate:1 1 udp 1 1.2.3.4 1 typ nat", Code::unsupported, "cand-type"},
      {"candidate:1 1 udp 1 1.2.3.4 1 typ srflx raddr x rport 1", Code::malformed, "raddr"},
      {"candidate:1 1 udp 1 1.2.3.4 1 typ srflx raddr 1.2.3.4 rport 70000", Code::malformed, "rport"},
      {"candidate:1 1 tcp 1 1.2.3.4 1 typ host tcptype sideways", Code::malformed, "tcptype"},
      {"candidate:1 1 udp 1 1.2.3.4 1 typ host generation", Code::malformed, "extension"},
  };
  for (const Case& k : cases) {
    std::string line = k.line;
    CAPTURE(line);
    auto c = Candidate::parse(k.line);
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().code == k.code);
    std::string detail = c.error().detail;
    CAPTURE(detail);
    CHECK(detail.find(k.needle) != std::string::npos);
  }
  std::string long_ext = "candidate:1 1 udp 1 1.2.3.4 1 typ host";
  for (int i = 0; i < 20; ++i) long_ext += " name" + std::to_string(i) + " value-value-value";
  auto c = Candidate::parse(long_ext);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().code == Code::capacity);
}

TEST_CASE("writing into a buffer too small fails cleanly") {
  auto c = Candidate::parse("candidate:1 1 udp 1 1.2.3.4 1 typ host");
  char out[10];
  auto n = c->write(out, sizeof out);
  REQUIRE_FALSE(n.ok());
  CHECK(n.error().code == Code::buffer_too_small);
}
