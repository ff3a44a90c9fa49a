// SPDX-License-Identifier: Apache-2.0
// In-process client <-> server handshakes in virtual time (issue 3).
#include <doctest/doctest.h>

#include <cstring>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/dtls/handshake_header.hpp"
#include "tests/dtls/fixture.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using namespace keyway::dtls;
using keyway::test::check_completed;
using keyway::test::exporter;
using keyway::test::Fixture;
using keyway::test::kUnixNow;
using keyway::test::Pair;

namespace {

const Event* find_event(const test::Side& s, EventKind t) {
  for (const auto& e : s.events)
    if (e.kind == t) return &e;
  return nullptr;
}

}  // namespace

TEST_CASE("dtls pair: every ECDSA suite and group completes and exports equal keys") {
  for (uint16_t suite : {uint16_t{0xC02B}, uint16_t{0xC02C}, uint16_t{0xCCA9}}) {
    for (uint16_t group : {uint16_t{29}, uint16_t{23}, uint16_t{24}}) {
      CAPTURE(suite);
      CAPTURE(group);
      Fixture f;
      f.client.cipher_suites.push(suite);
      f.client.groups.push(group);
      Pair p(f.client, f.server);
      p.run();
      check_completed(p);
      CHECK(static_cast<uint16_t>(p.client().ep->negotiated_suite()->suite) == suite);
      const Event* done = find_event(p.client(), EventKind::handshake_complete);
      REQUIRE(done);
      CHECK(done->srtp_profile == 0x0007);
      CHECK(done->extended_master_secret);
      CHECK(find_event(p.client(), EventKind::peer_certificate));
      CHECK(find_event(p.server(), EventKind::peer_certificate));
    }
  }
}

TEST_CASE("dtls pair: application data both ways, then close_notify") {
  Fixture f;
  Pair p(f.client, f.server);
  p.run();
  check_completed(p);
  REQUIRE(p.send_app(0, test::bytes_of("hello server")));
  REQUIRE(p.send_app(1, test::bytes_of("hello client")));
  p.run(Duration::seconds(1), false);
  REQUIRE(p.server().app_data.size() == 1);
  CHECK(std::string(p.server().app_data[0].begin(), p.server().app_data[0].end()) == "hello server");
  REQUIRE(p.client().app_data.size() == 1);
  CHECK(std::string(p.client().app_data[0].begin(), p.client().app_data[0].end()) == "hello client");
  p.client().ep->close();
  p.run(Duration::seconds(1), false);
  CHECK(p.server().ep->state() == HandshakeState::closed);
  CHECK(find_event(p.server(), EventKind::closed));
}

TEST_CASE("dtls pair: cookie exchange on and off") {
  for (bool cookie : {true, false}) {
    Fixture f;
    f.server.cookie_exchange = cookie;
    Pair p(f.client, f.server);
    p.run();
    check_completed(p);
    // With a cookie the client sends two ClientHellos before flight 5.
    std::size_t client_datagrams = p.client().sent.size();
    CHECK(client_datagrams == (cookie ? 3u : 2u));
  }
}

TEST_CASE("dtls pair: extended master secret on and off, and required") {
  {
    Fixture f;
    f.client.offer_extended_master_secret = false;
    Pair p(f.client, f.server);
    p.run();
    check_completed(p);
    CHECK_FALSE(find_event(p.server(), EventKind::handshake_complete)->extended_master_secret);
  }
  {
    Fixture f;
    f.client.offer_extended_master_secret = false;
    f.server.require_extended_master_secret = true;
    Pair p(f.client, f.server);
    p.run();
    CHECK(p.server().failed);
    CHECK(p.client().failed);
    const Event* alert = find_event(p.client(), EventKind::alert_received);
    REQUIRE(alert);
    CHECK(alert->alert == AlertDescription::handshake_failure);
  }
}

TEST_CASE("dtls pair: small MTU fragments every flight") {
  Fixture f;
  f.client.mtu = 150;
  f.server.mtu = 150;
  Pair p(f.client, f.server);
  p.run();
  check_completed(p);
  for (const auto& d : p.server().sent) CHECK(d.size() <= 150);
  CHECK(p.server().sent.size() > 5);
}

TEST_CASE("dtls pair: loss, duplication and reordering still complete") {
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    CAPTURE(seed);
    Fixture f;
    f.client.mtu = 300;
    f.server.mtu = 300;
    sim::LinkConfig link;
    link.loss = 0.2;
    link.duplicate = 0.2;
    link.delay = Duration::millis(1);
    link.jitter = Duration::millis(30);  // reorders
    f.client.max_retransmits = 12;
    f.server.max_retransmits = 12;
    Pair p(f.client, f.server, seed, link);
    p.run(Duration::seconds(600));
    check_completed(p);
  }
}

TEST_CASE("dtls pair: retransmission backs off and fails after the budget") {
  Fixture f;
  f.client.initial_timeout = Duration::millis(100);
  f.client.max_retransmits = 4;
  Pair p(f.client, f.server);
  p.tamper = [](int to, std::vector<uint8_t>&) { return to == 0; };  // the server never hears us
  p.run(Duration::seconds(60));
  REQUIRE(p.client().failed);
  CHECK(p.client().error.code == Code::timeout);
  // ClientHello + 4 retransmissions (100, 200, 400, 800 ms), then failure at +3.1 s.
  CHECK(p.client().sent.size() == 6);  // the last one is the fatal alert
  CHECK(p.client().ep->stats().retransmissions == 4);
}

TEST_CASE("dtls pair: an RTT estimate lowers the first retransmission timeout") {
  Fixture f;
  Endpoint ep(f.client);
  ep.set_rtt_estimate(Duration::millis(10));  // clamped to 50 ms
  uint8_t scratch[2048];
  Timestamp t0 = Timestamp::from_micros(5000000);
  Output o = ep.poll_output(t0, scratch);
  REQUIRE(o.kind == Output::Kind::transmit);
  o = ep.poll_output(t0, scratch);
  REQUIRE(o.kind == Output::Kind::timeout);
  CHECK((o.deadline - t0) == Duration::millis(50));
}

TEST_CASE("dtls pair: tampered and replayed records are dropped and counted") {
  Fixture f;
  Pair p(f.client, f.server);
  p.run();
  check_completed(p);
  std::vector<uint8_t> captured;
  p.tamper = [&](int to, std::vector<uint8_t>& d) {
    if (to == 1 && d[0] == 23) captured = d;
    return true;
  };
  REQUIRE(p.send_app(0, test::bytes_of("once")));
  p.run(Duration::seconds(1), false);
  REQUIRE(!captured.empty());
  REQUIRE(p.server().app_data.size() == 1);
  p.deliver_raw(1, captured);  // replay
  CHECK(p.server().ep->stats().records_replayed == 1);
  auto bad = captured;
  bad[bad.size() - 1] ^= 1;
  bad[10] ^= 0x40;  // new sequence number, so the window does not stop it first
  p.deliver_raw(1, bad);
  CHECK(p.server().ep->stats().records_auth_failed == 1);
  auto unknown = captured;
  unknown[4] = 7;  // epoch 7
  p.deliver_raw(1, unknown);
  CHECK(p.server().ep->stats().records_unknown_epoch == 1);
  CHECK(p.server().app_data.size() == 1);
  CHECK(p.server().ep->state() == HandshakeState::established);
}

TEST_CASE("dtls pair: a fingerprint mismatch aborts with bad_certificate before keys exist") {
  Fixture f;
  Pair p(f.client, f.server);
  Fingerprint wrong = fingerprint(FingerprintHash::sha256, f.client_id.certificate_der());
  p.client().ep->set_remote_fingerprint(wrong);  // the client's own, not the server's
  p.run();
  REQUIRE(p.client().failed);
  CHECK(p.client().error.code == Code::bad_certificate);
  CHECK(std::string(p.client().error.detail).find("fingerprint") != std::string::npos);
  const Event* alert = find_event(p.server(), EventKind::alert_received);
  REQUIRE(alert);
  CHECK(alert->alert == AlertDescription::bad_certificate);
  CHECK(p.server().failed);
}

TEST_CASE("dtls pair: a matching fingerprint accepts; without one, export waits for acceptance") {
  Fixture f;
  Pair p(f.client, f.server);
  p.client().ep->set_remote_fingerprint(fingerprint(FingerprintHash::sha256, f.server_id.certificate_der()));
  p.run();
  REQUIRE(p.client().complete);
  REQUIRE(p.server().complete);
  uint8_t out[60];
  CHECK(p.client().ep->export_keying_material("EXTRACTOR-dtls_srtp", out).ok());
  CHECK_FALSE(p.server().ep->export_keying_material("EXTRACTOR-dtls_srtp", out).ok());
  CHECK(p.server().ep->accept_peer_certificate(f.client_id.certificate_der()).ok());
  CHECK(p.server().ep->export_keying_material("EXTRACTOR-dtls_srtp", out).ok());
}

TEST_CASE("dtls pair: no common SRTP profile or suite fails with handshake_failure") {
  {
    Fixture f;
    f.client.srtp_profiles = {};
    f.client.srtp_profiles.push(0x0002);
    Pair p(f.client, f.server);
    p.run();
    CHECK(p.server().failed);
    CHECK(p.client().failed);
    CHECK(find_event(p.client(), EventKind::alert_received)->alert == AlertDescription::handshake_failure);
  }
  {
    Fixture f;
    f.client.cipher_suites.push(0xC02F);  // ECDHE_RSA only: keyway's server holds an ECDSA key
    Pair p(f.client, f.server);
    p.run();
    CHECK(p.server().failed);
    CHECK(std::string(p.server().error.detail).find("cipher suite") != std::string::npos);
  }
}

TEST_CASE("dtls pair: server without client-certificate requirement") {
  Fixture f;
  f.server.require_client_certificate = false;
  Pair p(f.client, f.server);
  p.run();
  REQUIRE(p.client().complete);
  REQUIRE(p.server().complete);
  CHECK(p.server().ep->peer_certificate().empty());
}

TEST_CASE("dtls pair: the server resends its final flight when the client repeats flight 5") {
  Fixture f;
  Pair p(f.client, f.server);
  int dropped = 0;
  // Drop the server's first flight-6 datagram (it carries the CCS, type 20).
  p.tamper = [&](int to, std::vector<uint8_t>& d) {
    if (to == 0 && d[0] == 20 && dropped == 0) { ++dropped; return false; }
    return true;
  };
  p.run();
  check_completed(p);
  CHECK(dropped == 1);
  CHECK(p.server().ep->stats().retransmissions >= 1);
}

namespace {
// A ClientHello shaped like Chromium 156's (interop.md §5): TLS 1.3 suites,
// X25519MLKEM768 key share (0x11ec), supported_versions, psk modes, padded
// past 2 KB, fragmented over two datagrams with record version 0xFEFF.
std::vector<uint8_t> chrome_like_hello_body() {
  std::vector<uint8_t> body(4096);
  ByteWriter w(body);
  w.write_u16(0xFEFD);
  for (int i = 0; i < 32; ++i) w.write_u8(static_cast<uint8_t>(i));
  w.write_u8(0);  // session id
  w.write_u8(0);  // cookie
  auto suites = w.begin_prefixed16();
  static const uint16_t kChromeSuites[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xcca9, 0xcca8,
                                           0xc009, 0xc013, 0xc00a, 0xc014, 0x009c, 0x002f, 0x0035};
  for (uint16_t s : kChromeSuites) w.write_u16(s);
  w.end_prefixed(suites);
  w.write_u8(1);
  w.write_u8(0);
  auto ext = w.begin_prefixed16();
  auto raw_ext = [&](uint16_t type, const std::vector<uint8_t>& data) {
    w.write_u16(type);
    w.write_u16(static_cast<uint16_t>(data.size()));
    w.write_bytes(data);
  };
  raw_ext(0x000b, {1, 0});
  raw_ext(0x000e, {0, 6, 0, 1, 0, 8, 0, 7, 0});
  raw_ext(0x000d, {0, 8, 4, 3, 8, 4, 4, 1, 5, 3});
  raw_ext(0x002d, {1, 1});
  raw_ext(0x0017, {});
  std::vector<uint8_t> key_share = {0x04, 0xee, 0x11, 0xec, 0x04, 0xc0};
  key_share.resize(key_share.size() + 1216, 0xab);
  for (uint8_t b : {uint8_t{0x00}, uint8_t{0x1d}, uint8_t{0x00}, uint8_t{0x20}}) key_share.push_back(b);
  key_share.resize(key_share.size() + 32, 0x09);
  uint16_t ks_len = static_cast<uint16_t>(key_share.size() - 2);
  key_share[0] = static_cast<uint8_t>(ks_len >> 8);
  key_share[1] = static_cast<uint8_t>(ks_len);
  raw_ext(0x0033, key_share);
  raw_ext(0xff01, {0});
  raw_ext(0x000a, {0, 8, 0x11, 0xec, 0, 0x1d, 0, 0x17, 0, 0x18});
  raw_ext(0x002b, {4, 0xfe, 0xfc, 0xfe, 0xfd});
  raw_ext(0x0015, std::vector<uint8_t>(700, 0));  // padding: push it past 2 KB
  w.end_prefixed(ext);
  REQUIRE(!w.failed());
  body.resize(w.size());
  return body;
}

std::vector<uint8_t> hello_fragment_datagram(const std::vector<uint8_t>& body, uint32_t off, uint32_t len,
                                             uint64_t record_seq) {
  std::vector<uint8_t> payload(12 + len);
  ByteWriter hw(payload);
  write_handshake_header(hw, 1, static_cast<uint32_t>(body.size()), 0, off, len);
  hw.write_bytes(Bytes(body.data() + off, len));
  std::vector<uint8_t> d(payload.size() + 13);
  ByteWriter w(d);
  write_plain_record(w, ContentType::handshake, kVersionDtls10, record_seq, payload);
  return d;
}
}  // namespace

// handle_datagram decrypts in place, so it takes a writable datagram.
Verdict feed(Endpoint& ep, Timestamp now, std::vector<uint8_t> datagram) { return ep.handle_datagram(now, datagram); }

TEST_CASE("dtls server: a fragmented 2 KB Chrome-like ClientHello is accepted; 0x11ec never chosen") {
  for (bool cookie : {false, true}) {
    CAPTURE(cookie);
    Fixture f;
    f.server.cookie_exchange = cookie;
    Endpoint server(f.server);
    auto body = chrome_like_hello_body();
    REQUIRE(body.size() >= 2048);
    Timestamp now = Timestamp::from_micros(1000000);
    CHECK(feed(server, now, hello_fragment_datagram(body, 1175, static_cast<uint32_t>(body.size() - 1175), 1)) ==
          Verdict::accepted);
    CHECK(feed(server, now, hello_fragment_datagram(body, 0, 1175, 0)) == Verdict::accepted);
    uint8_t scratch[2048];
    Output o = server.poll_output(now, scratch);
    REQUIRE(o.kind == Output::Kind::transmit);
    ByteReader r(o.transmit);
    auto rec = read_record(r);
    REQUIRE(rec.ok());
    ByteReader hr(rec->fragment);
    auto frag = read_handshake_fragment(hr);
    REQUIRE(frag.ok());
    if (cookie) {
      CHECK(frag->type == static_cast<uint8_t>(HandshakeType::hello_verify_request));
      CHECK(rec->seq == 0);  // reuses the ClientHello's record number (RFC 6347 §4.2.1)
      CHECK(server.state() == HandshakeState::server_wait_client_hello);
      continue;
    }
    REQUIRE(frag->type == static_cast<uint8_t>(HandshakeType::server_hello));
    auto sh = parse_server_hello(frag->body);
    REQUIRE(sh.ok());
    CHECK(sh->cipher_suite == 0xC02B);
    CHECK(sh->ext.srtp_profiles.items[0] == 0x0007);
    CHECK(sh->ext.ems);
    CHECK(sh->ext.has_renegotiation_info);
    // The ServerKeyExchange names x25519, the first group we share (not 0x11ec).
    bool saw_ske = false;
    for (int guard = 0; guard < 10 && o.kind == Output::Kind::transmit; ++guard) {
      ByteReader dr(o.transmit);
      while (!dr.at_end()) {
        auto rr = read_record(dr);
        REQUIRE(rr.ok());
        ByteReader fr(rr->fragment);
        auto fg = read_handshake_fragment(fr);
        if (fg.ok() && fg->type == 12 && fg->frag_offset == 0) {
          CHECK(fg->body[0] == 3);
          CHECK(((fg->body[1] << 8) | fg->body[2]) == 29);
          saw_ske = true;
        }
      }
      o = server.poll_output(now, scratch);
    }
    CHECK(saw_ske);
  }
}

TEST_CASE("dtls endpoint: injected plaintext junk never kills a handshake or session") {
  Fixture f;
  Pair p(f.client, f.server);
  p.run();
  check_completed(p);
  // A plaintext Finished, a malformed fragment and an inconsistent fragment in epoch 0.
  std::vector<uint8_t> junk = test::unhex("16 fefd 0000 000000000063 000f 14 00000c 0005 000000 000003 010203");
  p.deliver_raw(1, junk);
  std::vector<uint8_t> bad = test::unhex("16 fefd 0000 000000000064 0003 01 0000");
  p.deliver_raw(1, bad);
  CHECK(p.server().ep->state() == HandshakeState::established);
  CHECK(p.client().ep->state() == HandshakeState::established);
}

TEST_CASE("dtls pair: a repeated ClientHello (cookie) makes the server resend flight 4 once") {
  Fixture f;
  f.server.mtu = 200;  // flight 4 spans several datagrams
  Pair p(f.client, f.server);
  std::vector<std::vector<uint8_t>> to_server;
  bool drop_flight4 = true;
  std::size_t server_sent_before = 0;
  p.tamper = [&](int to, std::vector<uint8_t>& d) {
    if (to == 1) to_server.push_back(d);
    if (to == 0 && drop_flight4 && to_server.size() == 2) return false;  // lose all of flight 4
    return true;
  };
  p.run(Duration::millis(500), false);  // before the client's 1 s timer
  REQUIRE(to_server.size() == 2);       // ClientHello, ClientHello+cookie
  drop_flight4 = false;
  server_sent_before = p.server().sent.size();
  auto again = to_server[1];
  again[10] = static_cast<uint8_t>(again[10] + 5);  // a retransmission carries a new record number
  p.deliver_raw(1, again);  // the client's hello again
  std::size_t resent = p.server().sent.size() - server_sent_before;
  CHECK(resent >= 3);
  CHECK(p.server().ep->stats().retransmissions == 1);
  auto first = to_server[0];
  first[10] = static_cast<uint8_t>(first[10] + 9);
  p.deliver_raw(1, first);  // the cookie-less hello: not the flight we answered
  CHECK(p.server().ep->stats().retransmissions == 1);
  p.run();
  check_completed(p);
}

namespace keyway::dtls {
// Test-only access to an endpoint's write state, to forge records the
// public API never produces.
struct EndpointAccess {
  static std::vector<uint8_t> seal(Endpoint& ep, ContentType type, Bytes payload) {
    WriteState& we = ep.write_;
    std::vector<uint8_t> out(payload.size() + kMaxRecordOverhead);
    ByteWriter w(out);
    we.cipher.seal(w, type, 1, we.next_seq[1]++, payload);
    out.resize(w.size());
    return out;
  }
};
}  // namespace keyway::dtls

TEST_CASE("dtls endpoint: epoch 1 before keys is an unknown epoch; renegotiation is refused") {
  Fixture f;
  {
    Endpoint server(f.server);
    std::vector<uint8_t> early = test::unhex("17 fefd 0001 000000000001 0004 01020304");
    CHECK(server.handle_datagram(Timestamp::from_micros(1), early) == Verdict::discarded);
    CHECK(server.stats().records_unknown_epoch == 1);
  }
  Pair p(f.client, f.server);
  p.run();
  check_completed(p);
  // The client (through the test hook) starts a new handshake under the session keys.
  std::vector<uint8_t> hello(12 + 40, 0);
  hello[0] = 1;
  hello[3] = 40;
  hello[11] = 40;
  hello[5] = 5;  // message_seq 5
  p.deliver_raw(1, EndpointAccess::seal(*p.client().ep, ContentType::handshake, hello));
  CHECK(p.server().ep->state() == HandshakeState::established);
  p.run(Duration::seconds(1), false);
  bool refused = false;
  for (const auto& e : p.client().events)
    if (e.kind == EventKind::alert_received && e.alert == AlertDescription::no_renegotiation) refused = true;
  CHECK(refused);
  CHECK(p.client().ep->state() == HandshakeState::established);
}

TEST_CASE("dtls endpoint: a forged plaintext fatal alert after the handshake is ignored") {
  Fixture f;
  Pair p(f.client, f.server);
  p.run();
  check_completed(p);
  p.deliver_raw(0, test::unhex("15 fefd 0000 000000000050 0002 0228"));
  CHECK(p.client().ep->state() == HandshakeState::established);
  CHECK_FALSE(p.client().failed);
}
