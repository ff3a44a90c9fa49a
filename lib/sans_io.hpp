// SPDX-License-Identifier: Apache-2.0
// The sans-IO vocabulary every keyway engine speaks (architecture.md, "The
// sans-IO shape"): dtls::Endpoint, ice::Agent and peer::Connection take
// datagrams and time in, and give back, through poll_output, one Output at
// a time:
//
//   handle_datagram(now, bytes, ...) -> Verdict   accepted | discarded (counted) | fatal
//   handle_timeout(now)                            the deadline of the last Timeout passed
//   poll_output(now, scratch)        -> Output     Transmit | Event | Timeout; poll until Timeout
//
// Time is the caller's and never goes backwards inside an engine: each one
// keeps the latest `now` it was given (clamp_time) and ignores an earlier one.
// Events wait for poll_output in an EventQueue: bounded, first in first out,
// and a failure always gets in, so the caller always learns why an engine stopped.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/socket_addr.hpp"
#include "keyway/lib/time.hpp"

namespace keyway {

// What became of one received datagram (or record, or packet).
enum class Verdict : uint8_t {
  accepted,   // used: it changed state or produced output
  discarded,  // dropped silently and counted (malformed, unauthenticated, replayed, unexpected ...)
  fatal,      // it ended the engine: a failure event says why
};

const char* to_string(Verdict v);

// Send `bytes` (they live in the caller's scratch buffer) from the local
// address `from` (the socket the caller bound) to `to`.
struct Transmit {
  SocketAddr from{};
  SocketAddr to{};
  Bytes bytes{};
};

// The next thing an engine asks of its caller; each engine names its own
// (dtls::Output, ice::Output, peer::Output). An engine without addresses
// (dtls::Endpoint rides on a path its caller chose) transmits bare Bytes.
template <typename EventT, typename TransmitT = Transmit>
struct EngineOutput {
  enum class Kind : uint8_t { transmit, event, timeout };
  Kind kind = Kind::timeout;
  TransmitT transmit{};
  EventT event{};
  Timestamp deadline = Timestamp::never();  // timeout: call handle_timeout then
};

// Keeps `latest` the latest instant an engine has been given and returns it:
// an earlier `now` (a caller's clock stepping back) changes nothing.
inline Timestamp clamp_time(Timestamp& latest, Timestamp now) {
  if (now > latest) latest = now;
  return latest;
}

// An event an EventQueue can hold says whether it reports a failure.
template <typename E>
concept QueueableEvent = std::copyable<E> && requires(const E& e) {
  { e.is_failure() } -> std::convertible_to<bool>;
};

// Events waiting for poll_output: at most N, oldest first. When the queue
// is full, a new event is dropped, unless it is a failure: then it takes the
// place of the newest event that is not one, which is dropped instead. push()
// returns false whenever an event was dropped, for the engine to count.
template <QueueableEvent E, std::size_t N>
class EventQueue {
  static_assert(N > 0 && N <= 255, "indices are one byte");

 public:
  static constexpr std::size_t capacity() { return N; }
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  bool full() const { return count_ == N; }

  [[nodiscard]] bool push(const E& e) {
    if (!full()) {
      at(count_++) = e;
      return true;
    }
    if (!e.is_failure()) return false;
    for (std::size_t i = N; i-- > 0;) {
      if (at(i).is_failure()) continue;
      remove_at(i);
      at(count_++) = e;
      return false;
    }
    return false;  // full of failures already: the first one says it all
  }

  // The oldest event; the queue must not be empty.
  const E& front() const { return slots_[head_]; }
  E pop() {
    E e = slots_[head_];
    head_ = static_cast<uint8_t>((head_ + 1) % N);
    --count_;
    return e;
  }

  // Removes every event for which pred(event) holds, keeping the order of
  // the rest; returns how many were removed.
  template <typename Pred>
  std::size_t remove_if(Pred pred) {
    std::size_t kept = 0, n = count_;
    for (std::size_t i = 0; i < n; ++i) {
      E e = at(i);
      if (!pred(e)) at(kept++) = e;
    }
    count_ = static_cast<uint8_t>(kept);
    return n - kept;
  }

  void clear() { head_ = count_ = 0; }

 private:
  E& at(std::size_t i) { return slots_[(head_ + i) % N]; }
  const E& at(std::size_t i) const { return slots_[(head_ + i) % N]; }
  void remove_at(std::size_t i) {
    for (; i + 1 < count_; ++i) at(i) = at(i + 1);
    --count_;
  }

  E slots_[N]{};
  uint8_t head_ = 0;
  uint8_t count_ = 0;
};

}  // namespace keyway
