// SPDX-License-Identifier: Apache-2.0
// CallDriver: the one driver of peer::Connections (issue 12), shared by
// tests/ (CallSim), tools/ (`keyway demo`, `offer`, `answer`) and bench/.
//
// It is the pair harness of style.md §6: every Transmit goes through a
// sim::Netem (which loses, reorders, duplicates or corrupts it, or not), and
// one step() at `now` does, in this order:
//   1. deliver every datagram Netem has due,
//   2. for each connection, in the order added: handle_timeout, poll_output
//      until a Timeout (routing Transmits, reporting Events), then on_tick
//      (the caller's media),
// and returns when something next has to happen: the earliest deadline,
// Netem delivery or tick. run_until() runs virtual time from step to step,
// advancing the clock to whatever is due first, with a bounded number of
// steps; a real-time caller (tools/call.cpp) sleeps until then instead and
// hands what its sockets received to receive().
//
// A connection is a Netem node with an address. A Transmit to the address of
// another connection crosses the Netem link between them; one to an address
// no connection has goes to on_unrouted (a remote peer, or nobody).
// Delivery hands the datagram to the connection, or to `wire` when set (real
// sockets: the datagram leaves through the sender's socket).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "keyway/peer/connection.hpp"
#include "tests/support/netem.hpp"

namespace keyway::sim {

class CallDriver {
 public:
  explicit CallDriver(Netem& net, Timestamp start = Timestamp::zero()) : net_(net), now_(start) {}

  // Adds `conn`, reachable at `addr`, as Netem node `node`.
  void add(int node, peer::Connection* conn, const ice::SocketAddr& addr);

  // Optional hooks.
  std::function<void(int node, const peer::Transmit&)> on_transmit;  // every Transmit, first
  std::function<void(int node, const peer::Transmit&)> on_unrouted;  // to an address no connection has
  std::function<bool(int node, Bytes datagram)> drop_sent;           // true: it vanishes before the link
  std::function<void(int node, const peer::Transmit&, bool lost)> on_sent;  // after Netem took it
  std::function<void(int node, const peer::Event&)> on_event;
  std::function<Timestamp(int node)> on_tick;         // after the node's step; its next wake-up
  std::function<void(const Datagram&)> on_deliver;   // a datagram due, before it is handed over
  std::function<void(const Datagram&)> wire;         // set: due datagrams go here, not to the connection

  Timestamp now() const { return now_; }
  // Time never goes backwards (style.md §1): an earlier `t` is ignored.
  void advance_to(Timestamp t) {
    if (t > now_) now_ = t;
  }

  // One step at `now` (see the top of the file); returns the next wake-up.
  Timestamp step(Timestamp now);
  // Hands over every datagram Netem has due at now().
  void deliver_due();
  // A datagram from `from` reaches `node` at now(); what it causes is polled.
  void receive(int node, MutableBytes datagram, const ice::SocketAddr& from);
  // Routes a Transmit `node` produced outside poll_output (send_rtp, send_rtcp).
  void transmit(int node, const peer::Transmit& t);

  // Virtual time: steps until done() holds or `limit` has passed, the clock
  // jumping to each next wake-up (at least 1 µs on). Returns done().
  template <typename Done>
  bool run_until(Done done, Duration limit) {
    Timestamp end = now_ + limit;
    for (int guard = 0; guard < kMaxSteps; ++guard) {
      Timestamp next = step(now_);
      if (done()) return true;
      if (next <= now_) next = now_ + Duration::micros(1);
      if (next > end) {
        now_ = end;
        return done();
      }
      now_ = next;
    }
    return done();
  }

 private:
  static constexpr int kMaxSteps = 2'000'000;
  static constexpr int kMaxOutputsPerPoll = 10'000;
  struct Slot {
    int node = 0;
    peer::Connection* conn = nullptr;
    ice::SocketAddr addr{};
    Timestamp deadline = Timestamp::never();
  };
  Slot* slot(int node);
  Slot* slot_at(const ice::SocketAddr& addr, int except_node);
  void drain(Slot& s);

  Netem& net_;
  Timestamp now_;
  std::vector<Slot> slots_;
  uint8_t rx_buf_[2048] = {};
};

}  // namespace keyway::sim
