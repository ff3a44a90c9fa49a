// SPDX-License-Identifier: Apache-2.0
#include "tests/support/netem.hpp"

#include <algorithm>

namespace keyway::sim {

bool Netem::chance(double p) {
  if (p <= 0.0) return false;
  if (p >= 1.0) return true;
  return static_cast<double>(rng_.next_u32()) < p * 4294967296.0;
}

void Netem::enqueue(Datagram d) {
  // Stable: equal delivery times keep their send order.
  auto pos = std::upper_bound(queue_.begin(), queue_.end(), d.deliver_at,
                              [](Timestamp t, const Datagram& x) { return t < x.deliver_at; });
  queue_.insert(pos, std::move(d));
}

void Netem::send(Timestamp now, int from, int to, const uint8_t* data, std::size_t len, uint64_t tag) {
  Link& link = links_[{from, to}];
  const LinkConfig& cfg = link.cfg;
  link.stats.sent++;
  if (cfg.mtu != 0 && len > cfg.mtu) {
    link.stats.too_big++;
    return;
  }
  // Gilbert-Elliott burst state, then independent loss.
  link.bad_state = link.bad_state ? !chance(cfg.burst_exit) : chance(cfg.burst_enter);
  if ((link.bad_state && chance(cfg.burst_loss)) || chance(cfg.loss)) {
    link.stats.lost++;
    return;
  }
  Datagram d;
  d.from = from;
  d.to = to;
  d.tag = tag;
  d.bytes.assign(data, data + len);
  if (!d.bytes.empty() && chance(cfg.corrupt)) {
    uint32_t bit = rng_.uniform(static_cast<uint32_t>(d.bytes.size() * 8));
    d.bytes[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    link.stats.corrupted++;
    d.corrupted = true;
  }
  Duration delay = cfg.delay;
  if (cfg.jitter.as_micros() > 0)
    delay = delay + Duration::micros(rng_.uniform(static_cast<uint32_t>(cfg.jitter.as_micros())));
  if (chance(cfg.reorder)) {
    delay = delay + cfg.reorder_delay;
    link.stats.reordered++;
  }
  // Draws nothing when straggle is 0: existing seeds replay unchanged.
  if (chance(cfg.straggle)) {
    delay = delay + cfg.straggle_delay;
    link.stats.straggled++;
  }
  d.deliver_at = now + delay;
  if (chance(cfg.duplicate)) {
    Datagram copy = d;
    copy.deliver_at = d.deliver_at + Duration::micros(1 + rng_.uniform(5000));
    link.stats.duplicated++;
    enqueue(std::move(copy));
  }
  enqueue(std::move(d));
}

std::optional<Datagram> Netem::receive(Timestamp now) {
  if (queue_.empty() || queue_.front().deliver_at > now) return std::nullopt;
  Datagram d = std::move(queue_.front());
  queue_.erase(queue_.begin());
  links_[{d.from, d.to}].stats.delivered++;
  return d;
}

Timestamp Netem::next_delivery() const { return queue_.empty() ? Timestamp::never() : queue_.front().deliver_at; }

}  // namespace keyway::sim
