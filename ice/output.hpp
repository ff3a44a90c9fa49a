// SPDX-License-Identifier: Apache-2.0
// What the agent asks its caller to do (style.md §1, lib/sans_io.hpp): send
// a datagram, take note of an event, or wake it at a deadline.
#pragma once

#include <cstdint>

#include "keyway/ice/address.hpp"
#include "keyway/ice/candidate.hpp"
#include "keyway/lib/bytes.hpp"
#include "keyway/lib/result.hpp"
#include "keyway/lib/sans_io.hpp"
#include "keyway/lib/time.hpp"

namespace keyway::ice {

using keyway::Transmit;
using keyway::Verdict;  // accepted: a STUN message the agent used; discarded: dropped and counted

enum class EventKind : uint8_t {
  new_local_candidate,    // candidate: signal it to the peer (trickle)
  gathering_complete,     // no more local candidates for now (a=end-of-candidates)
  selected_pair_changed,  // local/remote: the path media now uses
  connected,              // a nominated pair is selected (or consent came back)
  disconnected,           // consent responses stopped for a while (may recover)
  failed,                 // reason: why; the agent sends nothing more
};

const char* to_string(EventKind kind);

struct Event {
  EventKind kind = EventKind::connected;
  const CandidateCore* candidate = nullptr;  // new_local_candidate; valid until the next input
  SocketAddr local{};                   // selected_pair_changed
  SocketAddr remote{};
  Error error{};                        // failed: Layer::ice, a precise code; detail valid while the agent lives

  bool is_failure() const { return kind == EventKind::failed; }
};

using Output = EngineOutput<Event>;

}  // namespace keyway::ice
