// SPDX-License-Identifier: Apache-2.0
// keyway-bench call, relayed (issue 14): keyway <-> keyway with the offerer
// relay-only behind the TURN model (tests/support/turn_model.hpp), in
// virtual time. Each hop (A <-> TURN, TURN <-> B) takes 12.5 ms one way, so
// the relayed path has the direct figures' 50 ms RTT; every hop loses with
// probability `loss` (seeded). The clock starts before the allocation (the
// relay adds its round trips); the figure is when the offerer decrypts its
// first RTP packet (the answerer sends one every 20 ms once SRTP is ready).
#pragma once

#include <fmt/core.h>

#include <cstdint>
#include <map>
#include <string>
#include <memory>
#include <vector>

#include "keyway/lib/rng.hpp"
#include "keyway/ice/stun/message.hpp"
#include "keyway/peer/connection.hpp"
#include "keyway/peer/demux.hpp"
#include "tests/peer/call_sim.hpp"
#include "tests/support/turn_model.hpp"

namespace keyway::bench {

// What a datagram is, for the trace: STUN method/class, ChannelData's channel
// and what it carries, or the demultiplexer's kind (RFC 7983).
inline std::string describe(Bytes b) {
  auto k = peer::classify(b);
  if (k == peer::PacketKind::stun) {
    auto m = ice::stun::Message::parse(b);
    if (!m.ok()) return "stun?";
    const char* cls[] = {"request", "indication", "success", "error"};
    std::string what = fmt::format("stun method=0x{:03x} {}", m->method(), cls[static_cast<int>(m->message_class())]);
    if (const auto* data = m->find(ice::stun::attr::kData); data != nullptr)
      what += " [" + describe(data->value) + "]";
    return what;
  }
  if (k == peer::PacketKind::turn_channel && b.size() >= 4)
    return fmt::format("channel 0x{:04x} [{}]", load_be16(b, 0), describe(b.subspan(4)));
  if (k == peer::PacketKind::dtls && b.size() >= 14)
    return fmt::format("dtls type={} hs={}", b[0], b[0] == 22 ? static_cast<int>(b[13]) : -1);
  return peer::to_string(k);
}

// Milliseconds to the offerer's first decrypted media, or a negative value on
// failure. trace: every datagram (sent, lost, delivered), for --replay-relay.
inline double run_relay_once(double loss, uint64_t seed, const char** why = nullptr, bool trace = false) {
  using ice::SocketAddr;
  const SocketAddr host_a = SocketAddr::v4(127, 0, 0, 1, 41000), host_b = SocketAddr::v4(127, 0, 0, 2, 42000);
  const Duration hop = Duration::micros(12500);
  test::TurnModel turn;
  turn.relayed = SocketAddr::v4(127, 0, 0, 3, 49152);
  SeededRng pa(seed * 4 + 1), sa(seed * 4 + 2), pb(seed * 4 + 3), sb(seed * 4 + 4), net(seed);
  std::string uri = "turn:127.0.0.1:3478";
  peer::TurnServerConfig server{uri, "alice", "s3cret"};
  peer::Config ca;
  ca.role = peer::Role::offerer;
  ca.identity = &peer_test::test_identity(0);
  ca.public_rng = &pa;
  ca.secret_rng = &sa;
  ca.audio_codecs = peer_test::kAudio;
  ca.audio_ssrc = 0x1111;
  ca.turn_servers = {&server, 1};
  ca.relay_only = true;
  peer::Config cb = ca;
  cb.role = peer::Role::answerer;
  cb.identity = &peer_test::test_identity(1);
  cb.public_rng = &pb;
  cb.secret_rng = &sb;
  cb.audio_ssrc = 0x2222;
  cb.turn_servers = {};
  cb.relay_only = false;
  struct Lines : TraceSink {
    const char* side;
    const Timestamp* now;
    Timestamp t0;
    explicit Lines(const char* s, const Timestamp* n, Timestamp start) : side(s), now(n), t0(start) {}
    void trace(Layer, const char* line) override {
      fmt::print("  {:8.1f} ms {} | {}\n", static_cast<double>((*now - t0).as_micros()) / 1000.0, side, line);
    }
  };
  Timestamp now = Timestamp::from_micros(1000000);
  const Timestamp t0 = now;
  Lines lines_a("A", &now, t0), lines_b("B", &now, t0);
  if (trace) {
    ca.trace = &lines_a;
    cb.trace = &lines_b;
  }
  peer::Connection a(ca), b(cb);
  if (!a.add_local_address(host_a).ok() || !b.add_local_address(host_b).ok()) return -1;

  struct Datagram {
    SocketAddr from, to;
    std::vector<uint8_t> bytes;
  };
  std::multimap<Timestamp, Datagram> air;  // in flight, by arrival time
  auto name = [&](const SocketAddr& x) {
    return x == host_a ? "A" : x == host_b ? "B" : x == turn.addr ? "TURN" : x == turn.relayed ? "RELAY" : "?";
  };
  auto send = [&](const SocketAddr& from, const SocketAddr& to, std::vector<uint8_t> bytes) {
    bool lost = loss > 0 && net.uniform(1000000) < static_cast<uint32_t>(loss * 1000000);
    if (trace)
      fmt::print("  {:8.1f} ms {:>5} -> {:<5} {:4} B {}{}\n", static_cast<double>((now - t0).as_micros()) / 1000.0,
                 name(from), name(to), bytes.size(), describe(bytes), lost ? "  LOST" : "");
    if (lost) return;
    air.emplace(now + hop, Datagram{from, to, std::move(bytes)});
  };
  auto arrive = [&](Datagram& d) {
    if (d.to == turn.addr) {  // at the TURN server: answer, or relay onwards
      std::size_t before = turn.to_peers.size();
      auto answer = turn.handle(d.bytes, d.from);
      if (!answer.empty()) send(turn.addr, d.from, answer);
      for (std::size_t i = before; i < turn.to_peers.size(); ++i)
        send(turn.relayed, turn.to_peers[i].first, turn.to_peers[i].second);
    } else if (d.to == turn.relayed) {  // from B to the relayed address: to A, framed
      auto cd = turn.channel_data_from(d.from, d.bytes);
      send(turn.addr, host_a, cd.empty() ? turn.data_indication(d.from, d.bytes) : cd);
    } else if (d.to == host_a) {
      a.handle_datagram(now, d.bytes, d.from, d.to);
    } else if (d.to == host_b) {
      Verdict v = b.handle_datagram(now, d.bytes, d.from, d.to);
      if (trace && (v != Verdict::accepted || peer::classify(d.bytes) == peer::PacketKind::dtls)) {
        auto sum = b.summary();
        const auto& st = b.dtls()->stats();
        fmt::print("  {:8.1f} ms B | {} B {}: records dropped {} (auth {} replay {} epoch {} malformed {}), "
                   "fragments ignored {}, flights discarded {}, state {}\n",
                   static_cast<double>((now - t0).as_micros()) / 1000.0, d.bytes.size(),
                   v == Verdict::accepted ? "accepted" : v == Verdict::discarded ? "discarded" : "fatal",
                   sum.dtls_records_dropped, st.records_auth_failed, st.records_replayed, st.records_unknown_epoch,
                   st.records_malformed, st.fragments_ignored, sum.dtls_flights_discarded,
                   static_cast<int>(b.dtls()->state()));
      }
    }
  };
  Timestamp first_media = Timestamp::never(), next_media = Timestamp::never();
  uint16_t seq = 0;
  bool negotiated = false;
  uint8_t scratch[2048];
  for (int step = 0; step < 200000 && first_media.is_never(); ++step) {
    if (now - t0 > Duration::seconds(60)) return -1;
    Timestamp next = Timestamp::never();
    for (peer::Connection* c : {&a, &b}) {
      c->handle_timeout(now);
      for (int i = 0; i < 10000; ++i) {
        peer::Output o = c->poll_output(now, scratch);
        if (o.kind == peer::Output::Kind::timeout) {
          next = earliest(next, o.deadline);
          break;
        }
        if (o.kind == peer::Output::Kind::transmit) {
          send(o.transmit.from, o.transmit.to, {o.transmit.bytes.begin(), o.transmit.bytes.end()});
        } else if (c == &a && o.event.kind == peer::EventKind::rtp_received) {
          first_media = now;
        } else if (o.event.kind == peer::EventKind::failed) {
          if (why != nullptr) *why = c->failure_text();
          return -1;
        }
      }
    }
    if (!negotiated && a.gathering_done()) {  // the answer is signalled instantly, as in the direct figures
      char ob[8192], ab[8192];
      auto offer = a.create_offer(ob);
      if (!offer.ok()) return -1;
      auto answer = b.accept_offer(*offer, ab);
      if (!answer.ok() || !a.set_remote_answer(*answer).ok()) return -1;
      negotiated = true;
      continue;
    }
    if (b.state() == peer::State::connected && next_media.is_never()) next_media = now;
    if (!next_media.is_never() && next_media <= now) {
      uint8_t pkt[256] = {0x80, 111};
      store_be16(MutableBytes(pkt, sizeof pkt), 2, seq++);
      store_be32(MutableBytes(pkt, sizeof pkt), 8, 0x2222);
      auto t = b.send_rtp(pkt, 12 + 100);
      if (t.ok()) send(t->from, t->to, {t->bytes.begin(), t->bytes.end()});
      next_media = now + Duration::millis(20);
    }
    if (!next_media.is_never()) next = earliest(next, next_media);
    if (!air.empty()) next = earliest(next, air.begin()->first);
    if (next > now) now = next;
    while (!air.empty() && air.begin()->first <= now) {
      Datagram d = std::move(air.begin()->second);
      air.erase(air.begin());
      arrive(d);
    }
  }
  if (first_media.is_never()) return -1;
  return static_cast<double>((first_media - t0).as_micros()) / 1000.0;
}

}  // namespace keyway::bench
