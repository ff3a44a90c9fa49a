// SPDX-License-Identifier: Apache-2.0
// Unauthenticated input that must leave nothing behind (issue 12): record
// numbers of a ClientHello, a stream of HelloVerifyRequests, and the keys of
// a discarded flight 5.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/dtls/messages.hpp"
#include "tests/dtls/fixture.hpp"
#include "tests/dtls/script.hpp"

using namespace keyway;
using namespace keyway::dtls;
using keyway::test::check_completed;
using keyway::test::Fixture;
using keyway::test::Pair;
using keyway::test::Script;

namespace {

constexpr uint64_t kMaxRecordSeq = (uint64_t{1} << 48) - 1;

uint64_t record_seq(const std::vector<uint8_t>& d) {
  uint64_t seq = 0;
  for (int i = 5; i < 11; ++i) seq = seq << 8 | d[static_cast<std::size_t>(i)];
  return seq;
}

}  // namespace

// Defect 4. The server answered a cookieless ClientHello with a
// HelloVerifyRequest carrying the hello's record number (RFC 6347 §4.2.1),
// and also moved its own epoch-0 write sequence past that number. A hello
// numbered 2^48-1 left no number to write with: every later epoch-0 record
// failed ("outgoing flight exceeds its buffer") and not even an alert went
// out. The stateless reply echoes the number and keeps nothing from it; a
// hello that leaves no room is not followed either (cookies off: the first
// hello is all the server sees).
TEST_CASE("dtls server: a ClientHello numbered 2^48-1 is echoed and changes nothing else") {
  for (bool cookie : {false, true}) {
    CAPTURE(cookie);
    Fixture f;
    f.server.cookie_exchange = cookie;
    Pair p(f.client, f.server);
    int to_server = 0, to_client = 0;
    uint64_t hvr_seq = 0;
    p.tamper = [&](int to, std::vector<uint8_t>& d) {
      if (to == 1 && to_server++ == 0)
        for (std::size_t i = 5; i < 11; ++i) d[i] = 0xFF;  // the first ClientHello: record number 2^48-1
      if (to == 0 && to_client++ == 0) hvr_seq = record_seq(d);
      return true;
    };
    p.run();
    check_completed(p);
    if (cookie) CHECK(hvr_seq == kMaxRecordSeq);
  }
}

// A client answered every HelloVerifyRequest carrying a new cookie with a
// new ClientHello and a fresh retransmission budget, so a peer (or anyone
// who can send it datagrams) that never stops sending fresh cookies kept it
// in wait_server_hello forever. After a few, further HelloVerifyRequests are
// ignored and the budget of the last hello runs out.
TEST_CASE("dtls client: fresh cookies do not renew the retransmission budget forever") {
  Fixture f;
  Endpoint c(f.client);
  Timestamp now = Timestamp::from_micros(1000000);
  uint8_t scratch[2048];
  auto drain = [&] {
    for (int guard = 0; guard < 100; ++guard) {
      Output o = c.poll_output(now, scratch);
      if (o.kind == Output::Kind::timeout) return o.deadline;
    }
    FAIL("poll_output never returned a timeout");
    return Timestamp::never();
  };
  drain();
  int rounds = 0;
  for (; rounds < 200 && c.state() != HandshakeState::failed; ++rounds) {
    uint8_t cookie[8] = {0xC0, 0x0C, 0, 0, 0, 0, static_cast<uint8_t>(rounds >> 8), static_cast<uint8_t>(rounds)};
    std::vector<uint8_t> body(3 + sizeof cookie);
    ByteWriter w(body);
    write_hello_verify_request(w, cookie);
    std::vector<uint8_t> d = test::plain_record(ContentType::handshake, 0, static_cast<uint64_t>(rounds),
                                                test::handshake_message(3, 0, body));
    c.handle_datagram(now, d);
    now = drain();  // one retransmission timeout per fresh cookie
    c.handle_timeout(now);
    drain();
  }
  CHECK(c.state() == HandshakeState::failed);
  CHECK(rounds < 20);
}

// A server that keeps refusing with the same cookie and numbers each
// HelloVerifyRequest as the hello it answers (message_seq 0, 1, 2 ...):
// not fresh cookies, so they reach the reassembler, in order. Past the
// limit they are ignored whatever their number, and the client keeps
// waiting for a ServerHello until its budget runs out (a timeout). The
// order table (dtls/handshake_table.hpp) first counted an ignored request
// as received and took the next one for an unexpected message: fatal
// unexpected_message instead of the timeout.
TEST_CASE("dtls client: HelloVerifyRequests past the limit are ignored, whatever their message_seq") {
  Fixture f;
  Endpoint c(f.client);
  Timestamp now = Timestamp::from_micros(1000000);
  uint8_t scratch[2048];
  Code failure = Code::ok;
  auto drain = [&] {
    for (int guard = 0; guard < 100; ++guard) {
      Output o = c.poll_output(now, scratch);
      if (o.kind == Output::Kind::timeout) return o.deadline;
      if (o.kind == Output::Kind::event && o.event.kind == EventKind::failure) failure = o.event.error.code;
    }
    FAIL("poll_output never returned a timeout");
    return Timestamp::never();
  };
  drain();
  constexpr int kLimit = 4;  // Endpoint::kMaxHelloVerifies
  int rounds = 0;
  for (; rounds < 200 && c.state() != HandshakeState::failed; ++rounds) {
    uint8_t cookie[8] = {0xC0, 0x0C, 0xC0, 0x0C, 0xC0, 0x0C, 0xC0, 0x0C};
    std::vector<uint8_t> body(3 + sizeof cookie);
    ByteWriter w(body);
    write_hello_verify_request(w, cookie);
    std::vector<uint8_t> d = test::plain_record(ContentType::handshake, 0, static_cast<uint64_t>(rounds),
                                                test::handshake_message(3, static_cast<uint16_t>(rounds), body));
    c.handle_datagram(now, d);
    now = drain();
    c.handle_timeout(now);
    drain();
  }
  CHECK(c.state() == HandshakeState::failed);
  CHECK(failure == Code::timeout);
  CHECK(rounds > kLimit + 1);
}

// A flight 5 whose CertificateVerify fails is discarded (RFC 6347
// §4.1.2.7), but its ClientKeyExchange had already installed epoch-1 keys.
// Whoever chose that ClientKeyExchange knows them (here the twin run, which
// holds the same keys): a record he sealed with a number far ahead moved the
// epoch-1 replay window, and the genuine client's Finished (epoch 1, record
// 0) was then "too old": the handshake could never complete. A discarded
// flight now takes its keys, and what they let in, with it.
TEST_CASE("dtls server: keys from a discarded flight 5 are gone with it") {
  test::Identities ids;
  Script twin(ids);
  twin.advance(Script::kSteps);
  Script s(ids);
  s.advance(6);  // the client sent flight 5; the server expects its Certificate
  const auto& flight5 = s.to(1);  // CH, Cert, CKE, CV, CCS, Fin
  uint64_t seq = 100;
  auto send = [&](const test::Captured& m, std::vector<uint8_t> body) {
    return s.deliver_foreign(1, test::plain_record(ContentType::handshake, 0, seq++,
                                                   test::handshake_message(m.hs_type, m.msg_seq, body)));
  };
  send(flight5[1], flight5[1].body);
  send(flight5[2], flight5[2].body);
  std::vector<uint8_t> bad_signature = flight5[3].body;
  REQUIRE(bad_signature.size() > 8);
  bad_signature[bad_signature.size() - 1] ^= 0x10;
  send(flight5[3], bad_signature);
  REQUIRE(s.server().stats().flights_discarded == 1);
  const uint8_t data[] = {'x'};
  s.deliver_foreign(1, EndpointAccess::seal(twin.client(), ContentType::application_data, data, 1000));
  CHECK(s.server().stats().records_unknown_epoch == 1);
  s.advance(Script::kSteps);  // the genuine flight 5, then flight 6
  REQUIRE(s.server().is_established());
  REQUIRE(s.client().is_established());
}
