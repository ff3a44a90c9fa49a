// SPDX-License-Identifier: Apache-2.0
// keyway <-> keyway, both relay-only, through a real coturn on 127.0.0.1
// (issue 14), over UDP and over TCP to the server: ICE checks between the
// two relayed candidates, DTLS and SRTP both ways through the allocations;
// the selected pair is relay <-> relay on both sides. The sockets and the
// real clock live here; peer::Connection stays sans-IO. coturn is started
// with a throwaway config (tests/support/coturn.hpp) and stopped by its PID.
// Exit 77 (skip) when /usr/bin/turnserver is not installed.
#include <poll.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "keyway/lib/rng.hpp"
#include "keyway/peer/connection.hpp"
#include "tests/peer/call_sim.hpp"
#include "tests/support/coturn.hpp"
#include "tests/support/expect.hpp"
#include "tests/support/loopback_sockets.hpp"

using namespace keyway;
using namespace keyway::test;

namespace {

struct Side {
  Link link;
  SeededRng public_rng, secret_rng;
  peer::TurnServerConfig server;
  std::unique_ptr<peer::Connection> conn;
  int rtp_received = 0;
  bool closed = false;
  uint8_t scratch[2048];

  Side(bool tcp, SocketAddr turn, const std::string& uri, peer::Role role, int id)
      : link(tcp, turn), public_rng(100 + static_cast<uint64_t>(id)), secret_rng(200 + static_cast<uint64_t>(id)) {
    server = {uri, "alice", "s3cret"};
    peer::Config c;
    c.role = role;
    c.identity = &peer_test::test_identity(id);
    c.public_rng = &public_rng;
    c.secret_rng = &secret_rng;
    c.audio_codecs = peer_test::kAudio;
    c.audio_ssrc = 0x1000u + static_cast<uint32_t>(id);
    c.turn_servers = {&server, 1};
    c.relay_only = true;
    conn = std::make_unique<peer::Connection>(c);
    EXPECT(conn->add_local_address(link.udp.addr).ok());  // the TURN client's socket (TCP: its UDP twin names it)
  }

  // Polls, sends, receives; returns the connection's deadline.
  Timestamp step() {
    Timestamp now = clock_now();
    conn->handle_timeout(now);
    for (int i = 0; i < 1000; ++i) {
      peer::Output o = conn->poll_output(now, scratch);
      if (o.kind == peer::Output::Kind::timeout) return o.deadline;
      if (o.kind == peer::Output::Kind::transmit) {
        link.send(o.transmit.to, o.transmit.bytes);
        continue;
      }
      if (o.event.kind == peer::EventKind::rtp_received) ++rtp_received;
      if (o.event.kind == peer::EventKind::closed) closed = true;
      if (o.event.kind == peer::EventKind::failed) std::fprintf(stderr, "failed: %s\n", conn->failure_text());
    }
    return now;
  }
  void receive() {
    link.receive([&](Bytes m, const SocketAddr& from) {
      std::vector<uint8_t> copy(m.begin(), m.end());
      conn->handle_datagram(clock_now(), copy, from, link.udp.addr);
    });
  }
};

template <typename F>
bool run(Side& a, Side& b, F done, Duration limit) {
  Timestamp end = clock_now() + limit;
  while (!done()) {
    if (clock_now() > end) return false;
    Timestamp next = earliest(a.step(), b.step());
    int64_t wait = (next - clock_now()).as_millis();
    pollfd fds[2] = {{a.link.fd(), POLLIN, 0}, {b.link.fd(), POLLIN, 0}};
    poll(fds, 2, static_cast<int>(wait < 0 ? 0 : wait > 20 ? 20 : wait));
    a.receive();
    b.receive();
  }
  return true;
}

void relay_only_call(SocketAddr turn, bool tcp) {
  const char* name = tcp ? "tcp" : "udp";
  std::string uri = "turn:127.0.0.1:" + std::to_string(turn.port) + (tcp ? "?transport=tcp" : "?transport=udp");
  Side a(tcp, turn, uri, peer::Role::offerer, 0), b(tcp, turn, uri, peer::Role::answerer, 1);
  EXPECT(run(a, b, [&] { return a.conn->gathering_done() && b.conn->gathering_done(); }, Duration::seconds(5)));
  char obuf[8192], abuf[8192];
  auto offer = a.conn->create_offer(obuf);
  EXPECT(offer.ok());
  if (!offer.ok()) return;
  EXPECT(std::string(*offer).find("typ relay") != std::string::npos);
  EXPECT(std::string(*offer).find("typ host") == std::string::npos);
  auto answer = b.conn->accept_offer(*offer, abuf);
  EXPECT(answer.ok());
  if (!answer.ok()) return;
  EXPECT(a.conn->set_remote_answer(*answer).ok());
  bool up = run(a, b, [&] {
    return a.conn->state() == peer::State::connected && b.conn->state() == peer::State::connected;
  }, Duration::seconds(10));
  EXPECT(up);
  if (!up) {
    std::fprintf(stderr, "%s: a=%s (%s) b=%s (%s)\n", name, peer::to_string(a.conn->state()), a.conn->failure_text(),
                 peer::to_string(b.conn->state()), b.conn->failure_text());
    return;
  }
  // Media both ways through both allocations.
  for (int i = 0; i < 5; ++i) {
    for (Side* s : {&a, &b}) {
      uint8_t pkt[512] = {0x80, 111, 0, static_cast<uint8_t>(i + 1), 0, 0, 0, 1};
      pkt[11] = static_cast<uint8_t>(s == &a ? 0 : 1);
      auto t = s->conn->send_rtp(pkt, 12 + 160);
      EXPECT(t.ok());
      if (t.ok()) s->link.send(t->to, t->bytes);
    }
  }
  EXPECT(run(a, b, [&] { return a.rtp_received >= 5 && b.rtp_received >= 5; }, Duration::seconds(3)));
  // Nomination (RFC 8445 §8.1) may follow the first media: wait for the selected pair.
  EXPECT(run(a, b, [&] { return a.conn->summary().has_selected_pair && b.conn->summary().has_selected_pair; },
             Duration::seconds(5)));
  peer::Summary sa = a.conn->summary(), sb = b.conn->summary();
  EXPECT(std::string(sa.local_candidate_type) == "relay");
  EXPECT(std::string(sa.remote_candidate_type) == "relay");
  EXPECT(std::string(sb.local_candidate_type) == "relay");
  EXPECT(std::string(sb.remote_candidate_type) == "relay");
  std::printf("turn call %s: selected %s <-> %s (%s/%s), rtp a<-b %d, b<-a %d, turn allocations=%u permissions=%u "
              "channel_binds=%u relayed_sent=%llu relayed_received=%llu\n",
              name, text(sa.selected_local).c_str(), text(sa.selected_remote).c_str(), sa.local_candidate_type,
              sa.remote_candidate_type, a.rtp_received, b.rtp_received, sa.turn_allocations, sa.turn_permissions,
              sa.turn_channel_binds, static_cast<unsigned long long>(sa.turn_relayed_bytes_sent),
              static_cast<unsigned long long>(sa.turn_relayed_bytes_received));
  a.conn->close();
  EXPECT(run(a, b, [&] { return b.closed; }, Duration::seconds(3)));  // close_notify through the relays
  run(a, b, [&] { return false; }, Duration::millis(200));           // Refresh LIFETIME 0 goes out
}

}  // namespace

int main() {
  if (!Coturn::available()) {
    std::fprintf(stderr, "skip: %s not installed (apt-get install coturn)\n", Coturn::kBinary);
    return 77;
  }
  Coturn coturn;
  if (!coturn.start()) return 1;
  SocketAddr server = SocketAddr::v4(127, 0, 0, 1, coturn.port);
  // coturn needs a moment to listen: a Binding request answered means it is up.
  bool ready = false;
  for (int i = 0; i < 100 && !ready && coturn.running(); ++i) {
    Udp probe;
    uint8_t req[20] = {0, 1, 0, 0, 0x21, 0x12, 0xA4, 0x42, 1};
    probe.send(server, Bytes(req, sizeof req));
    pollfd p{probe.fd, POLLIN, 0};
    ready = poll(&p, 1, 50) > 0;
  }
  if (!ready) {
    coturn.print_log();
    coturn.stop();
    coturn.remove_dir();
    return 1;
  }
  relay_only_call(server, false);
  relay_only_call(server, true);
  if (failures > 0) coturn.print_log();
  coturn.stop();
  coturn.remove_dir();
  std::printf("%s\n", failures == 0 ? "turn coturn call: OK" : "turn coturn call: FAILED");
  return failures == 0 ? 0 : 1;
}
