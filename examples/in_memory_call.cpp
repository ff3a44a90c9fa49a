// SPDX-License-Identifier: Apache-2.0
// An in-memory call between two peer::Connections: no sockets, no threads,
// a virtual clock. The shape every keyway driver has (architecture.md,
// "The sans-IO shape"): feed inputs, call poll_output() until it gives a
// Timeout, and carry each Transmit to wherever it is addressed; here that is
// the other Connection, in memory.
//
//   alice (offerer)  --offer-->  bob (answerer)
//                    <--answer--
//   ICE checks, DTLS handshake, SRTP keys, then RTP both ways, then close.
//
// Build: part of the keyway build (examples/meson.build); run:
// build/examples/in_memory_call. Exits 0 when media crossed both ways.
#include <unistd.h>  // getentropy

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

#include "keyway/dtls/x509/certificate.hpp"
#include "keyway/lib/crypto/drbg.hpp"
#include "keyway/peer/connection.hpp"
#include "keyway/srtp/session.hpp"

using namespace keyway;

namespace {

// One side of the call: its randomness, identity, Connection and address.
struct Peer {
  const char* name = "";
  ice::SocketAddr addr{};
  crypto::DrbgRng rng;  // CTR-DRBG seeded from the OS (public and secret uses share it here)
  dtls::Identity identity;
  std::unique_ptr<peer::Connection> conn;
  int rtp_received = 0;
};

// A datagram on its way, the "network" of this example.
struct InFlight {
  Peer* to;
  ice::SocketAddr from;
  std::vector<uint8_t> bytes;
};

const sdp::Codec kOpus[] = {{"opus", 48000, 2, 111, "minptime=10;useinbandfec=1", {}}};

bool set_up(Peer& p, peer::Role role, uint32_t ssrc, int64_t unix_now) {
  uint8_t seed[48];
  if (getentropy(seed, sizeof seed) != 0 || !p.rng.instantiate(seed, {}).ok()) return false;
  if (!p.identity.generate(p.rng, p.name, unix_now).ok()) return false;  // self-signed ECDSA P-256
  peer::Config c;
  c.role = role;
  c.identity = &p.identity;
  c.public_rng = &p.rng;
  c.secret_rng = &p.rng;
  c.audio_codecs = kOpus;
  c.audio_ssrc = ssrc;
  p.conn = std::make_unique<peer::Connection>(c);
  return p.conn->add_local_address(p.addr).ok();
}

// Everything `self` has to do at `now`; returns when it next wants to run.
Timestamp drain(Peer& self, Peer& other, Timestamp now, std::deque<InFlight>& wire) {
  uint8_t scratch[2048];
  self.conn->handle_timeout(now);
  for (;;) {
    peer::Output out = self.conn->poll_output(now, scratch);
    switch (out.kind) {
      case peer::Output::Kind::timeout:
        return out.deadline;
      case peer::Output::Kind::transmit:  // copy it: scratch is reused by the next poll
        wire.push_back({&other, out.transmit.from, {out.transmit.bytes.begin(), out.transmit.bytes.end()}});
        break;
      case peer::Output::Kind::event:
        if (out.event.kind == peer::EventKind::rtp_received) {
          self.rtp_received++;
        } else {
          std::printf("%-5s %s\n", self.name, peer::to_string(out.event.kind));
          if (out.event.kind == peer::EventKind::failed) std::printf("      %s\n", self.conn->failure_text());
        }
        break;
    }
  }
}

// Hands every datagram in flight to its Connection (zero delay, no loss).
void deliver(std::deque<InFlight>& wire, Timestamp now) {
  while (!wire.empty()) {
    InFlight d = std::move(wire.front());
    wire.pop_front();
    d.to->conn->handle_datagram(now, MutableBytes(d.bytes.data(), d.bytes.size()), d.from, d.to->addr);
  }
}

// Runs both sides until `done` or 10 s of virtual time.
template <typename Done>
bool run(Peer& a, Peer& b, Timestamp& now, std::deque<InFlight>& wire, Done done) {
  Timestamp end = now + Duration::seconds(10);
  while (!done() && now < end) {
    Timestamp next_a = drain(a, b, now, wire);
    Timestamp next_b = drain(b, a, now, wire);
    if (!wire.empty()) {
      deliver(wire, now);  // arrives "now": run both sides again before time moves
      continue;
    }
    Timestamp next = next_a < next_b ? next_a : next_b;
    now = next > now ? next : now + Duration::millis(1);  // the virtual clock jumps to the next deadline
  }
  return done();
}

// One 20 ms opus-sized RTP packet, protected in place and put on the wire.
bool send_rtp(Peer& from, Peer& to, uint32_t ssrc, uint16_t seq, std::deque<InFlight>& wire) {
  uint8_t packet[1200 + srtp::kMaxTrailerLen] = {};
  const uint8_t header[12] = {0x80, 111, uint8_t(seq >> 8), uint8_t(seq), 0, 0, uint8_t(seq >> 8), uint8_t(seq),
                              uint8_t(ssrc >> 24), uint8_t(ssrc >> 16), uint8_t(ssrc >> 8), uint8_t(ssrc)};
  std::memcpy(packet, header, sizeof header);
  std::size_t len = sizeof header + 80;  // header + payload; the SRTP tag goes after it
  auto t = from.conn->send_rtp({packet, sizeof packet}, len);
  if (!t.ok()) return false;
  wire.push_back({&to, t->from, {t->bytes.begin(), t->bytes.end()}});
  return true;
}

}  // namespace

int main() {
  const int64_t unix_now = 1'700'000'000;  // certificate validity start (any time works between two keyways)
  Peer alice, bob;
  alice.name = "alice";
  alice.addr = ice::SocketAddr::v4(127, 0, 0, 1, 50000);  // the address your socket is bound to
  bob.name = "bob";
  bob.addr = ice::SocketAddr::v4(127, 0, 0, 1, 50001);
  if (!set_up(alice, peer::Role::offerer, 0xA11CE, unix_now) || !set_up(bob, peer::Role::answerer, 0xB0B, unix_now)) {
    std::printf("set-up failed\n");
    return 1;
  }

  // Signalling: in a real application the texts travel over your own channel.
  char offer_buf[4096], answer_buf[4096];
  auto offer = alice.conn->create_offer(offer_buf);
  if (!offer.ok()) return 1;
  auto answer = bob.conn->accept_offer(*offer, answer_buf);
  if (!answer.ok() || !alice.conn->set_remote_answer(*answer).ok()) return 1;
  std::printf("offer %zu bytes, answer %zu bytes\n", offer->size(), answer->size());

  Timestamp now = Timestamp::from_micros(0);
  std::deque<InFlight> wire;
  auto connected = [&] {
    return alice.conn->state() == peer::State::connected && bob.conn->state() == peer::State::connected;
  };
  if (!run(alice, bob, now, wire, connected)) {
    std::printf("not connected: alice %s, bob %s\n", peer::to_string(alice.conn->state()),
                peer::to_string(bob.conn->state()));
    return 1;
  }
  peer::Summary s = alice.conn->summary();
  std::printf("connected after %.1f ms of virtual time: %s, %s\n", static_cast<double>(now.as_micros()) / 1000.0,
              s.cipher_suite, s.srtp_profile);

  for (uint16_t seq = 1; seq <= 5; ++seq) {
    if (!send_rtp(alice, bob, 0xA11CE, seq, wire) || !send_rtp(bob, alice, 0xB0B, seq, wire)) return 1;
  }
  run(alice, bob, now, wire, [&] { return alice.rtp_received == 5 && bob.rtp_received == 5; });
  std::printf("media: alice received %d RTP packets, bob %d\n", alice.rtp_received, bob.rtp_received);

  alice.conn->close();
  run(alice, bob, now, wire, [&] { return bob.conn->state() == peer::State::closed; });
  bool ok = alice.rtp_received == 5 && bob.rtp_received == 5;
  std::printf("%s\n", ok ? "call ok" : "call FAILED");
  return ok ? 0 : 1;
}
