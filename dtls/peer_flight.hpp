// SPDX-License-Identifier: Apache-2.0
// Damaged unauthenticated handshake messages, both versions: which failed
// checks a bit flipped in transit can cause (dtls/peer_flight.cpp for 1.2,
// dtls/v13/peer_flight.cpp for the 1.3 hellos). Such a message is set aside
// and the peer's retransmission awaited; a refusal that is a choice (no
// common suite, version, an unexpected message) stays fatal at once.
#pragma once

#include "keyway/lib/result.hpp"

namespace keyway::dtls {

bool failure_may_be_damage(Code code);

}  // namespace keyway::dtls
