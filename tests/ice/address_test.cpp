// SPDX-License-Identifier: Apache-2.0
// SocketAddr text forms: RFC 4291 §2.2 in, RFC 5952 out.
#include <doctest/doctest.h>

#include <string>

#include "keyway/ice/address.hpp"

using namespace keyway::ice;

namespace {
std::string fmt_ip(const char* in) {
  auto a = SocketAddr::parse_ip(in, 0);
  if (!a.ok()) return "error";
  char out[kMaxAddrText];
  a->format_ip(out, sizeof out);
  return out;
}
}  // namespace

TEST_CASE("IPv4 and IPv6 literals parse and print canonically") {
  CHECK(fmt_ip("127.0.0.1") == "127.0.0.1");
  CHECK(fmt_ip("0.0.0.0") == "0.0.0.0");
  CHECK(fmt_ip("255.255.255.255") == "255.255.255.255");
  CHECK(fmt_ip("::1") == "::1");
  CHECK(fmt_ip("::") == "::");
  CHECK(fmt_ip("2001:DB8:0:0:0:0:0:1") == "2001:db8::1");
  CHECK(fmt_ip("2001:db8:1234:5678:11:2233:4455:6677") == "2001:db8:1234:5678:11:2233:4455:6677");
  CHECK(fmt_ip("fe80::1:0:0:0:2") == "fe80:0:0:1::2");
  CHECK(fmt_ip("2001:db8:0:1:1:1:1:1") == "2001:db8:0:1:1:1:1:1");
  CHECK(fmt_ip("::ffff:192.0.2.7") == "::ffff:c000:207");
  CHECK(fmt_ip("1::") == "1::");
}

TEST_CASE("malformed IP literals are rejected") {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", "a.b.c.d", "1..2.3", ":::",
                          "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "1:2:3:4:5:6:7", ":1::", "1:", "g::1",
                          "1:2:3:4:5:6:7:8::", "example.local"}) {
    CAPTURE(bad);
    CHECK_FALSE(SocketAddr::parse_ip(bad, 1).ok());
  }
}

TEST_CASE("socket address formatting and equality") {
  auto a = SocketAddr::v4(10, 0, 0, 1, 5000);
  char out[kMaxAddrText];
  a.format(out, sizeof out);
  CHECK(std::string(out) == "10.0.0.1:5000");
  auto b = *SocketAddr::parse_ip("::1", 443);
  b.format(out, sizeof out);
  CHECK(std::string(out) == "[::1]:443");
  CHECK(a == SocketAddr::v4(10, 0, 0, 1, 5000));
  CHECK_FALSE(a == SocketAddr::v4(10, 0, 0, 1, 5001));
  CHECK_FALSE(a == b);
  char tiny[4];
  CHECK(a.format(tiny, sizeof tiny) == 3);  // truncated, still terminated
  CHECK(std::string(tiny) == "10.");
}
