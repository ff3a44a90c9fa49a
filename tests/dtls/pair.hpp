// A two-endpoint harness in virtual time (style.md §6 "pair"): client and
// server exchange datagrams through a seeded network that can lose,
// duplicate and reorder them. Deterministic for a given seed.
#pragma once

#include <algorithm>
#include <functional>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dtls/endpoint.hpp"
#include "lib/rng.hpp"

namespace keyway::test {

struct NetemConfig {
  uint32_t loss_percent = 0;
  uint32_t duplicate_percent = 0;
  uint32_t max_delay_ms = 5;  // random delay per datagram in [1, max]: reorders
  uint64_t seed = 1;
};

struct InFlight {
  uint64_t deliver_at_us;
  uint64_t order;
  int to;  // 0 client, 1 server
  std::vector<uint8_t> bytes;
};

struct Side {
  std::unique_ptr<dtls::Endpoint> ep;
  std::vector<dtls::Event> events;
  std::vector<std::vector<uint8_t>> app_data;
  std::vector<std::vector<uint8_t>> sent;  // every datagram it sent
  bool complete = false;
  bool failed = false;
  keyway::Error error{};
};

class Pair {
 public:
  Pair(const dtls::Config& client, const dtls::Config& server, NetemConfig net = {})
      : net_(net), rng_(net.seed) {
    sides_[0].ep = std::make_unique<dtls::Endpoint>(client);
    sides_[1].ep = std::make_unique<dtls::Endpoint>(server);
  }

  Side& client() { return sides_[0]; }
  Side& server() { return sides_[1]; }
  Timestamp now() const { return now_; }
  // Optional hook to rewrite or drop (return false) a datagram in flight.
  std::function<bool(int to, std::vector<uint8_t>&)> tamper;

  // Runs until both complete, one fails, or `limit` of virtual time passes.
  void run(Duration limit = Duration::seconds(120), bool until_complete = true) {
    Timestamp end = now_ + limit;
    for (int iter = 0; iter < 200000 && now_ <= end; ++iter) {
      drain(0);
      drain(1);
      if (until_complete && ((client().complete && server().complete) || client().failed || server().failed) &&
          queue_.empty())
        return;
      Timestamp next = std::min({next_delivery(), deadline_[0], deadline_[1]});
      if (next.is_never()) return;  // nothing more can happen
      if (next > now_) now_ = next;
      deliver_due();
      for (int i = 0; i < 2; ++i)
        if (deadline_[i] <= now_) sides_[i].ep->handle_timeout(now_);
    }
  }

  void deliver_raw(int to, std::vector<uint8_t> bytes) {
    sides_[to].ep->handle_datagram(now_, bytes);
    drain(to);
  }

  // Seals one application data record on side `from` and puts it on the network.
  bool send_app(int from, Bytes data) {
    uint8_t out[2048];
    auto d = sides_[from].ep->send_application_data(data, out);
    if (!d.ok()) return false;
    send(from, std::vector<uint8_t>(d->begin(), d->end()));
    return true;
  }

 private:
  Timestamp next_delivery() const {
    Timestamp t = Timestamp::never();
    for (const auto& p : queue_) t = std::min(t, Timestamp::from_micros(p.deliver_at_us));
    return t;
  }

  void deliver_due() {
    std::sort(queue_.begin(), queue_.end(), [](const InFlight& a, const InFlight& b) {
      return a.deliver_at_us != b.deliver_at_us ? a.deliver_at_us < b.deliver_at_us : a.order < b.order;
    });
    while (!queue_.empty() && queue_.front().deliver_at_us <= now_.as_micros()) {
      InFlight p = std::move(queue_.front());
      queue_.erase(queue_.begin());
      sides_[p.to].ep->handle_datagram(now_, p.bytes);
      drain(p.to);
    }
  }

  void send(int from, std::vector<uint8_t> bytes) {
    sides_[from].sent.push_back(bytes);
    int to = 1 - from;
    if (tamper && !tamper(to, bytes)) return;
    if (rng_.uniform(100) < net_.loss_percent) return;
    int copies = rng_.uniform(100) < net_.duplicate_percent ? 2 : 1;
    for (int i = 0; i < copies; ++i) {
      uint64_t delay = 1000ull * (1 + rng_.uniform(std::max<uint32_t>(net_.max_delay_ms, 1)));
      queue_.push_back(InFlight{now_.as_micros() + delay, order_++, to, bytes});
    }
  }

  void drain(int i) {
    uint8_t scratch[2048];
    Side& s = sides_[i];
    for (int guard = 0; guard < 1000; ++guard) {
      dtls::Output out = s.ep->poll_output(now_, scratch);
      if (out.kind == dtls::Output::Kind::timeout) {
        deadline_[i] = out.deadline;
        return;
      }
      if (out.kind == dtls::Output::Kind::transmit) {
        send(i, std::vector<uint8_t>(out.transmit.begin(), out.transmit.end()));
        continue;
      }
      s.events.push_back(out.event);
      if (out.event.kind == dtls::EventKind::handshake_complete) s.complete = true;
      if (out.event.kind == dtls::EventKind::failure) {
        s.failed = true;
        s.error = out.event.error;
      }
      if (out.event.kind == dtls::EventKind::application_data)
        s.app_data.emplace_back(out.event.data.begin(), out.event.data.end());
    }
  }

  NetemConfig net_;
  SeededRng rng_;
  Side sides_[2];
  Timestamp now_ = Timestamp::from_micros(1000000);
  Timestamp deadline_[2] = {Timestamp::zero(), Timestamp::zero()};
  std::vector<InFlight> queue_;
  uint64_t order_ = 0;
};

}  // namespace keyway::test
