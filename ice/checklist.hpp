// SPDX-License-Identifier: Apache-2.0
// Candidate pairs and the check list (RFC 8445 §6.1.2):
//
//            +-----------+
//            |  Frozen   |----------------------+
//            +-----------+                      |
//                 | unfreeze                    |
//                 v                             |
//            +-----------+    +-------------+   |
//            |  Waiting  |--->| In-Progress |   |
//            +-----------+    +-------------+   |
//                              |           |    |
//                     success  v           v failure / timeout
//                  +-----------+         +-----------+
//                  | Succeeded |         |  Failed   |
//                  +-----------+         +-----------+
//            RFC 8445 §6.1.2.6, Figure 7 (triggered checks move any
//            state back to Waiting, §7.3.1.4)
#pragma once

#include <cstdint>
#include <optional>

#include "keyway/ice/stun/message.hpp"
#include "keyway/lib/time.hpp"

namespace keyway::ice {

enum class PairState : uint8_t { frozen, waiting, in_progress, succeeded, failed };
// Why a pair failed, for the agent's failure reason.
enum class PairFailure : uint8_t { none, timeout, error_response, asymmetric };

const char* to_string(PairState s);

struct CandidatePair {
  // The 8-byte fields first, then the one-byte ones (issue 13: 80 bytes, not
  // 88: the kept selected pair and every pair of the check list).
  uint64_t priority = 0;
  Timestamp first_sent{};
  Timestamp next_retransmit = Timestamp::never();
  Duration rto{};
  std::optional<Duration> rtt;           // from an unretransmitted check (Karn); none if unknown
  Timestamp last_sent{};                 // any STUN we sent on this pair (keep-alive policy)
  stun::TransactionId txid{};
  uint8_t local = 0;   // index into the agent's local candidates (a base)
  uint8_t remote = 0;  // index into the agent's remote candidates
  PairState state = PairState::frozen;
  bool valid = false;                // a check on it succeeded (§7.2.5.3.2)
  bool nominated = false;            // both sides agree it may carry media (§8.1.1)
  bool nominating = false;           // controlling: the outstanding check carries USE-CANDIDATE
  bool nominate_on_success = false;  // controlled: USE-CANDIDATE arrived before our check succeeded
  bool sent_controlling = false;     // the role our outstanding check claimed
  bool peer_waiting = false;         // Agent::check_again: the peer's DTLS waits for this check
  PairFailure failure = PairFailure::none;
  uint8_t transmits = 0;             // of the outstanding transaction
  uint8_t integrity_failures = 0;    // responses that failed MESSAGE-INTEGRITY

  bool active() const { return state == PairState::waiting || state == PairState::in_progress; }
  bool pending() const { return state == PairState::frozen || active(); }
};

// A bounded FIFO of pair indices for triggered checks (RFC 8445 §6.1.4.1).
class TriggeredQueue {
 public:
  static constexpr std::size_t kCapacity = 64;
  bool push(uint8_t pair);  // false if full or already queued
  bool pop(uint8_t& pair);
  bool contains(uint8_t pair) const;
  bool empty() const { return count_ == 0; }
  void clear() { count_ = 0; head_ = 0; }

 private:
  // One-byte indices (issue 13: 66 bytes in every agent, not 80).
  uint8_t items_[kCapacity] = {};
  uint8_t head_ = 0;
  uint8_t count_ = 0;
  static_assert(kCapacity <= 255);
};

}  // namespace keyway::ice
