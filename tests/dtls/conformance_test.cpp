// SPDX-License-Identifier: Apache-2.0
// State-machine conformance (issue 7): every handshake message type,
// ChangeCipherSpec, alert and application data, in epoch 0 and epoch 1,
// delivered to the client and to the server at every point of the handshake
// where it is not the expected next input. The expected answer of each cell is
// written in the table below; after each one the receiver's state must be
// unchanged (or failed, for a fatal alert), no handshake_complete may appear
// and no keys may be exported. Discarded inputs must leave the handshake able
// to complete with equal keys on both sides.
//
// Epoch-1 records are sealed with this session's real keys: the scripted
// handshake is deterministic (seeded), so a completed twin run holds the
// same keys as the run under test (checked below).
#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "keyway/dtls/handshake_table.hpp"
#include "keyway/dtls/messages.hpp"
#include "tests/dtls/script.hpp"

using namespace keyway;
using namespace keyway::dtls;
using keyway::test::Identities;
using keyway::test::Script;

namespace {

// Where the receiver stands. `steps` deliveries of the script are done first.
struct Point {
  const char* name;
  int side;                 // 0 client, 1 server (the receiver)
  int steps;
  HandshakeState state;
  uint16_t next_seq;        // message_seq the receiver expects next
  uint8_t received;         // messages of expected_messages(state) received (dtls/handshake_table.hpp)
};

constexpr Point kPoints[] = {
    {"client wait_server_hello", 0, 1, HandshakeState::client_wait_server_hello, 0, 0},
    {"client flight4 @certificate", 0, 2, HandshakeState::client_wait_server_flight, 1, 0},
    {"client flight4 @server_key_exchange", 0, 3, HandshakeState::client_wait_server_flight, 2, 1},
    {"client flight4 @certificate_request", 0, 4, HandshakeState::client_wait_server_flight, 3, 2},
    {"client flight4 @server_hello_done", 0, 5, HandshakeState::client_wait_server_flight, 4, 3},
    {"client wait_finished", 0, 11, HandshakeState::client_wait_finished, 5, 0},
    {"client established", 0, 13, HandshakeState::established, 6, 0},
    {"server wait_client_hello", 1, 0, HandshakeState::server_wait_client_hello, 0, 0},
    {"server flight5 @certificate", 1, 1, HandshakeState::server_wait_client_flight, 1, 0},
    {"server flight5 @client_key_exchange", 1, 7, HandshakeState::server_wait_client_flight, 2, 1},
    {"server flight5 @certificate_verify", 1, 8, HandshakeState::server_wait_client_flight, 3, 2},
    {"server flight5 @finished", 1, 9, HandshakeState::server_wait_client_flight, 4, 3},
    {"server established", 1, 11, HandshakeState::established, 5, 0},
};
enum P { C0, C1, C2, C3, C4, C5, C6, S0, S1, S2, S3, S4, S5 };

enum class In { HR, CH, SH, HV, CE, SK, CR, SD, CV, CK, FI, CC, AL, AD };
constexpr int kInputs = 14;
constexpr const char* kInputNames[kInputs] = {
    "hello_request", "client_hello", "server_hello", "hello_verify_request", "certificate",
    "server_key_exchange", "certificate_request", "server_hello_done", "certificate_verify",
    "client_key_exchange", "finished", "change_cipher_spec", "alert(warning user_canceled)", "application_data"};
constexpr uint8_t kHsType[11] = {0, 1, 2, 3, 11, 12, 13, 14, 15, 16, 20};

// Expected answers:
//   .  the expected input here (not tested): exactly what dtls/handshake_table.hpp
//      says may come next (checked by expected_here below)
//   F  fatal unexpected_message; state -> failed            RFC 5246 §7.2.2, §7.3, §7.4
//   D  silent discard; state unchanged, handshake completes RFC 6347 §4.1.2.7
//   R  a warning alert is reported, state unchanged         RFC 5246 §7.2
//   W  refused renegotiation: warning no_renegotiation      RFC 5246 §7.2.2
struct Row {
  P point;
  uint16_t epoch;
  const char* cells;  // one code per input, in In order
};

// clang-format off
constexpr Row kTable[] = {
  //                  HR CH SH HV CE SK CR SD CV CK FI CC AL AD
  // Client. HelloRequest is ignored while negotiating (RFC 5246 §7.4.1.1), and
  // outside the transcript and the message_seq count. A Finished outside epoch
  // 1 cannot be the real one (RFC 6347 §4.1: Finished is the first record of
  // the new epoch): dropped. Epoch-1 records before the keys exist belong to an
  // unknown epoch: dropped (RFC 6347 §4.1). A CCS before the keys exist is
  // dropped and never derives keys (CVE-2014-0224 class). Application data is
  // only accepted once the handshake is complete (RFC 5246 §7.4.9; RFC 6347
  // §4.1 lets DTLS discard it).
  {C0, 0, "D  F  .  .  F  F  F  F  F  F  D  D  R  D"},  // §7.4.1.2: SH or HVR only
  {C0, 1, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {C1, 0, "D  F  F  F  .  F  F  F  F  F  D  D  R  D"},  // HVR after SH: unexpected (RFC 6347 §4.2.1)
  {C1, 1, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {C2, 0, "D  F  F  F  F  .  F  F  F  F  D  D  R  D"},  // RFC 8422 §5.4: ECDHE needs a ServerKeyExchange
  {C2, 1, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {C3, 0, "D  F  F  F  F  F  .  .  F  F  D  D  R  D"},  // CertificateRequest optional (§7.4.4)
  {C3, 1, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {C4, 0, "D  F  F  F  F  F  F  .  F  F  D  D  R  D"},
  {C4, 1, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  // Keys exist: the CCS is expected (it only marks the switch); an authenticated
  // epoch-1 message other than Finished breaks the protocol (§7.4.9: Finished
  // is the first message protected with the new keys).
  {C5, 0, "D  F  F  F  F  F  F  F  F  F  D  .  R  D"},
  {C5, 1, "D  F  F  F  F  F  F  F  F  F  .  D  R  D"},
  // Established: plaintext (past-epoch) input is ignored, including forged
  // plaintext alerts; a handshake message under the session keys is a
  // renegotiation, refused with a warning no_renegotiation (RFC 5246 §7.2.2,
  // RFC 5746 §4). A second Finished is ignored: it cannot complete anything.
  {C6, 0, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {C6, 1, "W  W  W  W  W  W  W  W  W  W  D  D  R  ."},
  // Server. Before a ClientHello the server keeps no state and ignores
  // anything else (RFC 6347 §4.2.1: stateless until a ClientHello).
  {S0, 0, "D  .  D  D  D  D  D  D  D  D  D  D  R  D"},
  {S0, 1, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {S1, 0, "F  F  F  F  .  F  F  F  F  F  D  D  R  D"},  // a server never receives HelloRequest
  {S1, 1, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {S2, 0, "F  F  F  F  F  F  F  F  F  .  D  D  R  D"},
  {S2, 1, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  // After ClientKeyExchange the keys exist. A Finished here skips the
  // CertificateVerify that must follow a client Certificate (§7.4.8): fatal
  // (the client-authentication bypass class). A CCS only marks the switch.
  {S3, 0, "F  F  F  F  F  F  F  F  .  F  D  D  R  D"},
  {S3, 1, "F  F  F  F  F  F  F  F  F  F  F  D  R  D"},
  {S4, 0, "F  F  F  F  F  F  F  F  F  F  D  .  R  D"},
  {S4, 1, "F  F  F  F  F  F  F  F  F  F  .  D  R  D"},
  // A renegotiating ClientHello under the session keys: no_renegotiation
  // (RFC 5246 §7.2.2); in plaintext it is ignored.
  {S5, 0, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {S5, 1, "W  W  W  W  W  W  W  W  W  W  D  D  R  ."},
};
// clang-format on

// The inputs the state machine's own table expects at `pt` in `epoch`: the
// handshake messages that may come next there, the ChangeCipherSpec before
// an epoch-1 Finished, and application data once established.
bool expected_here(const Point& pt, uint16_t epoch, In in) {
  // The script's client sends a certificate, as the server requires.
  constexpr FlightFacts kScriptFacts{true, true};
  auto may_come = [&](HandshakeType t) {
    return position_of_next(pt.state, pt.received, t, kScriptFacts) != kNotExpected;
  };
  int i = static_cast<int>(in);
  if (i < 11) {
    auto type = static_cast<HandshakeType>(kHsType[i]);
    return may_come(type) && epoch_of(type) == epoch;
  }
  if (in == In::CC) return epoch == 0 && may_come(HandshakeType::finished);  // RFC 5246 §7.1
  if (in == In::AD) return epoch == 1 && pt.state == HandshakeState::established;
  return false;
}

struct Bodies {
  std::vector<uint8_t> of[11];
};

// Real message bodies from a completed run; Finished, HelloRequest and
// HelloVerifyRequest are built.
Bodies real_bodies(Script& twin) {
  Bodies b;
  const auto& tc = twin.to(0);
  const auto& ts = twin.to(1);
  b.of[1] = ts[0].body;                      // ClientHello
  b.of[2] = tc[0].body;                      // ServerHello
  uint8_t cookie[32];
  std::memset(cookie, 0xC0, sizeof cookie);
  b.of[3].resize(3 + sizeof cookie);
  ByteWriter w(b.of[3]);
  write_hello_verify_request(w, cookie);
  b.of[4] = tc[1].body;                      // Certificate
  b.of[5] = tc[2].body;                      // ServerKeyExchange
  b.of[6] = tc[3].body;                      // CertificateRequest
  b.of[8] = ts[3].body;                      // CertificateVerify
  b.of[9] = ts[2].body;                      // ClientKeyExchange
  b.of[10].assign(kVerifyDataSize, 0x5A);   // Finished
  return b;
}

constexpr uint64_t kInjectedSeq0 = 30;  // record numbers inside the replay windows
constexpr uint64_t kInjectedSeq1 = 40;

std::vector<uint8_t> make_input(Script& twin, const Bodies& bodies, int to, In in, uint16_t epoch,
                                uint16_t msg_seq) {
  std::vector<uint8_t> payload;
  ContentType type = ContentType::handshake;
  int i = static_cast<int>(in);
  if (i < 11) {
    payload = test::handshake_message(kHsType[i], msg_seq, bodies.of[i]);
  } else if (in == In::CC) {
    type = ContentType::change_cipher_spec;
    payload = {1};
  } else if (in == In::AL) {
    type = ContentType::alert;
    payload = {1, 90};
  } else {
    type = ContentType::application_data;
    payload = {'h', 'e', 'l', 'l', 'o'};
  }
  if (epoch == 0) return test::plain_record(type, 0, kInjectedSeq0, payload);
  return EndpointAccess::seal(twin.side(1 - to), type, payload, kInjectedSeq1);
}

std::vector<uint8_t> exporter(Endpoint& ep) {
  std::vector<uint8_t> out(60);
  (void)ep.accept_peer_certificate(ep.peer_certificate());  // whichever it holds
  if (!ep.export_keying_material("EXTRACTOR-dtls_srtp", out).ok()) out.clear();
  return out;
}

bool has(const std::vector<Event>& evs, std::size_t from, EventKind t, AlertLevel lvl, AlertDescription d) {
  for (std::size_t i = from; i < evs.size(); ++i)
    if (evs[i].kind == t && evs[i].alert_level == lvl && evs[i].alert == d)
      return true;
  return false;
}
bool has(const std::vector<Event>& evs, std::size_t from, EventKind t) {
  for (std::size_t i = from; i < evs.size(); ++i)
    if (evs[i].kind == t) return true;
  return false;
}

struct Tally {
  int cells = 0, fatal = 0, discard = 0, reported = 0, refused = 0;
};

// Runs one cell: a fresh scripted handshake to the point, the injected
// datagram, then the checks for `code`.
void run_cell(Identities& ids, const Point& pt, const std::vector<uint8_t>& datagram, char code,
              AlertDescription fatal_alert = AlertDescription::unexpected_message, bool require_cert = true) {
  Script s(ids, require_cert);
  s.advance(pt.steps);
  Endpoint& ep = s.side(pt.side);
  REQUIRE(ep.state() == pt.state);
  bool established = pt.state == HandshakeState::established;
  std::vector<uint8_t> keys_before = established ? exporter(ep) : std::vector<uint8_t>{};
  auto& evs = s.events(pt.side);
  std::size_t ev0 = evs.size();
  auto reaction = s.deliver_foreign(pt.side, datagram);

  CHECK_FALSE(has(evs, ev0, EventKind::handshake_complete));
  if (code == 'C') {
    // An unauthenticated message that fails a check may be a damaged copy:
    // its flight is discarded and the state rewound (dtls/peer_flight.cpp).
    // Only for the first message of a flight: the retransmission below is
    // then the whole flight.
    CHECK(ep.state() == pt.state);
    CHECK(ep.stats().flights_discarded == 1);
    CHECK(reaction.empty());
    CHECK_FALSE(has(evs, ev0, EventKind::failure));
    // The peer sends it again (a retransmission, the next record number):
    // the same failure twice is the peer's real answer.
    std::vector<uint8_t> copy = datagram;
    copy[10] = static_cast<uint8_t>(copy[10] + 1);
    reaction = s.deliver_foreign(pt.side, copy);
    code = 'F';
  }
  if (code == 'F') {
    CHECK(ep.state() == HandshakeState::failed);
    CHECK(has(evs, ev0, EventKind::alert_sent, AlertLevel::fatal, fatal_alert));
    CHECK(has(evs, ev0, EventKind::failure));
    CHECK(reaction.size() == 1);  // the alert
    CHECK(exporter(ep).empty());
    return;
  }
  CHECK(ep.state() == pt.state);
  CHECK_FALSE(has(evs, ev0, EventKind::failure));
  if (code == 'W') {
    CHECK(has(evs, ev0, EventKind::alert_sent, AlertLevel::warning, AlertDescription::no_renegotiation));
    CHECK(reaction.size() == 1);
  } else {
    CHECK_FALSE(has(evs, ev0, EventKind::alert_sent));
    CHECK(reaction.empty());
  }
  if (code == 'R') CHECK(has(evs, ev0, EventKind::alert_received, AlertLevel::warning, AlertDescription{90}));
  if (established) {
    CHECK(exporter(ep) == keys_before);
    return;
  }
  CHECK(exporter(ep).empty());
  // Nothing moved: the rest of the real handshake completes with equal keys.
  s.advance(Script::kSteps);
  CHECK(s.client().is_established());
  CHECK(s.server().is_established());
  auto k = exporter(s.client());
  CHECK(!k.empty());
  CHECK(k == exporter(s.server()));
}

struct Twin {
  Identities& ids;
  Script script;
  Bodies bodies;
  explicit Twin(Identities& i) : ids(i), script(i) {
    script.advance(Script::kSteps);
    REQUIRE(script.client().is_established());
    REQUIRE(script.server().is_established());
    bodies = real_bodies(script);
  }
};

}  // namespace

TEST_CASE("dtls conformance: the scripted handshake is deterministic (twin keys are this session's keys)") {
  Identities ids;
  Script a(ids), b(ids);
  a.advance(Script::kSteps);
  b.advance(Script::kSteps);
  REQUIRE(a.to(1).size() == b.to(1).size());
  for (std::size_t i = 0; i < a.to(1).size(); ++i) CHECK(a.to(1)[i].datagram == b.to(1)[i].datagram);
  CHECK(exporter(a.client()) == exporter(b.server()));
  // The points of the table are where they claim to be.
  for (const Point& pt : kPoints) {
    Script s(ids);
    s.advance(pt.steps);
    CAPTURE(std::string(pt.name));
    CHECK(s.side(pt.side).state() == pt.state);
  }
}

TEST_CASE("dtls conformance: every message type, CCS, alert and data, in every state and both epochs") {
  Identities ids;
  Twin twin(ids);
  Tally t;
  for (const Row& row : kTable) {
    const Point& pt = kPoints[row.point];
    std::string cells(row.cells);
    int input = 0;
    for (char code : cells) {
      if (code == ' ') continue;
      REQUIRE(input < kInputs);
      In in = static_cast<In>(input++);
      CAPTURE(std::string(pt.name) + ", epoch " + std::to_string(row.epoch) + ", " + kInputNames[static_cast<int>(in)]);
      CHECK((code == '.') == expected_here(pt, row.epoch, in));  // the table and the state machine agree
      if (code == '.') continue;
      std::string cell = std::string(pt.name) + ", epoch " + std::to_string(row.epoch) + ", " +
                         kInputNames[static_cast<int>(in)] + " -> " + code;
      CAPTURE(cell);
      run_cell(ids, pt, make_input(twin.script, twin.bodies, pt.side, in, row.epoch, pt.next_seq), code);
      ++t.cells;
      t.fatal += code == 'F';
      t.discard += code == 'D';
      t.reported += code == 'R';
      t.refused += code == 'W';
    }
    CHECK(input == kInputs);
  }
  MESSAGE("dtls conformance: " << t.cells << " cells: fatal unexpected_message " << t.fatal << ", discarded "
                               << t.discard << ", warning alert reported " << t.reported
                               << ", no_renegotiation " << t.refused);
  CHECK(t.cells > 300);
}

namespace {

std::vector<uint8_t> join(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A ServerHello as a hostile server would write it.
std::vector<uint8_t> server_hello_record(uint16_t suite, uint16_t srtp_profile) {
  uint8_t random[32];
  std::memset(random, 0x33, sizeof random);
  ServerHello sh;
  sh.version = kVersionDtls12;
  sh.random = random;
  sh.cipher_suite = suite;
  sh.ext.has_srtp = true;
  sh.ext.srtp_profiles.push(srtp_profile);
  sh.ext.ems = true;
  sh.ext.has_renegotiation_info = true;
  std::vector<uint8_t> body(512);
  ByteWriter w(body);
  write_server_hello(w, sh);
  REQUIRE(!w.failed());
  body.resize(w.size());
  return test::plain_record(ContentType::handshake, 0, kInjectedSeq0, test::handshake_message(2, 0, body));
}

}  // namespace

// The bug classes the trusted stacks were hurt by, as named rows.
TEST_CASE("dtls conformance: named rows for the known bug classes") {
  Identities ids;
  Twin twin(ids);
  int rows = 0;
  auto row = [&](const char* name, P point, const std::vector<uint8_t>& datagram, char code,
                 AlertDescription alert = AlertDescription::unexpected_message) {
    CAPTURE(std::string(name) + " @ " + kPoints[point].name);
    run_cell(ids, kPoints[point], datagram, code, alert);
    ++rows;
  };
  auto input = [&](P point, In in, uint16_t epoch) {
    const Point& pt = kPoints[point];
    return make_input(twin.script, twin.bodies, pt.side, in, epoch, pt.next_seq);
  };

  // CVE-2014-0224 class: a CCS before the keys exist derives nothing; the
  // handshake then completes with the real keys (checked by run_cell).  RFC 5246 §7.1
  for (P p : {C0, C1, C2, C3, C4, S0, S1, S2}) row("early CCS", p, input(p, In::CC, 0), 'D');
  // Finished in plaintext, before the CCS: never processed.  RFC 6347 §4.1, RFC 5246 §7.4.9
  for (P p : {C5, S3, S4}) row("Finished before CCS (plaintext)", p, input(p, In::FI, 0), 'D');
  // A second Finished under the session keys changes nothing.  RFC 5246 §7.4.9
  for (P p : {C6, S5}) row("second Finished", p, input(p, In::FI, 1), 'D');
  // Client-auth bypass: Certificate, ClientKeyExchange, then CCS + the
  // client's real Finished with no CertificateVerify.  RFC 5246 §7.4.8
  {
    Script real(ids);
    real.advance(Script::kSteps);
    const auto& flight5 = real.to(1);  // CH, Cert, CKE, CV, CCS, Fin
    REQUIRE(flight5.size() == 6);
    REQUIRE(flight5[3].hs_type == 15);
    // The client's own Finished is message_seq 4: with seq 3 missing it waits
    // in the reassembler and nothing is processed (the real CV completes it).
    REQUIRE(flight5[5].epoch == 1);
    row("Certificate without CertificateVerify (real Finished, seq gap)", S3,
        join(flight5[4].datagram, flight5[5].datagram), 'D');
    // An attacker numbers its Finished 3, right after ClientKeyExchange.
    auto fin = test::handshake_message(20, 3, twin.bodies.of[10]);
    row("Certificate without CertificateVerify (Finished as seq 3)", S3,
        join(flight5[4].datagram, EndpointAccess::seal(twin.script.client(), ContentType::handshake, fin, kInjectedSeq1)),
        'F');
  }
  // An empty client Certificate when one is required.  RFC 5246 §7.4.6:
  // "respond with a fatal handshake_failure alert".
  row("empty client Certificate when required", S1,
      test::plain_record(ContentType::handshake, 0, kInjectedSeq0, test::handshake_message(11, 1, std::vector<uint8_t>{0, 0, 0})),
      'F', AlertDescription::handshake_failure);
  // Application data before the handshake ends: dropped.  RFC 6347 §4.1
  for (P p : {C5, S3, S4}) row("application data before the handshake ends", p, input(p, In::AD, 1), 'D');
  for (P p : {C0, S0, S1}) row("application data in plaintext", p, input(p, In::AD, 0), 'D');
  // Records from a future epoch (2, 0xFFFF; sealed with the real keys or not)
  // or a past one (plaintext after completion): dropped.  RFC 6347 §4.1
  for (const Point& pt : kPoints) {
    auto p = static_cast<P>(&pt - kPoints);
    auto hello = test::handshake_message(1, pt.next_seq, twin.bodies.of[1]);
    row("future epoch 2, plaintext", p, test::plain_record(ContentType::handshake, 2, 1, hello), 'D');
    row("future epoch 0xFFFF", p, test::plain_record(ContentType::alert, 0xFFFF, 1, std::vector<uint8_t>{2, 10}), 'D');
    row("future epoch 2, sealed with the session keys", p,
        EndpointAccess::seal(twin.script.side(1 - pt.side), ContentType::application_data,
                             std::vector<uint8_t>{1, 2, 3}, 7, 2),
        'D');
  }
  for (P p : {C6, S5}) {
    row("past epoch 0: handshake after completion", p, input(p, In::CH, 0), 'D');
    row("past epoch 0: forged fatal alert after completion", p,
        test::plain_record(ContentType::alert, 0, kInjectedSeq0, std::vector<uint8_t>{2, 40}), 'D');
  }
  // HelloVerifyRequest after ServerHello.  RFC 6347 §4.2.1
  for (P p : {C1, C2, C3, C4}) row("HelloVerifyRequest after ServerHello", p, input(p, In::HV, 0), 'F');
  // Renegotiation ClientHello on an established connection: refused with a
  // warning no_renegotiation, the session goes on.  RFC 5246 §7.2.2, RFC 5746 §4
  row("renegotiation ClientHello under the session keys", S5, input(S5, In::CH, 1), 'W');
  row("renegotiation ClientHello in plaintext", S5, input(S5, In::CH, 0), 'D');
  // A ServerHello choosing what was not offered.  RFC 5246 §7.4.1.3; RFC 5764 §4.1.1
  // Unauthenticated, so first taken for a damaged copy ('C': discarded, then
  // the alert when the retransmitted copy says the same).
  row("ServerHello with a cipher suite not offered", C0, server_hello_record(0x009C, 0x0007), 'C',
      AlertDescription::illegal_parameter);
  row("ServerHello with an RSA suite not offered", C0, server_hello_record(0xC027, 0x0007), 'C',
      AlertDescription::illegal_parameter);
  row("ServerHello with an SRTP profile not offered", C0, server_hello_record(0xC02B, 0x0002), 'C',
      AlertDescription::illegal_parameter);
  // Duplicated (retransmitted) messages already processed: dropped.  RFC 6347 §4.2.4
  {
    Script real(ids);
    real.advance(Script::kSteps);
    const auto& tc = real.to(0);  // SH, Cert, SKE, CR, SHD, CCS, Fin
    const auto& ts = real.to(1);  // CH, Cert, CKE, CV, CCS, Fin
    // The same record again: the replay window drops it (RFC 6347 §4.1.2.6).
    row("replayed ServerHello record", C2, tc[0].datagram, 'D');
    row("replayed client Certificate record", S3, ts[1].datagram, 'D');
    // A retransmission: the same message in a new record.
    auto again = [&](const test::Captured& c) {
      return test::plain_record(ContentType::handshake, 0, kInjectedSeq0, test::handshake_message(c.hs_type, c.msg_seq, c.body));
    };
    row("retransmitted server Certificate", C3, again(tc[1]), 'D');
    row("retransmitted ServerKeyExchange", C4, again(tc[2]), 'D');
    row("retransmitted client Certificate", S3, again(ts[1]), 'D');
    row("retransmitted ClientKeyExchange", S4, again(ts[2]), 'D');
    row("retransmitted ServerHello mid-flight", C2, again(tc[0]), 'D');
    row("replayed server Finished record", C6, tc[6].datagram, 'D');
    row("replayed client Finished record", S5, ts[5].datagram, 'D');
  }
  // A wrong Finished or a bad signature: decrypt_error.  RFC 5246 §7.2.2, §7.4.9
  // (A bad signature arrives in plaintext: confirmed by a second copy, 'C'.)
  row("Finished with a wrong verify_data", C5, input(C5, In::FI, 1), 'F', AlertDescription::decrypt_error);
  row("Finished with a wrong verify_data", S4, input(S4, In::FI, 1), 'F', AlertDescription::decrypt_error);
  {
    auto flip_last = [](std::vector<uint8_t> body) {
      body.back() ^= 0x01;
      return body;
    };
    // Mid-flight: the first copy rewinds to the flight's start, the second
    // copy of the whole flight (with the same bad message) is fatal.
    Script real(ids);
    real.advance(Script::kSteps);
    const auto& tc = real.to(0);
    const auto& ts = real.to(1);
    auto confirmed = [&](const char* name, P point, std::vector<const test::Captured*> prefix, uint8_t type,
                         std::vector<uint8_t> bad_body) {
      CAPTURE(std::string(name));
      const Point& pt = kPoints[point];
      Script s(ids);
      s.advance(pt.steps);
      Endpoint& ep = s.side(pt.side);
      uint64_t record = kInjectedSeq0;
      auto send = [&](uint8_t t, uint16_t seq, const std::vector<uint8_t>& body) {
        return s.deliver_foreign(pt.side, test::plain_record(ContentType::handshake, 0, record++,
                                                             test::handshake_message(t, seq, body)));
      };
      CHECK(send(type, pt.next_seq, bad_body).empty());
      CHECK(ep.state() != HandshakeState::failed);
      CHECK(ep.stats().flights_discarded == 1);
      auto& evs = s.events(pt.side);
      std::size_t ev0 = evs.size();
      for (const auto* m : prefix) CHECK(send(m->hs_type, m->msg_seq, m->body).empty());
      CHECK(send(type, pt.next_seq, bad_body).size() == 1);  // the alert
      CHECK(ep.state() == HandshakeState::failed);
      CHECK(has(evs, ev0, EventKind::alert_sent, AlertLevel::fatal, AlertDescription::decrypt_error));
      CHECK(exporter(ep).empty());
      ++rows;
    };
    confirmed("ServerKeyExchange with a bad signature", C2, {&tc[0], &tc[1]}, 12, flip_last(twin.bodies.of[5]));
    confirmed("CertificateVerify with a bad signature", S3, {&ts[1], &ts[2]}, 15, flip_last(twin.bodies.of[8]));
  }
  MESSAGE("dtls conformance: " << rows << " named rows");
}

// Bits flipped in transit (issue 7): a damaged copy of an epoch-0 message is
// discarded with its flight and the peer's retransmitted flight, processed
// from its first message, completes the handshake with equal keys.
TEST_CASE("dtls conformance: a damaged peer flight is discarded and its retransmission completes") {
  Identities ids;
  Twin twin(ids);
  Script real(ids);
  real.advance(Script::kSteps);
  const auto& tc = real.to(0);  // SH, Cert, SKE, CR, SHD, CCS, Fin
  const auto& ts = real.to(1);  // CH, Cert, CKE, CV, CCS, Fin
  auto flip = [](std::vector<uint8_t> body, std::size_t at) {
    body[at] ^= 0x10;
    return body;
  };
  struct Case {
    const char* name;
    P point;
    test::Captured damaged;               // the message at the point, one bit flipped
    std::vector<test::Captured> resent;   // the flight up to the point, retransmitted
  };
  auto damaged = [&](const test::Captured& c, std::size_t at) {
    test::Captured d = c;
    d.body = flip(c.body, at);
    return d;
  };
  const Case cases[] = {
      {"ServerHello, extensions length", C0, damaged(tc[0], tc[0].body.size() - 20), {}},
      {"server Certificate, DER", C1, damaged(tc[1], 40), {tc[0]}},
      {"ServerKeyExchange, signature", C2, damaged(tc[2], tc[2].body.size() - 1), {tc[0], tc[1]}},
      {"client Certificate, DER", S1, damaged(ts[1], 40), {}},
      {"CertificateVerify, signature", S3, damaged(ts[3], ts[3].body.size() - 1), {ts[1], ts[2]}},
  };
  for (const Case& c : cases) {
    CAPTURE(std::string(c.name));
    const Point& pt = kPoints[c.point];
    Script s(ids);
    s.advance(pt.steps);
    Endpoint& ep = s.side(pt.side);
    uint64_t record = kInjectedSeq0;
    auto send = [&](const test::Captured& m) {
      return s.deliver_foreign(pt.side, test::plain_record(ContentType::handshake, 0, record++,
                                                           test::handshake_message(m.hs_type, m.msg_seq, m.body)));
    };
    CHECK(send(c.damaged).empty());
    CHECK(ep.state() != HandshakeState::failed);
    CHECK(ep.stats().flights_discarded == 1);
    for (const auto& m : c.resent) CHECK(send(m).empty());
    s.advance(Script::kSteps);  // the rest of the real flights
    REQUIRE(s.client().is_established());
    REQUIRE(s.server().is_established());
    CHECK(exporter(s.client()) == exporter(s.server()));
    CHECK(exporter(s.client()) == exporter(twin.script.client()));
  }
}
