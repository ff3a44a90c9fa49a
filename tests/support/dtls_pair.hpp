// SPDX-License-Identifier: Apache-2.0
// DtlsPair: the one harness of two dtls::Endpoints in virtual time (issue 12;
// style.md §6 "pair"), for tests/dtls/ and tests/robustness/. Side A is Netem
// node 1, side B node 2; either may be the client. Datagrams cross one
// sim::Netem link each way (loss, bursts, duplication, reordering, delay,
// jitter, MTU, corruption: tests/support/netem.hpp), so a run replays exactly
// from its seed.
//
// run_until() steps like the peer driver (tests/support/call_driver.hpp):
// poll both sides until their Timeout, then jump to whatever is due first (a
// deadline or a delivery), deliver, fire due timers; bounded steps.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/lib/rng.hpp"
#include "tests/support/netem.hpp"

namespace keyway::sim {

struct DtlsSide {
  int node = 0;
  dtls::Role role = dtls::Role::client;
  SeededRng rng{1};  // the endpoint's, when its Config brings none
  std::unique_ptr<dtls::Endpoint> ep;
  std::vector<dtls::Event> events;               // every event (spans inside point to spent scratch)
  std::vector<std::vector<uint8_t>> app_data;    // application data received
  std::vector<std::vector<uint8_t>> sent;        // every datagram it sent, before tamper or the link
  bool complete = false, failed = false;
  Timestamp complete_at = Timestamp::never(), failed_at = Timestamp::never();
  Error error{};
  // Set: peer_certificate events with other DER are counted here (they never should be).
  std::vector<uint8_t> expected_peer_der;
  uint64_t bad_peer_certificate = 0;
  Timestamp deadline = Timestamp::never();
  bool terminal() const { return complete || failed; }
  // Nothing more to do: complete, failed, or a server back to listening for
  // a ClientHello (it keeps no per-client state before the cookie round,
  // RFC 6347 §4.2.1, so a client that gave up leaves it simply idle).
  bool settled() const { return terminal() || (ep && ep->state() == dtls::HandshakeState::server_wait_client_hello); }
};

class DtlsPair {
 public:
  // `a` and `b` as given; one without an rng gets its side's SeededRng.
  DtlsPair(dtls::Config a, dtls::Config b, uint64_t seed = 1, const LinkConfig& link = {}) : seed_(seed), net_(seed) {
    net_.configure_both(1, 2, link);
    init(a_, 1, a);
    init(b_, 2, b);
  }
  DtlsPair(const DtlsPair&) = delete;
  DtlsPair& operator=(const DtlsPair&) = delete;

  DtlsSide& a() { return a_; }
  DtlsSide& b() { return b_; }
  DtlsSide& client() { return a_.role == dtls::Role::client ? a_ : b_; }
  DtlsSide& server() { return a_.role == dtls::Role::client ? b_ : a_; }
  DtlsSide& peer_of(DtlsSide& s) { return &s == &a_ ? b_ : a_; }
  Netem& net() { return net_; }
  Timestamp now() const { return now_; }
  static Timestamp start() { return Timestamp::from_micros(1'000'000); }

  // Sees every datagram before it enters the network; `to` is the receiving
  // side (0 = A, 1 = B); may change it; false drops it.
  std::function<bool(int to, std::vector<uint8_t>& datagram)> tamper;
  // Prints every datagram with virtual time (and, set before the endpoints
  // are made, their trace lines).
  bool verbose = false;

  // Runs until done() holds, nothing is left to happen (no deadline, nothing
  // in flight), or `limit` of virtual time passes. Returns done().
  template <typename Done>
  bool run_until(Done done, Duration limit) {
    Timestamp end = now_ + limit;
    for (int guard = 0; guard < kMaxSteps; ++guard) {
      drain(a_);
      drain(b_);
      if (done()) return true;
      Timestamp next = earliest(earliest(a_.deadline, b_.deadline), net_.next_delivery());
      if (next.is_never() || next > end) {
        stalled_ = next.is_never();
        if (!stalled_) now_ = end;
        return done();
      }
      if (next > now_) now_ = next;
      deliver_due();
      for (DtlsSide* s : {&a_, &b_})
        if (s->deadline <= now_) s->ep->handle_timeout(now_);
    }
    return done();
  }
  // Until both sides settled (the client complete or failed).
  bool run_handshake(Duration limit) {
    return run_until([&] { return a_.settled() && b_.settled(); }, limit);
  }
  // Until both completed or one failed, with nothing left in flight
  // (until_complete), or for `limit`.
  void run(Duration limit = Duration::seconds(120), bool until_complete = true) {
    run_until([&] { return until_complete && ((a_.complete && b_.complete) || a_.failed || b_.failed) && net_.idle(); },
              limit);
  }
  // Nothing scheduled anymore: no timer, nothing in flight.
  bool stalled() const { return stalled_; }

  // Seals one application-data record and hands it to the network.
  bool send_application_data(DtlsSide& from, Bytes data) {
    uint8_t out[2048];
    auto record = from.ep->send_application_data(data, out);
    if (!record.ok()) return false;
    send(from, record->data(), record->size());
    return true;
  }
  bool send_app(int from, Bytes data) { return send_application_data(from == 0 ? a_ : b_, data); }

  // Hands bytes straight to a side (0 = A, 1 = B) now, past the network.
  void deliver_raw(int to, std::vector<uint8_t> bytes) {
    DtlsSide& s = to == 0 ? a_ : b_;
    (void)s.ep->handle_datagram(now_, MutableBytes(bytes.data(), bytes.size()));
    drain(s);
  }

 private:
  static constexpr int kMaxSteps = 2'000'000;
  static constexpr int kMaxOutputsPerPoll = 10'000;

  double ms() const { return static_cast<double>((now_ - start()).as_micros()) / 1000.0; }

  void init(DtlsSide& s, int node, dtls::Config c) {
    s.node = node;
    s.role = c.role;
    if (!c.rng) {
      s.rng = SeededRng(seed_ * 2 + static_cast<uint64_t>(node) + 0x5EED0000ull);
      c.rng = &s.rng;
    }
    s.ep = std::make_unique<dtls::Endpoint>(c);
  }

  void deliver_due() {
    while (auto d = net_.receive(now_)) {
      DtlsSide& to = d->to == 1 ? a_ : b_;
      if (verbose) std::printf("%10.3f ms  node %d <- %4zu bytes\n", ms(), to.node, d->bytes.size());
      (void)to.ep->handle_datagram(now_, MutableBytes(d->bytes.data(), d->bytes.size()));  // decrypted in place
      drain(to);
    }
  }

  void send(DtlsSide& from, const uint8_t* data, std::size_t len) {
    DtlsSide& to = peer_of(from);
    from.sent.emplace_back(data, data + len);
    if (tamper) {
      std::vector<uint8_t> d(data, data + len);
      if (!tamper(to.node - 1, d)) return;
      net_.send(now_, from.node, to.node, d.data(), d.size());
      return;
    }
    net_.send(now_, from.node, to.node, data, len);
  }

  void drain(DtlsSide& s) {
    uint8_t scratch[2048];
    for (int guard = 0; guard < kMaxOutputsPerPoll; ++guard) {
      dtls::Output o = s.ep->poll_output(now_, scratch);
      if (o.kind == dtls::Output::Kind::timeout) {
        s.deadline = o.deadline;
        return;
      }
      if (o.kind == dtls::Output::Kind::transmit) {
        if (verbose) std::printf("%10.3f ms  node %d -> %4zu bytes\n", ms(), s.node, o.transmit.size());
        send(s, o.transmit.data(), o.transmit.size());
        continue;
      }
      on_event(s, o.event);
    }
  }

  void on_event(DtlsSide& s, const dtls::Event& e) {
    s.events.push_back(e);
    switch (e.kind) {
      case dtls::EventKind::peer_certificate: {
        const auto& want = s.expected_peer_der;
        if (!want.empty() && (e.data.size() != want.size() || !std::equal(want.begin(), want.end(), e.data.begin())))
          s.bad_peer_certificate++;
        break;
      }
      case dtls::EventKind::handshake_complete:
        s.complete = true;
        s.complete_at = now_;
        break;
      case dtls::EventKind::failure:
        s.failed = true;
        s.failed_at = now_;
        s.error = e.error;
        break;
      case dtls::EventKind::application_data: s.app_data.emplace_back(e.data.begin(), e.data.end()); break;
      default: break;
    }
  }

  uint64_t seed_;
  Netem net_;
  DtlsSide a_, b_;
  Timestamp now_ = start();
  bool stalled_ = false;
};

}  // namespace keyway::sim
