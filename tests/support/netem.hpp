// SPDX-License-Identifier: Apache-2.0
// Netem: a deterministic network simulator for tests, `keyway demo` and
// bench/ (issue 7). Virtual time, one seed, per-link impairments: loss
// (independent and bursty, Gilbert-Elliott), duplication, reordering, delay
// and jitter, an MTU limit and bit corruption. Any run replays exactly from
// its seed. Nodes are small integers; a link is (from, to).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "keyway/lib/rng.hpp"
#include "keyway/lib/time.hpp"

namespace keyway::sim {

struct LinkConfig {
  double loss = 0.0;            // independent loss probability per datagram
  double burst_enter = 0.0;     // P(good -> bad) per datagram (Gilbert-Elliott)
  double burst_exit = 0.3;      // P(bad -> good)
  double burst_loss = 1.0;      // loss probability in the bad state
  double duplicate = 0.0;       // probability a datagram is delivered twice
  double reorder = 0.0;         // probability a datagram is held back by reorder_delay
  Duration reorder_delay = Duration::millis(15);
  Duration delay = Duration::millis(10);
  Duration jitter = Duration::millis(0);  // uniform in [0, jitter)
  std::size_t mtu = 0;          // 0 = unlimited; larger datagrams are dropped
  double corrupt = 0.0;         // probability one random bit is flipped
  double straggle = 0.0;        // probability a datagram is held back much longer (straggle_delay)
  Duration straggle_delay = Duration::millis(500);
};

struct Datagram {
  int from = 0;
  int to = 0;
  Timestamp deliver_at;
  std::vector<uint8_t> bytes;
  uint64_t tag = 0;        // the sender's label, carried along (tests match what arrives with what was sent)
  bool corrupted = false;  // a bit was flipped in transit
};

struct LinkStats {
  uint64_t sent = 0, delivered = 0, lost = 0, duplicated = 0, reordered = 0, corrupted = 0, too_big = 0, straggled = 0;
};

class Netem {
 public:
  explicit Netem(uint64_t seed) : rng_(seed) {}

  void configure(int from, int to, const LinkConfig& cfg) { links_[{from, to}].cfg = cfg; }
  void configure_both(int a, int b, const LinkConfig& cfg) {
    configure(a, b, cfg);
    configure(b, a, cfg);
  }

  // Hands a datagram to the network at `now`.
  void send(Timestamp now, int from, int to, const uint8_t* data, std::size_t len, uint64_t tag = 0);

  // The next datagram due at or before `now`, in delivery order.
  std::optional<Datagram> receive(Timestamp now);
  // When the next datagram will be due (Timestamp::never() if none).
  Timestamp next_delivery() const;
  bool idle() const { return queue_.empty(); }
  // What is on the wire now, in delivery order (tests peek at it).
  const std::vector<Datagram>& in_flight() const { return queue_; }

  const LinkStats& stats(int from, int to) { return links_[{from, to}].stats; }

 private:
  struct Link {
    LinkConfig cfg;
    LinkStats stats;
    bool bad_state = false;
  };
  bool chance(double p);
  void enqueue(Datagram d);

  SeededRng rng_;
  std::map<std::pair<int, int>, Link> links_;
  std::vector<Datagram> queue_;  // kept sorted by (deliver_at, sequence)
};

}  // namespace keyway::sim
