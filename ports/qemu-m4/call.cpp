// SPDX-License-Identifier: Apache-2.0
#include "call.hpp"

#include <cstring>
#include <new>

#include "board.hpp"
#include "entropy_test_only.hpp"
#include "heap.hpp"
#include "keyway/peer/connection.hpp"
#include "keyway/srtp/session.hpp"

using namespace keyway;

namespace m4 {
namespace {

const sdp::Codec kOpus[] = {{"opus", 48000, 2, 111, "minptime=10;useinbandfec=1", {}}};

struct Side {
  int owner = 0;  // heap owner: 1 or 2
  ice::SocketAddr addr{};
  uint32_t ssrc = 0;
  peer::Connection* conn = nullptr;
  int rtp_received = 0, rtcp_received = 0;
  bool failed = false;
};

// The wire: datagrams in flight, copied (a Transmit points into a buffer the
// next poll reuses). Zero delay, no loss; a full wire is a failed run.
struct Datagram {
  Side* to;
  ice::SocketAddr from;
  std::size_t len;
  uint8_t bytes[1232];
};
constexpr int kWireSlots = 8;
Datagram g_wire[kWireSlots];
int g_wire_head = 0, g_wire_count = 0;
bool g_wire_overflow = false;
uint8_t g_scratch[1500];

void put(Side& to, const ice::SocketAddr& from, Bytes bytes) {
  if (g_wire_count == kWireSlots || bytes.size() > sizeof g_wire[0].bytes) {
    g_wire_overflow = true;
    return;
  }
  Datagram& d = g_wire[(g_wire_head + g_wire_count++) % kWireSlots];
  d.to = &to;
  d.from = from;
  d.len = bytes.size();
  std::memcpy(d.bytes, bytes.data(), bytes.size());
}

// Runs `self`'s side at `now`; returns when it next wants to run.
Timestamp drain(Side& self, Side& other, Timestamp now) {
  heap::set_owner(self.owner);
  self.conn->handle_timeout(now);
  Timestamp next = now;
  for (bool more = true; more;) {
    peer::Output out = self.conn->poll_output(now, g_scratch);
    switch (out.kind) {
      case peer::Output::Kind::timeout:
        next = out.deadline;
        more = false;
        break;
      case peer::Output::Kind::transmit:
        put(other, out.transmit.from, out.transmit.bytes);
        break;
      case peer::Output::Kind::event:
        if (out.event.kind == peer::EventKind::rtp_received) self.rtp_received++;
        if (out.event.kind == peer::EventKind::rtcp_received) self.rtcp_received++;
        if (out.event.kind == peer::EventKind::failed) self.failed = true;
        break;
    }
  }
  heap::set_owner(0);
  return next;
}

void deliver(Timestamp now) {
  while (g_wire_count > 0) {
    Datagram& d = g_wire[g_wire_head];
    g_wire_head = (g_wire_head + 1) % kWireSlots;
    g_wire_count--;
    heap::set_owner(d.to->owner);
    d.to->conn->handle_datagram(now, MutableBytes(d.bytes, d.len), d.from, d.to->addr);
    heap::set_owner(0);
  }
}

// Delivers what is on the wire and lets both sides handle it (and any
// answer it draws) without moving the clock.
void settle(Side& a, Side& b, Timestamp now) {
  do {
    deliver(now);
    drain(a, b, now);
    drain(b, a, now);
  } while (g_wire_count > 0);
}

// Runs both sides until `done` (or a failure, or 10 s of virtual time).
template <typename Done>
bool run(Side& a, Side& b, Timestamp& now, Done done) {
  Timestamp end = now + Duration::seconds(10);
  while (!done() && now < end && !a.failed && !b.failed && !g_wire_overflow) {
    Timestamp next_a = drain(a, b, now);
    Timestamp next_b = drain(b, a, now);
    if (g_wire_count > 0) {
      deliver(now);
      continue;
    }
    Timestamp next = next_a < next_b ? next_a : next_b;
    now = next > now ? next : now + Duration::millis(1);
  }
  return done();
}

// One RTP (or RTCP sender report) packet from `from`, protected in place.
bool send_media(Side& from, Side& to, uint16_t seq, bool rtcp) {
  uint8_t packet[160 + srtp::kMaxTrailerLen] = {};
  std::size_t len;
  if (rtcp) {  // an empty receiver report (RFC 3550 §6.4.2)
    const uint8_t rr[8] = {0x80, 201, 0, 1, uint8_t(from.ssrc >> 24), uint8_t(from.ssrc >> 16),
                           uint8_t(from.ssrc >> 8), uint8_t(from.ssrc)};
    std::memcpy(packet, rr, sizeof rr);
    len = sizeof rr;
  } else {  // a 20 ms Opus-sized packet
    const uint8_t header[12] = {0x80, 111, uint8_t(seq >> 8), uint8_t(seq), 0, 0, uint8_t(seq >> 8), uint8_t(seq),
                                uint8_t(from.ssrc >> 24), uint8_t(from.ssrc >> 16), uint8_t(from.ssrc >> 8),
                                uint8_t(from.ssrc)};
    std::memcpy(packet, header, sizeof header);
    len = sizeof header + 80;
  }
  heap::set_owner(from.owner);
  auto t = rtcp ? from.conn->send_rtcp({packet, sizeof packet}, len) : from.conn->send_rtp({packet, sizeof packet}, len);
  heap::set_owner(0);
  if (!t.ok()) return false;
  put(to, t->from, t->bytes);
  return true;
}

peer::Connection* make_connection(Identity& id, peer::Role role, uint32_t ssrc, int owner) {
  peer::Config c;
  c.role = role;
  c.identity = &id.cert;
  c.public_rng = &id.rng;
  c.secret_rng = &id.rng;
  c.audio_codecs = kOpus;
  c.audio_ssrc = ssrc;
  // The minimal profile has no DTLS 1.3 (profile::kDtls13): asked to offer
  // it, both endpoints must still meet in DTLS 1.2 (call() checks the suite).
  c.dtls_offer_dtls13 = profile::kMinimal;
  heap::set_owner(owner);
  auto* conn = new (std::nothrow) peer::Connection(c);
  heap::set_owner(0);
  return conn;
}

char g_offer[2048], g_answer[2048];

CallResult fail(CallResult r, const char* why) {
  r.ok = false;
  r.failure = why;
  return r;
}

CallResult call(Side& a, Side& b, const CallOptions& options) {
  CallResult r;
  r.object_bytes = sizeof(peer::Connection);
  heap::set_owner(a.owner);
  auto offer = a.conn->create_offer(g_offer);
  heap::set_owner(b.owner);
  auto answer = offer.ok() ? b.conn->accept_offer(*offer, g_answer) : Result<std::string_view>(offer.error());
  heap::set_owner(a.owner);
  bool negotiated = answer.ok() && a.conn->set_remote_answer(*answer).ok();
  heap::set_owner(0);
  if (!negotiated) return fail(r, "offer/answer");

  Timestamp now = Timestamp::from_micros(1'000'000);
  uint32_t start = board::millis();
  auto connected = [&] {
    return a.conn->state() == peer::State::connected && b.conn->state() == peer::State::connected;
  };
  if (!run(a, b, now, connected)) return fail(r, g_wire_overflow ? "wire full" : "not connected");
  r.handshake_ms = board::millis() - start;
  peer::Summary summary = a.conn->summary();
  r.cipher_suite = summary.cipher_suite;
  r.srtp_profile = summary.srtp_profile;
  if (profile::kMinimal && std::strcmp(r.cipher_suite, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256") != 0)
    return fail(r, "not DTLS 1.2 in the minimal profile");
  r.handshake_peak_bytes[0] = heap::peak(a.owner);
  r.handshake_peak_bytes[1] = heap::peak(b.owner);

  for (int i = 0; i < options.rtp_each_way || i < options.rtcp_each_way; ++i) {
    uint16_t seq = static_cast<uint16_t>(i + 1);
    if (i < options.rtp_each_way && (!send_media(a, b, seq, false) || !send_media(b, a, seq, false)))
      return fail(r, "send_rtp");
    if (i < options.rtcp_each_way && (!send_media(a, b, seq, true) || !send_media(b, a, seq, true)))
      return fail(r, "send_rtcp");
    settle(a, b, now);
    // The packets are 20 ms apart, as a call's are: the timers due meanwhile
    // run (consent checks; ICE's release of its check lists RFC 8445 §8.3
    // allows 3 s after completion, agent_storage.cpp).
    now = now + Duration::millis(20);
    drain(a, b, now);
    drain(b, a, now);
    settle(a, b, now);
  }
  // Established: the call in progress, after media (4 s of it by default:
  // the DTLS server lets its handshake context go at the first timeout after
  // the keys, ICE its check lists 3 s after completion, not at once).
  r.established_bytes[0] = heap::in_use(a.owner);
  r.established_bytes[1] = heap::in_use(b.owner);
  r.rtp_received[0] = a.rtp_received;
  r.rtp_received[1] = b.rtp_received;
  r.rtcp_received[0] = a.rtcp_received;
  r.rtcp_received[1] = b.rtcp_received;
  if (a.rtp_received != options.rtp_each_way || b.rtp_received != options.rtp_each_way ||
      a.rtcp_received != options.rtcp_each_way || b.rtcp_received != options.rtcp_each_way)
    return fail(r, "media");

  heap::set_owner(a.owner);
  a.conn->close();
  heap::set_owner(b.owner);
  b.conn->close();
  heap::set_owner(0);
  run(a, b, now, [&] {
    return a.conn->state() == peer::State::closed && b.conn->state() == peer::State::closed;
  });
  if (a.conn->state() != peer::State::closed || b.conn->state() != peer::State::closed) return fail(r, "close");
  r.ok = true;
  return r;
}

}  // namespace

namespace {
bool seed_rng(Identity& id, uint32_t stream) {
  uint8_t seed[48];
  test_only::fake_entropy(stream, seed, sizeof seed);  // TEST-ONLY: see entropy_test_only.hpp
  return id.rng.instantiate(seed, {}).ok();
}
}  // namespace

bool make_identity(Identity& id, uint32_t stream, const char* name) {
  return seed_rng(id, stream) && id.cert.generate(id.rng, name, 1'700'000'000).ok();
}

bool load_identity(Identity& id, uint32_t stream, std::span<const uint8_t> p256_private_scalar,
                   std::span<const uint8_t> certificate_der) {
  return seed_rng(id, stream) && id.cert.load(p256_private_scalar, certificate_der).ok();
}

CallResult run_call(Identity& alice, Identity& bob, const CallOptions& options) {
  g_wire_head = g_wire_count = 0;
  g_wire_overflow = false;
  Side a, b;
  a.owner = 1;
  a.addr = ice::SocketAddr::v4(127, 0, 0, 1, 50000);
  a.ssrc = 0xA11CE;
  b.owner = 2;
  b.addr = ice::SocketAddr::v4(127, 0, 0, 1, 50001);
  b.ssrc = 0xB0B;
  heap::reset_peak(1);
  heap::reset_peak(2);
  a.conn = make_connection(alice, peer::Role::offerer, a.ssrc, a.owner);
  b.conn = make_connection(bob, peer::Role::answerer, b.ssrc, b.owner);
  CallResult r;
  if (a.conn == nullptr || b.conn == nullptr) {
    r.failure = "out of memory";
  } else {
    bool added = (heap::set_owner(1), a.conn->add_local_address(a.addr).ok()) &&
                 (heap::set_owner(2), b.conn->add_local_address(b.addr).ok());
    heap::set_owner(0);
    r = added ? call(a, b, options) : fail(r, "add_local_address");
  }
  heap::set_owner(1);
  delete a.conn;
  heap::set_owner(2);
  delete b.conn;
  heap::set_owner(0);
  return r;
}

}  // namespace m4
