// SPDX-License-Identifier: Apache-2.0
// A deterministic network for ICE agents in virtual time (style.md §6,
// modelled on str0m's progress()): datagrams travel with a fixed latency,
// may be lost (seeded), dropped by a rule, or rewritten by a hook.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "keyway/ice/agent.hpp"
#include "keyway/lib/rng.hpp"

namespace keyway::ice::sim {

struct RecordedEvent {
  EventKind kind;
  std::string text;  // candidate line or failure reason
  SocketAddr local, remote;
  Timestamp at;
  Code code = Code::ok;  // failed: why, as a code
};

struct Packet {
  Timestamp at;
  SocketAddr from, to;
  std::vector<uint8_t> bytes;
};

struct Peer {
  std::string name;
  std::unique_ptr<SeededRng> rng;
  std::unique_ptr<Agent> agent;
  std::vector<RecordedEvent> events;
  Timestamp deadline = Timestamp::zero();
  uint32_t sent = 0;
  std::function<void(const RecordedEvent&)> on_event;

  Peer(std::string n, Config cfg, uint64_t seed) : name(std::move(n)), rng(std::make_unique<SeededRng>(seed)) {
    cfg.rng = rng.get();
    agent = std::make_unique<Agent>(cfg);
  }
  bool has(EventKind k) const {
    return std::any_of(events.begin(), events.end(), [&](const RecordedEvent& e) { return e.kind == k; });
  }
  int count(EventKind k) const {
    return static_cast<int>(std::count_if(events.begin(), events.end(), [&](const RecordedEvent& e) { return e.kind == k; }));
  }
  const RecordedEvent* last(EventKind k) const {
    for (auto it = events.rbegin(); it != events.rend(); ++it)
      if (it->kind == k) return &*it;
    return nullptr;
  }
};

class Network {
 public:
  Timestamp now = Timestamp::from_micros(1'000'000);
  Duration latency = Duration::millis(10);
  double loss = 0.0;
  std::function<bool(const Packet&)> drop;        // true: the packet vanishes
  std::function<void(Packet&)> rewrite;           // may change bytes/addresses in flight
  std::vector<Peer*> peers;
  std::vector<std::pair<SocketAddr, Peer*>> routes;  // local address -> peer
  uint32_t delivered = 0, lost = 0;

  explicit Network(uint64_t seed = 7) : rng_(seed) {}

  void attach(Peer& p) { peers.push_back(&p); }
  void bind(Peer& p, const SocketAddr& a) {
    routes.push_back({a, &p});
    REQUIRE(p.agent->add_local_host(a).ok());
  }

  // Polls a peer until it reports a timeout; transmits enter the network.
  void drain(Peer& p) {
    uint8_t scratch[1500];
    for (int guard = 0; guard < 10000; ++guard) {
      Output o = p.agent->poll_output(now, scratch);
      if (o.kind == Output::Kind::timeout) {
        p.deadline = o.deadline;
        return;
      }
      if (o.kind == Output::Kind::transmit) {
        ++p.sent;
        Packet pkt{now + latency, o.transmit.from, o.transmit.to,
                   std::vector<uint8_t>(o.transmit.bytes.begin(), o.transmit.bytes.end())};
        if (loss > 0 && rng_.uniform(1000000) < static_cast<uint32_t>(loss * 1000000)) { ++lost; continue; }
        if (drop && drop(pkt)) { ++lost; continue; }
        if (rewrite) rewrite(pkt);
        flight_.push_back(std::move(pkt));
        continue;
      }
      RecordedEvent e{o.event.kind, "", o.event.local, o.event.remote, now};
      if (o.event.candidate != nullptr) {
        char text[kMaxCandidateText];
        auto n = o.event.candidate->write(text, sizeof text);
        if (n.ok()) e.text.assign(text, *n);
      }
      if (o.event.kind == EventKind::failed) {
        e.text = o.event.error.detail;
        e.code = o.event.error.code;
      }
      p.events.push_back(e);
      if (p.on_event) p.on_event(e);
    }
    FAIL("poll_output never returned a timeout");
  }

  Peer* owner(const SocketAddr& a) {
    for (auto& r : routes)
      if (r.first == a) return r.second;
    return nullptr;
  }

  // One step: deliver due packets, fire due timers, drain, advance the clock.
  void step(Duration max_step = Duration::millis(10)) {
    for (Peer* p : peers) drain(*p);
    Timestamp next = now + max_step;
    for (Peer* p : peers) next = earliest(next, p->deadline);
    for (auto& pk : flight_) next = earliest(next, pk.at);
    if (next > now) now = next;
    std::vector<Packet> due;
    auto it = std::stable_partition(flight_.begin(), flight_.end(), [&](const Packet& pk) { return pk.at > now; });
    due.assign(std::make_move_iterator(it), std::make_move_iterator(flight_.end()));
    flight_.erase(it, flight_.end());
    for (auto& pk : due) {
      Peer* dst = owner(pk.to);
      if (dst == nullptr) {
        if (stun_server) stun_server(*this, pk);
        continue;
      }
      ++delivered;
      dst->agent->handle_datagram(now, pk.bytes, pk.from, pk.to);
    }
    for (Peer* p : peers)
      if (p->deadline <= now) p->agent->handle_timeout(now);
  }

  template <typename Pred>
  bool run_until(Pred done, Duration limit) {
    Timestamp end = now + limit;
    while (now < end) {
      step();
      if (done()) {
        for (Peer* p : peers) drain(*p);
        return true;
      }
    }
    return false;
  }
  void run_for(Duration d) {
    Timestamp end = now + d;
    while (now < end) step();
    for (Peer* p : peers) drain(*p);
  }

  // Injects a datagram arriving now (for hand-made packets).
  void inject(Packet pk) { flight_.push_back(std::move(pk)); }
  // A fake STUN server: gets packets addressed to no peer.
  std::function<void(Network&, const Packet&)> stun_server;

 private:
  SeededRng rng_;
  std::vector<Packet> flight_;
};

// Exchanges credentials and every local candidate the agents hold now.
inline void exchange(Peer& a, Peer& b, bool end_of_candidates = true) {
  auto give = [&](Peer& from, Peer& to) {
    const Credentials& c = from.agent->local_credentials();
    REQUIRE(to.agent->set_remote_credentials(c.ufrag_view(), c.pwd_view()).ok());
    for (const CandidateCore& cand : from.agent->local_candidates()) REQUIRE(to.agent->add_remote_candidate(cand).ok());
    if (end_of_candidates) to.agent->end_of_remote_candidates();
  };
  give(a, b);
  give(b, a);
}

}  // namespace keyway::ice::sim
