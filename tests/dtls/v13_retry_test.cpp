// SPDX-License-Identifier: Apache-2.0
// HelloRetryRequest (issue 18; RFC 8446 §4.1.4, RFC 9147 §5.1): both roles,
// the transcript's message_hash, the browsers' ClientHello shapes
// (X25519MLKEM768 + x25519, unknown groups, schemes and extensions), a
// second HelloRetryRequest, and dtls::Listener's stateless 1.3 cookie.
#include <doctest/doctest.h>
#include <fmt/core.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "keyway/dtls/handshake_header.hpp"
#include "keyway/dtls/listener.hpp"
#include "keyway/dtls/record.hpp"
#include "keyway/dtls/v13/endpoint.hpp"
#include "keyway/dtls/v13/retry.hpp"
#include "keyway/lib/crypto/ecc.hpp"
#include "tests/dtls/fixture.hpp"
#include "tests/dtls/loss_runs.hpp"
#include "tests/support/dtls13_messages.hpp"
#include "tests/support/listener_client.hpp"

namespace keyway::test {
namespace {

using dtls::v13::Endpoint;
using Bytes13 = std::vector<uint8_t>;

constexpr uint16_t kX25519 = 0x001D, kSecp256r1 = 0x0017, kMlKem = 0x11EC;

bool contains(const Bytes13& d, Bytes pattern) {
  return std::search(d.begin(), d.end(), pattern.begin(), pattern.end()) != d.end();
}
bool is_retry(const Bytes13& d) { return contains(d, Bytes(dtls::v13::kHelloRetryRequestRandom, 32)); }

// The first handshake message body of a plaintext datagram.
Bytes13 first_message(const Bytes13& datagram, uint8_t* type = nullptr, uint16_t* msg_seq = nullptr) {
  ByteReader r(Bytes(datagram.data(), datagram.size()));
  auto rec = dtls::read_record(r);
  REQUIRE(rec.ok());
  ByteReader hr(rec->fragment);
  auto f = dtls::read_handshake_fragment(hr);
  REQUIRE(f.ok());
  if (type) *type = f->type;
  if (msg_seq) *msg_seq = f->msg_seq;
  return {f->body.begin(), f->body.end()};
}

// Two v13 engines, no loss: datagrams go straight across until both are
// done (or one failed). Returns the datagrams each side sent.
struct Run13 {
  std::vector<Bytes13> by_client, by_server;
  bool ok = false;
};
Run13 run13(Endpoint& client, Endpoint& server) {
  Run13 r;
  Timestamp now = Timestamp::from_micros(1000);
  for (int step = 0; step < 50; ++step) {
    for (Bytes13& d : transmits(client, now)) {
      r.by_client.push_back(d);
      (void)server.handle_datagram(now, d);
    }
    for (Bytes13& d : transmits(server, now)) {
      r.by_server.push_back(d);
      (void)client.handle_datagram(now, d);
    }
    if (client.is_established() && server.is_established() && client.flight_acknowledged()) {
      r.ok = true;
      return r;
    }
    if (client.state() == dtls::v13::State::failed || server.state() == dtls::v13::State::failed) return r;
    now = now + Duration::millis(10);
  }
  return r;
}

std::vector<uint8_t> exporter13(Endpoint& ep) {
  std::vector<uint8_t> out(60);
  REQUIRE(ep.export_keying_material("EXTRACTOR-dtls_srtp", out).ok());
  return out;
}

// A browser-shaped ClientHello body (RFC 8446 §4.1.2): GREASE suite, group
// and extension, X25519MLKEM768 (0x11EC, 1216 bytes) first, schemes keyway
// does not speak, record_size_limit. `shares` lists the groups to send a
// share for (x25519 gets a real key; others random bytes of their size).
Bytes13 browser_hello(Rng& rng, crypto::EcdhKeyPair& x25519, std::initializer_list<uint16_t> shares,
                      std::initializer_list<uint16_t> groups) {
  Bytes13 body(4096);
  ByteWriter w(body);
  w.write_u16(0xFEFD);
  uint8_t random[32];
  rng.fill(random);
  w.write_bytes(Bytes(random, 32));
  w.write_u8(0);  // session id
  w.write_u8(0);  // legacy cookie
  auto suites = w.begin_prefixed16();
  for (uint16_t s : {0x0A0A, 0x1301, 0x1303, 0x1302, 0xC02B, 0xC02F}) w.write_u16(s);
  w.end_prefixed(suites);
  w.write_u8(1);
  w.write_u8(0);
  auto ext = w.begin_prefixed16();
  auto extension = [&](uint16_t type, auto&& body_fn) {
    w.write_u16(type);
    auto b = w.begin_prefixed16();
    body_fn();
    w.end_prefixed(b);
  };
  extension(0x1A1A, [] {});                                   // GREASE
  extension(0xFF01, [&] { w.write_u8(0); });                   // renegotiation_info
  extension(0x000A, [&] {                                     // supported_groups
    auto l = w.begin_prefixed16();
    for (uint16_t g : groups) w.write_u16(g);
    w.end_prefixed(l);
  });
  extension(0x002B, [&] {                                     // supported_versions
    auto l = w.begin_prefixed8();
    for (uint16_t v : {0x3A3A, 0xFEFC, 0xFEFD}) w.write_u16(v);
    w.end_prefixed(l);
  });
  extension(0x000D, [&] {                                     // signature_algorithms
    auto l = w.begin_prefixed16();
    for (uint16_t s : {0x0807, 0x0403, 0x0804, 0x0401, 0x0503}) w.write_u16(s);
    w.end_prefixed(l);
  });
  extension(0x000E, [&] {                                     // use_srtp
    auto l = w.begin_prefixed16();
    w.write_u16(0x0007);
    w.write_u16(0x0001);
    w.end_prefixed(l);
    w.write_u8(0);
  });
  extension(0x001C, [&] { w.write_u16(0x4001); });             // record_size_limit
  extension(0x0033, [&] {                                     // key_share
    auto l = w.begin_prefixed16();
    for (uint16_t g : shares) {
      w.write_u16(g);
      auto kx = w.begin_prefixed16();
      if (g == kX25519) {
        w.write_bytes(x25519.public_key());
      } else {
        std::vector<uint8_t> junk(g == kMlKem ? 1216 : 65);
        rng.fill(junk);
        if (g == kSecp256r1) junk[0] = 4;
        w.write_bytes(junk);
      }
      w.end_prefixed(kx);
    }
    w.end_prefixed(l);
  });
  w.end_prefixed(ext);
  REQUIRE(!w.failed());
  body.resize(w.size());
  return body;
}

}  // namespace

// The Firefox shape: X25519MLKEM768 first, x25519 second, plus things keyway
// does not know. The server answers x25519 at once: no HelloRetryRequest.
TEST_CASE("dtls13 retry: X25519MLKEM768 + x25519 shares get x25519 and no HelloRetryRequest; unknown things are skipped") {
  Fixture f;
  SeededRng rng(5);
  crypto::EcdhKeyPair kp;
  REQUIRE(kp.generate(crypto::NamedGroup::x25519, rng).ok());
  Endpoint server(f.server);
  const Bytes13 body = browser_hello(rng, kp, {kMlKem, kX25519}, {0x2A2A, kMlKem, kX25519, kSecp256r1, 0x0018, 0x0100});
  Bytes13 d = hello_record(1, body);
  CHECK(server.handle_datagram(Timestamp::from_micros(1), d) == Verdict::accepted);
  CHECK(server.state() == dtls::v13::State::server_wait_certificate);
  CHECK_FALSE(server.hello_retried());
  auto out = transmits(server, Timestamp::from_micros(1));
  REQUIRE(!out.empty());
  uint8_t type = 0;
  const Bytes13 sh_body = first_message(out[0], &type);
  auto sh = dtls::v13::parse_server_hello(sh_body);
  REQUIRE(type == 2);
  REQUIRE(sh.ok());
  CHECK_FALSE(dtls::v13::is_hello_retry_request(sh->random));
  auto share = dtls::v13::read_server_key_share(sh->key_share);
  REQUIRE(share.ok());
  CHECK(share->group == crypto::NamedGroup::x25519);
  CHECK(sh->cipher_suite == 0x1301);
  MESSAGE("browser-shaped ClientHello " << d.size() << " B answered with ServerHello, no HRR");
}

TEST_CASE("dtls13 retry: only unsupported shares -> HelloRetryRequest naming a group from supported_groups") {
  Fixture f;
  SeededRng rng(6);
  crypto::EcdhKeyPair kp;
  REQUIRE(kp.generate(crypto::NamedGroup::x25519, rng).ok());
  SUBCASE("X25519MLKEM768 share only; secp256r1 in supported_groups") {
    Endpoint server(f.server);
    Bytes13 d = hello_record(1, browser_hello(rng, kp, {kMlKem}, {kMlKem, 0x0018, kSecp256r1}));
    CHECK(server.handle_datagram(Timestamp::from_micros(1), d) == Verdict::accepted);
    CHECK(server.hello_retried());
    CHECK(server.state() == dtls::v13::State::server_wait_client_hello);
    auto out = transmits(server, Timestamp::from_micros(1));
    REQUIRE(out.size() == 1);
    uint8_t type = 0;
    uint16_t seq = 9;
    const Bytes13 hrr_body = first_message(out[0], &type, &seq);
    auto hrr = dtls::v13::parse_server_hello(hrr_body);
    REQUIRE(hrr.ok());
    CHECK(type == 2);
    CHECK(seq == 0);
    CHECK(dtls::v13::is_hello_retry_request(hrr->random));
    REQUIRE(hrr->has_key_share);
    auto group = dtls::v13::read_hrr_selected_group(hrr->key_share);
    REQUIRE(group.ok());
    CHECK(*group == crypto::NamedGroup::secp256r1);
    CHECK_FALSE(hrr->has_retry_cookie);  // a stateful server needs none
    // No timer for the request: a repeated ClientHello1 draws it again.
    dtls::Output o = server.poll_output(Timestamp::from_micros(1), MutableBytes());
    CHECK(o.kind == dtls::Output::Kind::timeout);
    CHECK(o.deadline.is_never());
  }
  SUBCASE("no group keyway speaks anywhere: handshake_failure, never a crash") {
    Endpoint server(f.server);
    Bytes13 d = hello_record(1, browser_hello(rng, kp, {kMlKem}, {kMlKem, 0x0018, 0x0100}));
    (void)server.handle_datagram(Timestamp::from_micros(1), d);
    CHECK(server.state() == dtls::v13::State::failed);
  }
}

// Keyway against keyway, the v13 engines: a server allowing secp256r1 only
// (Config.groups) asks the client, whose share is x25519, for another.
TEST_CASE("dtls13 retry: both v13 roles complete through a HelloRetryRequest; transcripts agree (message_hash)") {
  Fixture f;
  f.server.groups.push(kSecp256r1);
  Endpoint client(f.client), server(f.server);
  client.set_remote_fingerprint(dtls::fingerprint(dtls::FingerprintHash::sha256, f.server_id.certificate_der()));
  server.set_remote_fingerprint(dtls::fingerprint(dtls::FingerprintHash::sha256, f.client_id.certificate_der()));
  Run13 r = run13(client, server);
  REQUIRE(r.ok);
  CHECK(client.hello_retried());
  CHECK(server.hello_retried());
  REQUIRE(r.by_server.size() >= 2);
  CHECK(is_retry(r.by_server[0]));
  // ClientHello2 is message 1, the ServerHello too (RFC 9147 §5.2).
  uint16_t seq = 0;
  (void)first_message(r.by_client[1], nullptr, &seq);
  CHECK(seq == 1);
  (void)first_message(r.by_server[1], nullptr, &seq);
  CHECK(seq == 1);
  CHECK(exporter13(client) == exporter13(server));
}

TEST_CASE("dtls13 retry: the client refuses a second HelloRetryRequest and one that changes nothing") {
  Fixture f;
  SUBCASE("second HelloRetryRequest: unexpected_message") {
    Endpoint client(f.client);
    auto ch1 = transmits(client, Timestamp::from_micros(1));
    REQUIRE(ch1.size() == 1);
    const Bytes13 hrr_body = retry_request_body(crypto::NamedGroup::secp256r1);
    Bytes13 d1 = hello_record(2, hrr_body, 0, 0);
    CHECK(client.handle_datagram(Timestamp::from_micros(2), d1) == Verdict::accepted);
    CHECK(client.hello_retried());
    auto ch2 = transmits(client, Timestamp::from_micros(2));
    REQUIRE(ch2.size() == 1);
    // ClientHello2: same random, a secp256r1 share now.
    const Bytes13 ch1_body = first_message(ch1[0]);
    auto parsed1 = dtls::v13::parse_client_hello(ch1_body);
    const Bytes13 ch2_body = first_message(ch2[0]);
    auto parsed2 = dtls::v13::parse_client_hello(ch2_body);
    REQUIRE(parsed2.ok());
    CHECK(std::equal(parsed1->random.begin(), parsed1->random.end(), parsed2->random.begin()));
    CHECK(parsed2->key_shares.has_secp256r1);
    CHECK_FALSE(parsed2->key_shares.has_x25519);
    Bytes13 d2 = hello_record(2, hrr_body, 1, 1);
    CHECK(client.handle_datagram(Timestamp::from_micros(3), d2) == Verdict::fatal);
    CHECK(client.state() == dtls::v13::State::failed);
  }
  SUBCASE("a HelloRetryRequest selecting the group already sent: illegal_parameter") {
    Endpoint client(f.client);
    (void)transmits(client, Timestamp::from_micros(1));
    const Bytes13 hrr_body = retry_request_body(crypto::NamedGroup::x25519);
    // Unauthenticated, so the first copy may be a damaged one: set aside
    // (dtls/v13/peer_flight.cpp); the same request again is the server's word.
    Bytes13 d = hello_record(2, hrr_body);
    CHECK(client.handle_datagram(Timestamp::from_micros(2), d) != Verdict::fatal);
    CHECK(client.stats().flights_discarded == 1);
    Bytes13 again = hello_record(2, hrr_body);
    CHECK(client.handle_datagram(Timestamp::from_micros(3), again) == Verdict::fatal);
  }
}

// dtls::Endpoint (the 1.2 engine writes the ClientHello, offering 1.3 and
// 1.2) meets a 1.3 server that wants another group: the 1.3 engine answers
// the HelloRetryRequest from the 1.2 engine's ClientHello.
TEST_CASE("dtls13 retry: negotiating dtls::Endpoints complete through a HelloRetryRequest; negotiated_suite is the 1.3 suite") {
  Fixture f;
  f.client.offer_dtls13 = f.server.offer_dtls13 = true;
  f.server.cookie_exchange = false;
  f.server.groups.push(kSecp256r1);
  Pair p(f.client, f.server);
  p.run();
  check_completed(p);
  CHECK(p.client().ep->version() == dtls::v13::kVersionDtls13);
  CHECK(p.server().ep->version() == dtls::v13::kVersionDtls13);
  REQUIRE(!p.server().sent.empty());
  CHECK(is_retry(p.server().sent[0]));
  // No loss: ClientHello2 went once. The 1.3 engine reads the datagram that
  // handed it over again (negotiation), and took the request as a repeat:
  // ClientHello2 went twice, counted as a retransmission, before the fix.
  CHECK(p.client().ep->stats().retransmissions == 0);
  CHECK(p.server().ep->stats().retransmissions == 0);
  MESSAGE("negotiated 1.3 through a HelloRetryRequest: client sent " << p.client().sent.size()
                                                                      << " datagrams, server " << p.server().sent.size());
  for (Side* s : {&p.client(), &p.server()}) {
    REQUIRE(s->ep->negotiated_suite() != nullptr);
    CHECK(std::string(s->ep->negotiated_suite()->iana_name) == "TLS_AES_128_GCM_SHA256");
  }
}

// Loss around the request: ClientHello1, the request and ClientHello2 can
// each be lost; a repeated ClientHello1 draws the request again, ClientHello2
// goes again on the client's timer. Also with duplicates and reordering.
// Before the fix 4 of 20 runs failed: a repeated ClientHello2 (message_seq
// 1) counted as the client's next flight, acknowledged the server's flight
// implicitly, and the lost ServerHello was never sent again.
TEST_CASE("dtls13 retry: through 10% loss, duplicates and reordering every run completes (fixed seeds)") {
  constexpr int kRuns = 20;
  sim::LinkConfig link;
  link.loss = 0.10;
  link.duplicate = 0.05;
  link.reorder = 0.05;
  LossRuns r = dtls13_through_loss(kRuns, link, [](Fixture& f) { f.server.groups.push(kSecp256r1); });
  MESSAGE("dtls13 retry at 10% loss: " << r.completed << "/" << kRuns << " completed");
  CHECK(r.completed == kRuns);
}

TEST_CASE("dtls13: negotiated_suite() names the 1.3 suite, not null (issue 18)") {
  Fixture f;
  f.client.offer_dtls13 = f.server.offer_dtls13 = true;
  f.server.cookie_exchange = false;
  Pair p(f.client, f.server);
  p.run();
  check_completed(p);
  REQUIRE(p.client().ep->negotiated_suite() != nullptr);
  CHECK(static_cast<uint16_t>(p.client().ep->negotiated_suite()->suite) == 0x1301);
  CHECK(std::string(p.server().ep->negotiated_suite()->iana_name) == "TLS_AES_128_GCM_SHA256");
}

// ---- dtls::Listener: the stateless cookie in a HelloRetryRequest ----

namespace {

// A client on the Listener (tests/support/listener_client.hpp) until it is established.
struct ListenerRun : ListenerClient {
  Datagrams replies;  // the Listener's stateless replies
  ListenerRun(const dtls::Config& c, std::vector<uint8_t> addr) : ListenerClient(c, std::move(addr)) {
    keep_replies = &replies;
  }
  bool run(dtls::Listener& l) {
    Timestamp now = Timestamp::from_micros(1000000);
    for (int r = 0; r < 8 && !ep.is_established(); ++r) {
      round(l, now);
      now = now + Duration::millis(10);
    }
    return ep.is_established();
  }
};

dtls::ListenerConfig listener_config(Fixture& f) { return listener13_config(f.server); }

void expect_same_keys(dtls::Endpoint& a, dtls::Endpoint& b) {
  (void)a.accept_peer_certificate(a.peer_certificate());
  (void)b.accept_peer_certificate(b.peer_certificate());
  CHECK(exporter(a) == exporter(b));
}

const std::vector<uint8_t> kAddrA = {127, 0, 0, 1, 0x13, 0x88};
const std::vector<uint8_t> kAddrB = {127, 0, 0, 2, 0x13, 0x88};

}  // namespace

TEST_CASE("dtls13 listener: a 1.3 client gets a HelloRetryRequest with a cookie, then a 1.3 association") {
  Fixture f;
  f.client.offer_dtls13 = true;
  SUBCASE("the client's x25519 share is fine: the request carries only the cookie") {}
  SUBCASE("the server allows secp256r1 only: the request names it as well") { f.server.groups.push(kSecp256r1); }
  dtls::Listener l(listener_config(f));
  ListenerRun c(f.client, kAddrA);
  REQUIRE(c.run(l));
  CHECK(c.ep.version() == dtls::v13::kVersionDtls13);
  CHECK(l.stats().hello_retry_sent == 1);
  CHECK(l.stats().hello_verify_sent == 0);
  CHECK(l.stats().endpoints_created == 1);
  CHECK(l.stats().bad_cookies == 0);
  REQUIRE(c.replies.size() == 1);
  CHECK(is_retry(c.replies[0]));
  dtls::Endpoint* server = association(l, kAddrA);
  REQUIRE(server != nullptr);
  CHECK(server->version() == dtls::v13::kVersionDtls13);
  CHECK(std::string(server->negotiated_suite()->iana_name) == "TLS_AES_128_GCM_SHA256");
  expect_same_keys(c.ep, *server);
  // Amplification: the stateless reply is smaller than the hello it answers.
  CHECK(c.replies[0].size() < c.sent[0].size());
  fmt::print("dtls13 listener hello_retry bytes={} client_hello bytes={} groups={}\n", c.replies[0].size(),
             c.sent[0].size(), f.server.groups.count == 0 ? "any" : "secp256r1");
}

TEST_CASE("dtls13 listener: forged, replayed-elsewhere and stale cookies are dropped, nothing is kept") {
  Fixture f;
  f.client.offer_dtls13 = true;
  dtls::Listener l(listener_config(f));
  dtls::Endpoint client(f.client);
  uint8_t scratch[2048], reply[2048];
  const Timestamp now = Timestamp::from_micros(1000);
  dtls::Output o = client.poll_output(now, scratch);
  REQUIRE(o.kind == dtls::Output::Kind::transmit);
  Bytes13 ch1(o.transmit.begin(), o.transmit.end());
  Bytes13 copy = ch1;
  dtls::Dispatch d = l.handle_datagram(now, kAddrA, copy, reply);
  REQUIRE(d.kind == dtls::Dispatch::Kind::hello_verify);
  Bytes13 hrr(d.transmit.begin(), d.transmit.end());
  REQUIRE(client.handle_datagram(now, hrr) == Verdict::accepted);
  o = client.poll_output(now, scratch);
  REQUIRE(o.kind == dtls::Output::Kind::transmit);
  const Bytes13 ch2(o.transmit.begin(), o.transmit.end());
  const Bytes13 ch2_body = first_message(ch2);
  auto body = dtls::v13::parse_client_hello(ch2_body);
  REQUIRE(body.ok());
  REQUIRE(body->has_retry_cookie);
  // The cookie's last byte, inside the datagram.
  const std::size_t at = static_cast<std::size_t>(body->retry_cookie.data() + body->retry_cookie.size() - 1 -
                                                  ch2_body.data()) +
                         dtls::kRecordHeaderSize + dtls::kHandshakeHeaderSize;
  SUBCASE("a flipped bit in the cookie") {
    Bytes13 forged = ch2;
    forged[at] ^= 1;
    CHECK(l.handle_datagram(now, kAddrA, forged, reply).kind == dtls::Dispatch::Kind::dropped);
    CHECK(l.stats().bad_cookies == 1);
  }
  SUBCASE("the right cookie from another address (spoofed)") {
    Bytes13 spoofed = ch2;
    CHECK(l.handle_datagram(now, kAddrB, spoofed, reply).kind == dtls::Dispatch::Kind::dropped);
    CHECK(l.stats().bad_cookies == 1);
  }
  SUBCASE("a cookie of another Listener (another secret)") {
    SeededRng other_rng(777);
    dtls::ListenerConfig lc = listener_config(f);
    lc.server.rng = &other_rng;
    dtls::Listener other(lc);
    Bytes13 moved = ch2;
    CHECK(other.handle_datagram(now, kAddrA, moved, reply).kind == dtls::Dispatch::Kind::dropped);
    CHECK(other.stats().bad_cookies == 1);
    CHECK(other.active() == 0);
  }
  CHECK(l.stats().endpoints_created == 0);
  CHECK(l.active() == 0);
  // The genuine ClientHello2 still works.
  Bytes13 genuine = ch2;
  d = l.handle_datagram(now, kAddrA, genuine, reply);
  CHECK(d.kind == dtls::Dispatch::Kind::endpoint);
  CHECK(l.stats().endpoints_created == 1);
}

// Trust at the joints: an unauthenticated hello never draws a reply larger
// than itself. A minimal 1.3 ClientHello (one suite, no share) is smaller
// than the HelloRetryRequest it would need: no answer.
TEST_CASE("dtls13 listener: a ClientHello smaller than its HelloRetryRequest gets no reply") {
  Fixture f;
  dtls::Listener l(listener_config(f));
  uint8_t random[32] = {1};
  const uint16_t suites[] = {0x1301};
  const uint16_t groups[] = {kX25519};
  const uint16_t schemes[] = {0x0403};
  const Bytes13 body = client_hello_body({.random = Bytes(random, sizeof random),
                                          .cipher_suites = suites,
                                          .versions = dtls::v13::OfferedVersions{true, false},
                                          .groups = groups,
                                          .signature_algorithms = schemes},
                                         512);
  Bytes13 d = hello_record(1, body);
  uint8_t reply[2048];
  const std::size_t hello_size = d.size();
  CHECK(l.handle_datagram(Timestamp::from_micros(1), kAddrA, d, reply).kind == dtls::Dispatch::Kind::dropped);
  CHECK(l.stats().hello_retry_sent == 0);
  CHECK(l.stats().dropped == 1);
  CHECK(l.active() == 0);
  MESSAGE("a " << hello_size << " B 1.3 ClientHello with no share is not answered");
}

TEST_CASE("dtls13 listener: a 1.2-only client still gets HelloVerifyRequest and completes in 1.2") {
  Fixture f;  // the client does not offer 1.3
  dtls::Listener l(listener_config(f));
  ListenerRun c(f.client, kAddrA);
  REQUIRE(c.run(l));
  CHECK(c.ep.version() == dtls::kVersionDtls12);
  CHECK(l.stats().hello_verify_sent == 1);
  CHECK(l.stats().hello_retry_sent == 0);
  dtls::Endpoint* server = association(l, kAddrA);
  REQUIRE(server != nullptr);
  CHECK(server->version() == dtls::kVersionDtls12);
  expect_same_keys(c.ep, *server);
}

TEST_CASE("dtls13 listener: a 1.3 and a 1.2 client side by side") {
  Fixture f;
  dtls::Listener l(listener_config(f));
  dtls::Config c13 = f.client;
  c13.offer_dtls13 = true;
  SeededRng rng12(31);
  dtls::Config c12 = f.client;
  c12.rng = &rng12;
  ListenerRun a(c13, kAddrA), b(c12, kAddrB);
  Timestamp now = Timestamp::from_micros(1000000);
  for (int r = 0; r < 8 && !(a.ep.is_established() && b.ep.is_established()); ++r) {
    a.round(l, now);
    b.round(l, now);
    now = now + Duration::millis(10);
  }
  REQUIRE(a.ep.is_established());
  REQUIRE(b.ep.is_established());
  CHECK(a.ep.version() == dtls::v13::kVersionDtls13);
  CHECK(b.ep.version() == dtls::kVersionDtls12);
  CHECK(l.stats().hello_retry_sent == 1);
  CHECK(l.stats().hello_verify_sent == 1);
}


// The stateless path under loss: a lost request is asked for again by the
// client's repeated ClientHello1 (the same cookie comes back), a lost
// ClientHello2 goes again on the client's timer and still creates the
// association, a repeated one reaches the association it created.
TEST_CASE("dtls13 listener: through 10% loss every run completes (fixed seeds)") {
  int completed = 0;
  constexpr int kRuns = 20;
  for (uint64_t seed = 1; seed <= kRuns; ++seed) {
    Fixture f;
    f.client.offer_dtls13 = true;
    f.client.initial_timeout = f.server.initial_timeout = Duration::millis(200);
    dtls::Listener l(listener_config(f));
    dtls::Endpoint client(f.client);
    SeededRng link(seed);
    auto lost = [&] { return link.uniform(100) < 10; };
    Timestamp now = Timestamp::from_micros(1000000);
    uint8_t scratch[2048], reply[2048];
    for (int step = 0; step < 2000 && !(client.is_established() && association(l, kAddrA) &&
                                        association(l, kAddrA)->is_established());
         ++step) {
      Timestamp next = Timestamp::never();
      for (int g = 0; g < 64; ++g) {
        dtls::Output o = client.poll_output(now, scratch);
        if (o.kind == dtls::Output::Kind::timeout) {
          next = o.deadline;
          break;
        }
        if (o.kind != dtls::Output::Kind::transmit || lost()) continue;
        Bytes13 d(o.transmit.begin(), o.transmit.end());
        dtls::Dispatch r = l.handle_datagram(now, kAddrA, d, reply);
        if (r.kind == dtls::Dispatch::Kind::hello_verify && !lost()) {
          Bytes13 back(r.transmit.begin(), r.transmit.end());
          (void)client.handle_datagram(now, back);
        }
      }
      if (dtls::Endpoint* server = association(l, kAddrA)) {
        for (int g = 0; g < 64; ++g) {
          dtls::Output o = server->poll_output(now, reply);
          if (o.kind == dtls::Output::Kind::timeout) {
            if (o.deadline < next) next = o.deadline;
            break;
          }
          if (o.kind != dtls::Output::Kind::transmit || lost()) continue;
          Bytes13 back(o.transmit.begin(), o.transmit.end());
          (void)client.handle_datagram(now, back);
        }
      }
      if (next.is_never()) break;
      if (next > now) now = next;
      client.handle_timeout(now);
      if (dtls::Endpoint* server = association(l, kAddrA)) server->handle_timeout(now);
    }
    dtls::Endpoint* server = association(l, kAddrA);
    if (client.is_established() && server != nullptr && server->is_established()) {
      ++completed;
      CHECK(client.version() == dtls::v13::kVersionDtls13);
      expect_same_keys(client, *server);
      CHECK(l.stats().endpoints_created == 1);
    } else {
      MESSAGE("seed " << seed << ": client " << std::string(client.stats().retransmissions ? "retransmitted" : "-"));
    }
  }
  MESSAGE("dtls13 listener at 10% loss: " << completed << "/" << kRuns << " completed");
  CHECK(completed == kRuns);
}


// Issue 18: the 1.3 cookie comes from the Listener's rotating secret too
// (RFC 9147 §5.1, RFC 6347 §4.2.1): a ClientHello2 whose cookie was made
// under the previous secret creates the association, which completes (the
// Endpoint reads the cookie again with that secret); one made two secrets
// ago is dropped. Before, the secret never changed.
TEST_CASE("dtls13 listener: cookies of the previous secret pass and complete; older ones are dropped") {
  Fixture f;
  f.client.offer_dtls13 = true;
  dtls::ListenerConfig lc = listener_config(f);
  lc.cookie_secret_period = Duration::seconds(30);
  dtls::Listener l(lc);
  dtls::Endpoint client(f.client);
  uint8_t scratch[2048], reply[2048];
  const Timestamp t0 = Timestamp::from_micros(1000000);
  dtls::Output o = client.poll_output(t0, scratch);
  REQUIRE(o.kind == dtls::Output::Kind::transmit);
  Bytes13 ch1(o.transmit.begin(), o.transmit.end());
  dtls::Dispatch d = l.handle_datagram(t0, kAddrA, ch1, reply);
  REQUIRE(d.kind == dtls::Dispatch::Kind::hello_verify);
  Bytes13 hrr(d.transmit.begin(), d.transmit.end());
  REQUIRE(client.handle_datagram(t0, hrr) == Verdict::accepted);
  o = client.poll_output(t0, scratch);
  REQUIRE(o.kind == dtls::Output::Kind::transmit);
  const Bytes13 ch2(o.transmit.begin(), o.transmit.end());
  SUBCASE("one change later: accepted, and the handshake completes") {
    Timestamp now = t0 + Duration::seconds(31);
    Bytes13 copy = ch2;
    d = l.handle_datagram(now, kAddrA, copy, reply);
    REQUIRE(d.kind == dtls::Dispatch::Kind::endpoint);
    CHECK(l.stats().cookie_secret_changes == 1);
    dtls::Endpoint* server = association(l, kAddrA);
    REQUIRE(server != nullptr);
    auto pump = [&](dtls::Endpoint& from, auto&& deliver) {
      uint8_t buf[2048];
      for (int i = 0; i < 64; ++i) {
        dtls::Output out = from.poll_output(now, buf);
        if (out.kind == dtls::Output::Kind::timeout) break;
        if (out.kind != dtls::Output::Kind::transmit) continue;
        Bytes13 datagram(out.transmit.begin(), out.transmit.end());
        deliver(datagram);
      }
    };
    for (int round = 0; round < 8 && !(client.is_established() && server->is_established()); ++round) {
      pump(*server, [&](Bytes13& dg) { (void)client.handle_datagram(now, dg); });
      pump(client, [&](Bytes13& dg) { (void)l.handle_datagram(now, kAddrA, dg, reply); });
      now = now + Duration::millis(10);
    }
    CHECK(client.is_established());
    CHECK(server->is_established());
    CHECK(server->version() == dtls::v13::kVersionDtls13);
    expect_same_keys(client, *server);
  }
  SUBCASE("two changes later: dropped, nothing kept") {
    Bytes13 other = ch1;
    (void)l.handle_datagram(t0 + Duration::seconds(31), kAddrB, other, reply);
    Bytes13 copy = ch2;
    CHECK(l.handle_datagram(t0 + Duration::seconds(62), kAddrA, copy, reply).kind == dtls::Dispatch::Kind::dropped);
    CHECK(l.stats().cookie_secret_changes == 2);
    CHECK(l.stats().bad_cookies == 1);
    CHECK(l.active() == 0);
  }
}


// ---- fragmented ClientHellos at the Listener (issue 18, dtls/hello_pool.hpp) ----
//
// The Listener dropped every ClientHello that came in more than one record
// ("a cookie can only be checked on a whole hello"); browsers' 1.4-1.5 KB
// 1.3 hellos are fragmented at small MTUs, so they never got an answer.
// Both tests below failed before: no HelloRetryRequest, no association.

namespace {
// `datagram` (one plaintext record, one whole handshake message) cut into
// `parts` datagrams of one record each, holding consecutive fragments.
std::vector<Bytes13> fragmented(const Bytes13& datagram, std::size_t parts) {
  ByteReader r(Bytes(datagram.data(), datagram.size()));
  auto rec = dtls::read_record(r);
  REQUIRE(rec.ok());
  ByteReader hr(rec->fragment);
  auto f = dtls::read_handshake_fragment(hr);
  REQUIRE(f.ok());
  std::vector<Bytes13> out;
  const std::size_t step = (f->body.size() + parts - 1) / parts;
  for (std::size_t off = 0, i = 0; off < f->body.size(); off += step, ++i) {
    const std::size_t n = std::min(step, f->body.size() - off);
    Bytes13 msg(dtls::kHandshakeHeaderSize + n);
    ByteWriter m(msg);
    dtls::write_handshake_header(m, f->type, f->length, f->msg_seq, static_cast<uint32_t>(off), static_cast<uint32_t>(n));
    m.write_bytes(f->body.subspan(off, n));
    Bytes13 d(dtls::kRecordHeaderSize + msg.size());
    ByteWriter w(d);
    dtls::write_plain_record(w, dtls::ContentType::handshake, dtls::kVersionDtls12, rec->seq + i, msg);
    out.push_back(std::move(d));
  }
  return out;
}
bool is_client_hello_record(const Bytes13& d) {
  return d.size() > dtls::kRecordHeaderSize && d[0] == static_cast<uint8_t>(dtls::ContentType::handshake) &&
         d[dtls::kRecordHeaderSize] == 1;
}
}  // namespace

TEST_CASE("dtls13 listener: a ClientHello fragmented into 3 records gets its HelloRetryRequest, and the handshake completes") {
  Fixture f;
  f.client.offer_dtls13 = true;
  dtls::Listener l(listener_config(f));
  dtls::Endpoint client(f.client);
  uint8_t reply[2048];
  Timestamp now = Timestamp::from_micros(1000000);
  std::size_t hello_records = 0, retries = 0;
  dtls::Endpoint* server = nullptr;
  for (int round = 0; round < 16 && !(client.is_established() && server && server->is_established()); ++round) {
    uint8_t buf[2048];
    for (int i = 0; i < 64; ++i) {
      dtls::Output o = client.poll_output(now, buf);
      if (o.kind == dtls::Output::Kind::timeout) break;
      if (o.kind != dtls::Output::Kind::transmit) continue;
      Bytes13 d(o.transmit.begin(), o.transmit.end());
      // Both ClientHellos (the first and the one with the cookie) go in 3 records.
      std::vector<Bytes13> pieces = is_client_hello_record(d) ? fragmented(d, 3) : std::vector<Bytes13>{d};
      hello_records += is_client_hello_record(d) ? pieces.size() : 0;
      for (Bytes13& piece : pieces) {
        dtls::Dispatch r = l.handle_datagram(now, kAddrA, piece, reply);
        if (r.kind == dtls::Dispatch::Kind::hello_verify) {
          ++retries;
          CHECK(is_retry(Bytes13(r.transmit.begin(), r.transmit.end())));
          Bytes13 back(r.transmit.begin(), r.transmit.end());
          (void)client.handle_datagram(now, back);
        }
      }
    }
    server = association(l, kAddrA);
    if (server != nullptr) {
      for (int i = 0; i < 64; ++i) {
        dtls::Output o = server->poll_output(now, buf);
        if (o.kind == dtls::Output::Kind::timeout) break;
        if (o.kind != dtls::Output::Kind::transmit) continue;
        Bytes13 back(o.transmit.begin(), o.transmit.end());
        (void)client.handle_datagram(now, back);
      }
    }
    now = now + Duration::millis(10);
  }
  REQUIRE(server != nullptr);
  CHECK(client.is_established());
  CHECK(server->is_established());
  CHECK(server->version() == dtls::v13::kVersionDtls13);
  expect_same_keys(client, *server);
  CHECK(retries == 1);
  CHECK(hello_records == 6);
  CHECK(l.stats().hellos_reassembled == 2);  // ClientHello1, then ClientHello2 with its cookie
  CHECK(l.stats().endpoints_created == 1);
}

TEST_CASE("dtls13 listener: a browser-sized fragmented ClientHello (X25519MLKEM768) gets a HelloRetryRequest no larger than it") {
  Fixture f;
  dtls::Listener l(listener_config(f));
  SeededRng rng(5);
  crypto::EcdhKeyPair x25519;
  REQUIRE(x25519.generate(crypto::NamedGroup::x25519, rng).ok());
  const Bytes13 body = browser_hello(rng, x25519, {kMlKem, kX25519}, {kMlKem, kX25519, kSecp256r1});
  const Bytes13 whole = hello_record(1, body);
  std::vector<Bytes13> pieces = fragmented(whole, 3);
  REQUIRE(pieces.size() == 3);
  uint8_t reply[2048];
  std::size_t sent = 0;
  dtls::Dispatch d;
  // Out of order: the last piece first.
  for (std::size_t i : {std::size_t{2}, std::size_t{0}, std::size_t{1}}) {
    sent += pieces[i].size();
    d = l.handle_datagram(Timestamp::from_micros(1), kAddrA, pieces[i], reply);
    if (i != 1) CHECK(d.kind == dtls::Dispatch::Kind::dropped);  // held, nothing to send yet
  }
  REQUIRE(d.kind == dtls::Dispatch::Kind::hello_verify);
  CHECK(is_retry(Bytes13(d.transmit.begin(), d.transmit.end())));
  CHECK(d.transmit.size() < sent);
  CHECK(l.stats().hello_fragments_held == 2);  // the third made it whole
  CHECK(l.stats().hellos_reassembled == 1);
  CHECK(l.active() == 0);  // still nothing kept but the pool
  MESSAGE("browser-shaped hello " << body.size() << " B in 3 records (" << sent << " B): HelloRetryRequest "
                                  << d.transmit.size() << " B; pool " << l.hello_pool_bytes() << " B");
}


// Issue 18 (robustness pass): keyway's 1.3 client had met a HelloRetryRequest
// cookie only from its own dtls::Listener (68 or 84 bytes). RFC 8446 §4.2.2
// lets a server put any opaque cookie<1..2^16-1> there and requires it back
// byte for byte in ClientHello2. Requests built by hand, cookie only (no
// key_share: the server accepts the share, it wants the address proved),
// cookies of 1, 255, 256 and 700 bytes with every byte different from its
// neighbours; ClientHello2 must carry exactly that cookie once, and
// nothing else of ClientHello1 may change but the cookie (RFC 8446 §4.1.2).
// Both clients: the 1.3 engine alone, and dtls::Endpoint offering 1.3 and
// 1.2 (what peer::Connection runs), whose 1.2 engine writes ClientHello1.
template <typename Client>
std::vector<Bytes13> drain_any(Client& ep, Timestamp now) {
  std::vector<Bytes13> out;
  uint8_t scratch[1500];
  for (int i = 0; i < 64; ++i) {
    dtls::Output o = ep.poll_output(now, scratch);
    if (o.kind == dtls::Output::Kind::timeout) break;
    if (o.kind == dtls::Output::Kind::transmit) out.emplace_back(o.transmit.begin(), o.transmit.end());
  }
  return out;
}

template <typename Client>
void check_cookie_echo(const dtls::Config& config) {
  for (std::size_t len : {std::size_t{1}, std::size_t{255}, std::size_t{256}, std::size_t{700}}) {
    CAPTURE(len);
    Client client(config);
    auto ch1 = drain_any(client, Timestamp::from_micros(1));
    REQUIRE(ch1.size() == 1);
    Bytes13 cookie(len);
    for (std::size_t i = 0; i < len; ++i) cookie[i] = static_cast<uint8_t>(i * 7 + 3);
    Bytes13 hrr_body(1024);
    ByteWriter w(hrr_body);
    dtls::v13::RetryRequest hrr;
    hrr.cipher_suite = 0x1301;
    hrr.cookie = Bytes(cookie.data(), cookie.size());
    dtls::v13::write_hello_retry_request(w, hrr);
    REQUIRE(!w.failed());
    hrr_body.resize(w.size());
    Bytes13 d = hello_record(2, hrr_body);
    CHECK(client.handle_datagram(Timestamp::from_micros(2), d) == Verdict::accepted);
    auto ch2 = drain_any(client, Timestamp::from_micros(2));
    REQUIRE(!ch2.empty());
    // A long cookie makes ClientHello2 longer than a datagram: its
    // fragments (message_seq 1, RFC 9147 §5.2) are put together here.
    Bytes13 ch2_body;
    std::size_t got = 0;
    for (const Bytes13& d : ch2) {
      ByteReader r(Bytes(d.data(), d.size()));
      while (!r.at_end()) {
        auto rec = dtls::read_record(r);
        REQUIRE(rec.ok());
        ByteReader hr(rec->fragment);
        while (!hr.at_end()) {
          auto frag = dtls::read_handshake_fragment(hr);
          REQUIRE(frag.ok());
          CHECK(frag->type == 1);
          CHECK(frag->msg_seq == 1);
          ch2_body.resize(frag->length);
          REQUIRE(frag->frag_offset + frag->body.size() <= ch2_body.size());
          std::copy(frag->body.begin(), frag->body.end(), ch2_body.begin() + frag->frag_offset);
          got += frag->body.size();
        }
      }
    }
    CHECK(got == ch2_body.size());
    auto parsed2 = dtls::v13::parse_client_hello(ch2_body);
    REQUIRE(parsed2.ok());
    REQUIRE(parsed2->has_retry_cookie);
    CHECK(Bytes13(parsed2->retry_cookie.begin(), parsed2->retry_cookie.end()) == cookie);
    // The same share as before (the server asked for no other group), the same random.
    const Bytes13 ch1_body = first_message(ch1[0]);
    auto parsed1 = dtls::v13::parse_client_hello(ch1_body);
    REQUIRE(parsed1.ok());
    CHECK(Bytes13(parsed1->random.begin(), parsed1->random.end()) ==
          Bytes13(parsed2->random.begin(), parsed2->random.end()));
    CHECK(parsed2->key_shares.has_x25519);
    CHECK(client.stats().retransmissions == 0);
  }
}

TEST_CASE("dtls13 retry: the client echoes a hand-built HelloRetryRequest's cookie exactly (1, 255, 256, 700 bytes)") {
  Fixture f;
  SUBCASE("v13::Endpoint") { check_cookie_echo<Endpoint>(f.client); }
  SUBCASE("dtls::Endpoint offering 1.3 and 1.2") {
    f.client.offer_dtls13 = true;
    check_cookie_echo<dtls::Endpoint>(f.client);
  }
}

}  // namespace keyway::test
