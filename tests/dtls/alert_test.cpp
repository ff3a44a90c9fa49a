// SPDX-License-Identifier: Apache-2.0
// Alert names (RFC 5246 §7.2, RFC 8446 §6).
#include <doctest/doctest.h>

#include <string>

#include "keyway/dtls/alert.hpp"

using namespace keyway::dtls;

namespace {
std::string name(uint8_t value) { return alert_name(static_cast<AlertDescription>(value)).c_str(); }
}  // namespace

// peer::alert_name knew 15 alerts; unknown_ca (48), which OpenSSL and GnuTLS
// send when they do not trust a self-signed certificate, printed as
// "unknown alert", and so did every other value, without its number.
TEST_CASE("dtls alert_name: every RFC 5246 and RFC 8446 alert by name, others by number") {
  CHECK(name(48) == "unknown_ca");
  CHECK(name(0) == "close_notify");
  CHECK(name(46) == "certificate_unknown");
  CHECK(name(90) == "user_canceled");
  CHECK(name(113) == "bad_certificate_status_response");
  CHECK(name(116) == "certificate_required");
  CHECK(name(120) == "no_application_protocol");
  CHECK(name(201) == "alert 201");
  CHECK(name(255) == "alert 255");
  // Every registered value has a name (numbers from both RFCs' enums).
  for (int v : {0, 10, 20, 21, 22, 30, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 60, 70, 71, 80, 86, 90, 100,
                109, 110, 111, 112, 113, 114, 115, 116, 120}) {
    CAPTURE(v);
    CHECK(name(static_cast<uint8_t>(v)).rfind("alert ", 0) == std::string::npos);
  }
}
