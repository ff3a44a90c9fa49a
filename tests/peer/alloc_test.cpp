// SPDX-License-Identifier: Apache-2.0
// No heap in the steady-state media path (architecture.md "Memory"): this
// executable links tests/support/counting_alloc.cpp (counting operator new
// and, on glibc, malloc/calloc/realloc). Two Connections are set up through the simulated
// network (allocations allowed there), then 10,000 RTP packets (and RTCP
// every 50) cross between them in virtual time, with consent checks running,
// through fixed buffers only. Not one allocation may happen.
#include <cstring>

#include <doctest/doctest.h>

#include "tests/peer/call_sim.hpp"
#include "tests/support/counting_alloc.hpp"

using namespace keyway;
using ice::SocketAddr;

namespace {

struct Endpoint {
  peer::Connection* conn;
  SocketAddr addr;
  uint32_t ssrc;
  uint16_t seq;
  uint64_t rtp = 0, rtcp = 0;
};

uint8_t g_rx[2048];

// Delivers everything `from` wants to send straight to `to` (zero delay),
// and what `to` answers back, until both are quiet.
void pump(Endpoint& x, Endpoint& y, Timestamp now) {
  uint8_t scratch[2048];
  for (int round = 0; round < 64; ++round) {
    bool any = false;
    for (Endpoint* from : {&x, &y}) {
      Endpoint* to = from == &x ? &y : &x;
      for (int guard = 0; guard < 64; ++guard) {
        peer::Output o = from->conn->poll_output(now, scratch);
        if (o.kind == peer::Output::Kind::timeout) break;
        any = true;
        if (o.kind == peer::Output::Kind::transmit) {
          std::memcpy(g_rx, o.transmit.bytes.data(), o.transmit.bytes.size());
          to->conn->handle_datagram(now, MutableBytes(g_rx, o.transmit.bytes.size()), from->addr, to->addr);
        } else if (o.event.kind == peer::EventKind::rtp_received) {
          from->rtp++;
        } else if (o.event.kind == peer::EventKind::rtcp_received) {
          from->rtcp++;
        }
      }
    }
    if (!any) return;
  }
}

void send(Endpoint& from, Endpoint& to, bool rtcp, Timestamp now) {
  static uint8_t buf[1500 + srtp::kMaxTrailerLen];
  ByteWriter w({buf, 1400});
  w.write_u8(0x80);
  if (rtcp) {
    w.write_u8(201);
    w.write_u16(1);
    w.write_u32(from.ssrc);
  } else {
    w.write_u8(111);
    w.write_u16(from.seq++);
    w.write_u32(from.seq * 960u);
    w.write_u32(from.ssrc);
    for (int i = 0; i < 160; ++i) w.write_u8(static_cast<uint8_t>(i));
  }
  auto t = rtcp ? from.conn->send_rtcp({buf, sizeof buf}, w.size()) : from.conn->send_rtp({buf, sizeof buf}, w.size());
  REQUIRE(t.ok());
  std::memcpy(g_rx, t->bytes.data(), t->bytes.size());
  to.conn->handle_datagram(now, MutableBytes(g_rx, t->bytes.size()), from.addr, to.addr);
  pump(from, to, now);  // the decrypted event points into g_rx: consume it now
}

}  // namespace

TEST_CASE("peer: no heap allocation in the steady-state media path (10,000 packets, consent running)") {
  peer_test::Options opt;
  opt.record_events = false;
  peer_test::CallSim c(opt);
  REQUIRE(c.negotiate());
  // Connected, and nothing left in flight: the DTLS 1.3 server's ACK of the
  // client's last flight is sent as the server connects, and the pump below
  // does not deliver what the simulated network still holds.
  REQUIRE(c.run_until([&] { return c.connected() && c.net().idle(); }, Duration::seconds(10)));
  Endpoint a{c.a().conn.get(), c.a().addr, c.a().ssrc, 1};
  Endpoint b{c.b().conn.get(), c.b().addr, c.b().ssrc, 1};
  Timestamp now = c.now();
  pump(a, b, now);
  auto step = [&](int i) {
    now = now + Duration::millis(20);
    a.conn->handle_timeout(now);
    b.conn->handle_timeout(now);
    pump(a, b, now);  // consent checks and their responses
    send(i % 2 == 0 ? a : b, i % 2 == 0 ? b : a, false, now);
    if (i % 50 == 0) send(i % 4 == 0 ? a : b, i % 4 == 0 ? b : a, true, now);
  };
  // Issue 18 (robustness pass): this test once stopped at connected(), with
  // the DTLS 1.3 server's ACK of the client's last flight still in the
  // simulated network, where the pump never took it. The client sent that
  // flight again and the server, which released its record AEADs with its
  // handshake state, keyed the two it needs to read it and ACK: 9
  // allocations in the first 20 ms. A second of unmeasured media hid them,
  // blamed on peer::Connection::poll_dtls dropping the ACK for want of an
  // ICE path; it does not (the server reads DTLS only from a validated pair,
  // and ACKs on it). The network is drained instead (run_until above), and
  // the DTLS retransmission counters show no flight went twice.
  const uint64_t before = keyway::testing::allocation_count();
  for (int i = 0; i < 10000; ++i) step(i);
  const uint64_t during = keyway::testing::allocation_count() - before;
  CHECK(during == 0);
  CHECK(a.rtp + b.rtp == 10000);
  CHECK(a.rtcp + b.rtcp == 200);
  CHECK(a.conn->summary().dtls_retransmissions == 0);
  CHECK(b.conn->summary().dtls_retransmissions == 0);
  CHECK(a.conn->state() == peer::State::connected);
  CHECK(b.conn->state() == peer::State::connected);
  CHECK(a.conn->ice().stats().consent_checks_sent > 10);  // 200 s of virtual time
  CHECK(a.conn->stats().srtp.auth_failures == 0);
}
