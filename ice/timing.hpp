// SPDX-License-Identifier: Apache-2.0
// ICE and STUN timing policy as data (style.md §3, like str0m's StunTiming).
// Defaults follow the RFCs; tests shorten them to run faster in virtual time.
#pragma once

#include <cstdint>

#include "keyway/lib/time.hpp"

namespace keyway::ice {

struct Timing {
  // RFC 8445 §14.2: pacing interval Ta between new checks (default 50 ms).
  Duration ta = Duration::millis(50);
  // RFC 8445 §14.3: RTO = max(500 ms, Ta * (Waiting + In-Progress pairs)).
  Duration min_rto = Duration::millis(500);
  // Each retransmission doubles the RTO (RFC 8489 §6.2.1), capped here so a
  // dead pair fails in seconds rather than 39.5 s.
  Duration max_rto = Duration::seconds(3);
  // RFC 8445 §8.1.1: the controlling agent nominates the best valid pair once
  // no higher-priority pair is still pending, or after this wait at most.
  Duration nomination_wait = Duration::seconds(2);
  // RFC 7675 §5.1: consent checks every 5 s, randomised to 0.8..1.2 times.
  Duration consent_interval = Duration::seconds(5);
  // RFC 7675 §5.1: consent is lost 30 s after the last authenticated response.
  Duration consent_timeout = Duration::seconds(30);
  // Report "disconnected" after this long without a consent response.
  Duration disconnected_after = Duration::seconds(8);
  // RFC 8445 §11: Tr, the keep-alive interval (at least 15 s) for agents
  // that send no consent checks (ICE-lite); skipped while other STUN flows.
  Duration keepalive_interval = Duration::seconds(15);
  // Server-reflexive gathering (RFC 8489 §6.2.1 defaults).
  Duration gather_rto = Duration::millis(500);
  // The one-byte counts last (issue 13: 80 bytes, not 88, in every agent).
  // RFC 8489 §6.2.1: Rc = 7 transmissions of a request.
  uint8_t max_transmits = 7;
  uint8_t gather_max_transmits = 7;
};

}  // namespace keyway::ice
