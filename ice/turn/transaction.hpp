// SPDX-License-Identifier: Apache-2.0
// One outstanding TURN request and its retransmission timer (RFC 8489
// §6.2.1), in the caller's virtual time. Over UDP a request is sent at
// 0, RTO, 3 RTO, 7 RTO ... (the interval doubles) Rc times, then the client
// waits Rm * RTO for a response: with RTO = 500 ms, Rc = 7, Rm = 16 the
// transmissions leave at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s and the request
// fails at 39.5 s. Over a stream (TCP) it is sent once and fails after the
// same 39.5 s (§6.2.2).
#pragma once

#include <cstdint>

#include "keyway/ice/stun/message.hpp"
#include "keyway/lib/rng.hpp"
#include "keyway/lib/time.hpp"

namespace keyway::ice::turn {

struct RetransmitPolicy {
  Duration rto = Duration::millis(500);  // RFC 8489 §6.2.1 initial RTO
  uint8_t max_transmits = 7;             // Rc
  uint8_t last_wait = 16;                // Rm
  bool reliable = false;                 // a stream transport: send once (§6.2.2)
  // Time from the first transmission to giving up: 39.5 s with the defaults.
  Duration total() const {
    Duration t = Duration::micros(0), step = rto;
    for (uint8_t i = 1; i < max_transmits; ++i, step = step * 2) t = t + step;
    return t + rto * last_wait;
  }
};

class Transaction {
 public:
  bool active() const { return active_; }
  const stun::TransactionId& id() const { return id_; }
  uint8_t transmissions() const { return sent_; }
  // 401/438 answers taken so far for this request (the client bounds them).
  uint8_t challenges = 0;

  // A new request (fresh transaction id) to send now.
  void start(Timestamp now, Rng& rng) {
    rng.fill(id_.bytes);
    active_ = true;
    sent_ = 0;
    next_send_ = now;
    give_up_ = Timestamp::never();
  }
  void stop() {
    active_ = false;
    next_send_ = give_up_ = Timestamp::never();
  }

  bool due(Timestamp now) const { return active_ && next_send_ <= now; }
  bool expired(Timestamp now) const { return active_ && give_up_ <= now; }

  // The request has just been handed to the caller for sending.
  void sent(Timestamp now, const RetransmitPolicy& p) {
    if (sent_ == 0) give_up_ = now + p.total();
    ++sent_;
    if (p.reliable || sent_ >= p.max_transmits) {
      next_send_ = Timestamp::never();
      return;
    }
    Duration interval = p.rto;
    for (uint8_t i = 1; i < sent_; ++i) interval = interval * 2;
    next_send_ = now + interval;
  }

  Timestamp deadline() const { return active_ ? earliest(next_send_, give_up_) : Timestamp::never(); }

 private:
  stun::TransactionId id_{};
  Timestamp next_send_ = Timestamp::never();
  Timestamp give_up_ = Timestamp::never();
  uint8_t sent_ = 0;
  bool active_ = false;
};

}  // namespace keyway::ice::turn
