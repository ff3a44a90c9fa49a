// SPDX-License-Identifier: Apache-2.0
// Alert names for messages and logs (RFC 5246 §7.2, RFC 8446 §6).
//
//   struct { AlertLevel level; AlertDescription description; } Alert;
//
// Every description either RFC defines prints by name; any other value, by
// number ("alert 201"): a peer may send any byte. The minimal profile
// (profile::kErrorText off) prints every alert by number.
#pragma once

#include "keyway/dtls/constants.hpp"

namespace keyway::dtls {

// Text held by value, so that a name made from a number needs no storage.
struct AlertName {
  char text[32] = {};  // the longest name has 31 characters
  const char* c_str() const { return text; }
};

AlertName alert_name(AlertDescription a);

}  // namespace keyway::dtls
