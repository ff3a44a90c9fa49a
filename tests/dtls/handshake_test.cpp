// In-process client <-> server handshakes in virtual time (issue 3).
#include <doctest/doctest.h>

#include <cstring>

#include "dtls/endpoint.hpp"
#include "tests/dtls/pair.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using namespace keyway::dtls;
using keyway::test::NetemConfig;
using keyway::test::Pair;

namespace {

constexpr int64_t kUnixNow = 1790000000;

struct Fixture {
  SeededRng client_rng{11};
  SeededRng server_rng{22};
  Identity client_id;
  Identity server_id;
  Config client;
  Config server;

  Fixture() {
    SeededRng id_rng(99);
    REQUIRE(client_id.generate(id_rng, "client", kUnixNow).ok());
    REQUIRE(server_id.generate(id_rng, "server", kUnixNow).ok());
    client.role = Role::client;
    client.identity = &client_id;
    client.rng = &client_rng;
    server.role = Role::server;
    server.identity = &server_id;
    server.rng = &server_rng;
    for (uint16_t p : {uint16_t{0x0007}, uint16_t{0x0001}}) {
      client.srtp_profiles.push(p);
      server.srtp_profiles.push(p);
    }
  }
};

std::vector<uint8_t> exporter(Endpoint& ep, std::size_t len = 60) {
  std::vector<uint8_t> out(len);
  REQUIRE(ep.export_keying_material("EXTRACTOR-dtls_srtp", out).ok());
  return out;
}

void accept_both(Pair& p) {
  p.client().ep->accept_peer_certificate();
  p.server().ep->accept_peer_certificate();
}

void check_completed(Pair& p) {
  REQUIRE_MESSAGE(!p.client().failed, p.client().error.detail);
  REQUIRE_MESSAGE(!p.server().failed, p.server().error.detail);
  REQUIRE(p.client().complete);
  REQUIRE(p.server().complete);
  accept_both(p);
  CHECK(exporter(*p.client().ep) == exporter(*p.server().ep));
}

const Event* find_event(const test::Side& s, EventType t) {
  for (const auto& e : s.events)
    if (e.type == t) return &e;
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
      const Event* done = find_event(p.client(), EventType::handshake_complete);
      REQUIRE(done);
      CHECK(done->srtp_profile == 0x0007);
      CHECK(done->extended_master_secret);
      CHECK(find_event(p.client(), EventType::peer_certificate));
      CHECK(find_event(p.server(), EventType::peer_certificate));
    }
  }
}

TEST_CASE("dtls pair: application data both ways, then close_notify") {
  Fixture f;
  Pair p(f.client, f.server);
  p.run();
  check_completed(p);
  REQUIRE(p.client().ep->send_application_data(test::bytes_of("hello server")).ok());
  REQUIRE(p.server().ep->send_application_data(test::bytes_of("hello client")).ok());
  p.run(Duration::seconds(1), false);
  REQUIRE(p.server().app_data.size() == 1);
  CHECK(std::string(p.server().app_data[0].begin(), p.server().app_data[0].end()) == "hello server");
  REQUIRE(p.client().app_data.size() == 1);
  CHECK(std::string(p.client().app_data[0].begin(), p.client().app_data[0].end()) == "hello client");
  p.client().ep->close();
  p.run(Duration::seconds(1), false);
  CHECK(p.server().ep->state() == HandshakeState::closed);
  CHECK(find_event(p.server(), EventType::closed));
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
    CHECK_FALSE(find_event(p.server(), EventType::handshake_complete)->extended_master_secret);
  }
  {
    Fixture f;
    f.client.offer_extended_master_secret = false;
    f.server.require_extended_master_secret = true;
    Pair p(f.client, f.server);
    p.run();
    CHECK(p.server().failed);
    CHECK(p.client().failed);
    const Event* alert = find_event(p.client(), EventType::alert_received);
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
    NetemConfig net;
    net.loss_percent = 20;
    net.duplicate_percent = 20;
    net.max_delay_ms = 30;
    net.seed = seed;
    f.client.max_retransmits = 12;
    f.server.max_retransmits = 12;
    Pair p(f.client, f.server, net);
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
  REQUIRE(p.client().ep->send_application_data(test::bytes_of("once")).ok());
  std::vector<uint8_t> captured;
  p.tamper = [&](int to, std::vector<uint8_t>& d) {
    if (to == 1 && d[0] == 23) captured = d;
    return true;
  };
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
  const Event* alert = find_event(p.server(), EventType::alert_received);
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
  p.server().ep->accept_peer_certificate();
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
    CHECK(find_event(p.client(), EventType::alert_received)->alert == AlertDescription::handshake_failure);
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
