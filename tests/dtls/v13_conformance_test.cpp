// SPDX-License-Identifier: Apache-2.0
// DTLS 1.3 state-machine conformance (issue 18), the 1.3 part of the table
// of tests/dtls/conformance_test.cpp: every 1.3 handshake message, a
// HelloRetryRequest, two 1.2-only messages (HelloVerifyRequest,
// ServerKeyExchange), ACK, alert and application data, in plaintext epoch 0,
// under the handshake keys (epoch 2) and under the application keys (epoch
// 3), delivered to a dtls::v13::Endpoint client and server at every point of
// the handshake where it is not the expected next input. The expected answer
// of each cell is written in the table below; after a dropped or ignored
// input the receiver's state is unchanged and the handshake completes with
// equal keys on both sides.
//
// Protected records are sealed with this session's real keys: the scripted
// handshake is deterministic (seeded), so a completed twin run holds the keys
// the run under test derives (checked below).
#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "keyway/dtls/handshake_header.hpp"
#include "keyway/dtls/record.hpp"
#include "keyway/dtls/v13/handshake_state.hpp"
#include "keyway/dtls/v13/handshake_table.hpp"
#include "tests/dtls/fixture.hpp"

namespace keyway::dtls::v13 {
// Seals a record as `ep` would (its write keys of `epoch`), with the record
// number `seq`.
struct EndpointAccess13 {
  static std::vector<uint8_t> seal(Endpoint& ep, uint8_t epoch, uint8_t type, Bytes content, uint64_t seq) {
    std::vector<uint8_t> out(content.size() + 64);
    ByteWriter w(out);
    REQUIRE((epoch != 2 || ep.hs_ != nullptr));  // epoch-2 write keys live in the handshake state
    RecordProtection& p = epoch == 2 ? ep.hs_->write_handshake : ep.write_application_;
    REQUIRE(p.ready());
    REQUIRE(p.epoch() == epoch);
    REQUIRE(p.seal(w, seq, type, content).ok());
    out.resize(w.size());
    return out;
  }
  // The body of message `i` of the flight `ep` is sending (or sent last).
  static std::vector<uint8_t> flight_body(Endpoint& ep, std::size_t i) {
    REQUIRE(ep.reliability() != nullptr);
    REQUIRE(i < ep.reliability()->flight.count());
    Bytes b = ep.reliability()->flight.body(i);
    return std::vector<uint8_t>(b.begin(), b.end());
  }
};
}  // namespace keyway::dtls::v13

using namespace keyway;
using namespace keyway::dtls;
using namespace keyway::dtls::v13;

namespace {

// The 1.3 names, where dtls:: has its own (the 1.2 engine's).
using keyway::dtls::v13::Endpoint;
using keyway::dtls::v13::State;

// The records of a datagram, each on its own (plaintext: the 13-byte header
// and its length; DTLSCiphertext: the unified header, RFC 9147 §4).
std::vector<std::vector<uint8_t>> split_records(const std::vector<uint8_t>& d) {
  std::vector<std::vector<uint8_t>> out;
  std::size_t off = 0;
  while (off < d.size()) {
    std::size_t end = d.size();
    const uint8_t first = d[off];
    if (is_ciphertext_record(first)) {
      std::size_t h = off + 1 + ((first & kBitSeq16) ? 2 : 1);
      if ((first & kBitLength) && h + 2 <= d.size()) end = h + 2 + ((std::size_t{d[h]} << 8) | d[h + 1]);
    } else if (off + kRecordHeaderSize <= d.size()) {
      end = off + kRecordHeaderSize + ((std::size_t{d[off + 11]} << 8) | d[off + 12]);
    }
    if (end > d.size()) end = d.size();
    out.emplace_back(d.begin() + static_cast<std::ptrdiff_t>(off), d.begin() + static_cast<std::ptrdiff_t>(end));
    off = end;
  }
  return out;
}

// A handshake between two v13::Endpoints, one record at a time: every
// datagram either side writes is cut into its records, which are delivered
// in the order they were written (the client's ClientHello, the server's six
// messages, the client's three, the server's ACK: 11 steps).
class Script13 {
 public:
  static constexpr int kSteps = 11;

  explicit Script13(test::Fixture& f) : client_rng_(11), server_rng_(22) {
    Config c = f.client, s = f.server;
    c.rng = &client_rng_;
    s.rng = &server_rng_;
    c.mtu = s.mtu = 1400;
    ep_[0] = std::make_unique<Endpoint>(c);
    ep_[1] = std::make_unique<Endpoint>(s);
    ep_[0]->set_remote_fingerprint(fingerprint(FingerprintHash::sha256, f.server_id.certificate_der()));
    ep_[1]->set_remote_fingerprint(fingerprint(FingerprintHash::sha256, f.client_id.certificate_der()));
    poll(0);
  }

  Endpoint& side(int i) { return *ep_[i]; }
  Endpoint& client() { return *ep_[0]; }
  Endpoint& server() { return *ep_[1]; }
  std::vector<Event>& events(int i) { return events_[i]; }
  // The script's clock moves on (nothing is delivered).
  void wait(Duration d) { now_ = now_ + d; }
  // Every record delivered to side i so far, in order.
  const std::vector<std::vector<uint8_t>>& delivered(int i) const { return delivered_[i]; }

  // Delivers the next `n` queued records.
  void advance(int n) {
    for (int i = 0; i < n && !queue_.empty(); ++i) {
      auto [to, bytes] = queue_.front();
      queue_.erase(queue_.begin());
      delivered_[to].push_back(bytes);
      (void)ep_[to]->handle_datagram(now_, MutableBytes(bytes.data(), bytes.size()));
      poll(to);
    }
  }

  // A datagram from outside the script; returns the verdict and what the
  // receiver sent back (those datagrams are not delivered).
  Verdict deliver_foreign(int to, std::vector<uint8_t> datagram, std::vector<std::vector<uint8_t>>& reaction) {
    const std::size_t queued = queue_.size();
    Verdict v = ep_[to]->handle_datagram(now_, MutableBytes(datagram.data(), datagram.size()));
    poll(to);
    while (queue_.size() > queued) {
      reaction.push_back(queue_.back().second);
      queue_.pop_back();
    }
    return v;
  }

 private:
  void poll(int i) {
    uint8_t scratch[1500];
    for (int k = 0; k < 64; ++k) {
      Output o = ep_[i]->poll_output(now_, scratch);
      if (o.kind == Output::Kind::transmit) {
        for (auto& r : split_records(std::vector<uint8_t>(o.transmit.begin(), o.transmit.end())))
          queue_.emplace_back(1 - i, std::move(r));
      } else if (o.kind == Output::Kind::event) {
        events_[i].push_back(o.event);
      } else {
        return;
      }
    }
  }

  SeededRng client_rng_, server_rng_;
  std::unique_ptr<Endpoint> ep_[2];
  std::vector<std::pair<int, std::vector<uint8_t>>> queue_;
  std::vector<std::vector<uint8_t>> delivered_[2];
  std::vector<Event> events_[2];
  Timestamp now_ = Timestamp::from_micros(1'000'000);
};

// Where the receiver stands. `steps` deliveries of the script are done first.
constexpr uint8_t kKeys2 = 1, kKeys3 = 2;  // read keys the receiver holds besides epoch 0
struct Point {
  const char* name;
  int side;  // 0 client, 1 server (the receiver)
  int steps;
  State state;
  uint16_t next_seq;  // message_seq the receiver expects next
  uint8_t keys;
};

constexpr Point kPoints[] = {
    {"client wait_server_hello", 0, 1, State::client_wait_server_hello, 0, 0},
    {"client wait_encrypted_extensions", 0, 2, State::client_wait_encrypted_extensions, 1, kKeys2},
    {"client wait_certificate_request", 0, 3, State::client_wait_certificate_request, 2, kKeys2},
    {"client wait_certificate", 0, 4, State::client_wait_certificate, 3, kKeys2},
    {"client wait_certificate_verify", 0, 5, State::client_wait_certificate_verify, 4, kKeys2},
    {"client wait_finished", 0, 6, State::client_wait_finished, 5, kKeys2},
    // The server's ACK of the client's flight (step 11) lets the client
    // release its handshake state and its epoch-2 read keys
    // (dtls/v13/handshake_state.hpp); before it (step 7: the server's
    // Finished read, the client's flight not yet ACKed) it holds both.
    {"client established", 0, 11, State::established, 6, kKeys3},
    {"client established, flight unacknowledged", 0, 7, State::established, 6, kKeys2 | kKeys3},
    {"server wait_client_hello", 1, 0, State::server_wait_client_hello, 0, 0},
    {"server wait_certificate", 1, 7, State::server_wait_certificate, 1, kKeys2 | kKeys3},
    {"server wait_certificate_verify", 1, 8, State::server_wait_certificate_verify, 2, kKeys2 | kKeys3},
    {"server wait_finished", 1, 9, State::server_wait_finished, 3, kKeys2 | kKeys3},
    {"server established", 1, 11, State::established, 4, kKeys2 | kKeys3},
};
enum P { C0, C1, C2, C3, C4, C5, C6, C7, S0, S1, S2, S3, S4 };

enum class In { CH, SH, HR, EE, CR, CE, CV, FI, KU, HV, SK, AK, AL, AD };
constexpr int kInputs = 14;
constexpr int kHandshakeInputs = 11;
constexpr const char* kInputNames[kInputs] = {
    "client_hello", "server_hello", "hello_retry_request", "encrypted_extensions", "certificate_request",
    "certificate", "certificate_verify", "finished", "key_update", "hello_verify_request (1.2)",
    "server_key_exchange (1.2)", "ack", "alert(warning user_canceled)", "application_data"};
constexpr uint8_t kHsType[kHandshakeInputs] = {1, 2, 2, 8, 13, 11, 15, 20, 24, 3, 12};

// Expected answers:
//   .  the expected input here (not tested): exactly what dtls/v13/handshake_table.hpp
//      says may come next, in the epoch it names (checked by expected_here below)
//   F  fatal unexpected_message alert; state -> failed          RFC 8446 §4, §6.2
//   D  silent drop; state unchanged, the handshake completes    RFC 9147 §4.5.2
//   I  accepted and ignored (an ACK naming no record of ours);  RFC 9147 §7
//      state unchanged, the handshake completes
//   X  the peer's alert ends the association, nothing is sent   RFC 8446 §6
struct Row {
  P point;
  uint8_t epoch;
  const char* cells;  // one code per input, in In order
};

// clang-format off
constexpr Row kTable[] = {
  //                 CH SH HR EE CR CE CV FI KU HV SK AK AL AD
  // Client. Before the ServerHello only plaintext exists: a plaintext alert
  // is the only way a server can refuse a ClientHello (RFC 8446 §6), and a
  // message other than the ServerHello (or HelloRetryRequest) is
  // unexpected. Records of an epoch whose keys do not exist yet are dropped
  // (RFC 9147 §4.5.2); so is a plaintext ACK or application data (RFC 9147
  // §4: only epoch 0 is plaintext, and ACK is not in it).
  {C0, 0, "F  .  .  F  F  F  F  F  F  F  F  D  X  D"},
  {C0, 2, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {C0, 3, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  // Handshake keys exist: a plaintext message past the hello is not the
  // peer's (message_seq > 0 travels encrypted), a plaintext alert can be
  // forged by anyone (both dropped). Under the handshake keys the peer is
  // authenticated: a message out of order, or in the wrong epoch (the hellos,
  // KeyUpdate), is unexpected_message (RFC 8446 §4.6.3, RFC 9147 §6.1).
  // Application data under the handshake keys is never delivered.
  {C1, 0, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {C1, 2, "F  F  F  .  F  F  F  F  F  F  F  I  X  D"},
  {C1, 3, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {C2, 0, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {C2, 2, "F  F  F  F  .  .  F  F  F  F  F  I  X  D"},  // CertificateRequest optional (RFC 8446 §4.3.2)
  {C2, 3, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {C3, 0, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {C3, 2, "F  F  F  F  F  .  F  F  F  F  F  I  X  D"},
  {C3, 3, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {C4, 0, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {C4, 2, "F  F  F  F  F  F  .  F  F  F  F  I  X  D"},  // RFC 8446 §4.4.3: CertificateVerify follows Certificate
  {C4, 3, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {C5, 0, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {C5, 2, "F  F  F  F  F  F  F  .  F  F  F  I  X  D"},
  {C5, 3, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  // Established: plaintext is the past (dropped, forged alerts included).
  // Under the handshake keys nothing new may come (KeyUpdate travels under
  // the application keys, RFC 9147 §8); under the application keys only a
  // KeyUpdate, and no renegotiation exists in 1.3 (RFC 8446 §4.1.2).
  // C7: the client's flight not yet ACKed, the epoch-2 read keys still held.
  {C7, 0, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {C7, 2, "F  F  F  F  F  F  F  F  F  F  F  I  X  D"},
  {C7, 3, "F  F  F  F  F  F  F  F  .  F  F  I  X  ."},
  // C6: the server's ACK came, the handshake state is released: an epoch-2
  // record has no keys to open it and can only be dropped (RFC 9147 §4.5.2);
  // the plaintext alert is still unauthenticated (dropped, not obeyed).
  {C6, 0, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {C6, 2, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {C6, 3, "F  F  F  F  F  F  F  F  .  F  F  I  X  ."},
  // Server. Before a ClientHello only plaintext exists, as for the client.
  {S0, 0, ".  F  F  F  F  F  F  F  F  F  F  D  X  D"},
  {S0, 2, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {S0, 3, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  // After its flight the server holds the client's handshake and
  // application read keys. The client's Certificate, CertificateVerify and
  // Finished come under the handshake keys, in this order (RFC 8446 §4.4):
  // a Finished that skips them is the client-authentication bypass class.
  // Anything under the application keys before the client's Finished is
  // unexpected (application data is dropped: not yet established).
  {S1, 0, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {S1, 2, "F  F  F  F  F  .  F  F  F  F  F  I  X  D"},
  {S1, 3, "F  F  F  F  F  F  F  F  F  F  F  I  X  D"},
  {S2, 0, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {S2, 2, "F  F  F  F  F  F  .  F  F  F  F  I  X  D"},
  {S2, 3, "F  F  F  F  F  F  F  F  F  F  F  I  X  D"},
  {S3, 0, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {S3, 2, "F  F  F  F  F  F  F  .  F  F  F  I  X  D"},
  {S3, 3, "F  F  F  F  F  F  F  F  F  F  F  I  X  D"},
  {S4, 0, "D  D  D  D  D  D  D  D  D  D  D  D  D  D"},
  {S4, 2, "F  F  F  F  F  F  F  F  F  F  F  I  X  D"},
  {S4, 3, "F  F  F  F  F  F  F  F  .  F  F  I  X  ."},
};
// clang-format on

bool has_keys(const Point& pt, uint8_t epoch) {
  if (epoch == 0) return true;
  return (pt.keys & (epoch == 2 ? kKeys2 : kKeys3)) != 0;
}

// The inputs the state machine's own table expects at `pt` in `epoch`.
bool expected_here(const Point& pt, uint8_t epoch, In in) {
  const int i = static_cast<int>(in);
  if (i < kHandshakeInputs) {
    const auto type = static_cast<MessageType>(kHsType[i]);
    return has_keys(pt, epoch) && epoch_class(type) == epoch_class_of_record(epoch) && may_come_next(pt.state, type);
  }
  if (in == In::AD) return epoch == 3 && pt.state == State::established;
  return false;
}

std::vector<uint8_t> handshake_message(uint8_t type, uint16_t msg_seq, const std::vector<uint8_t>& body) {
  std::vector<uint8_t> out(kHandshakeHeaderSize + body.size());
  ByteWriter w(out);
  write_handshake_header(w, type, static_cast<uint32_t>(body.size()), msg_seq, 0, static_cast<uint32_t>(body.size()));
  w.write_bytes(Bytes(body.data(), body.size()));
  REQUIRE(!w.failed());
  return out;
}

// The body of the first message of `type` in the plaintext or protected
// records a side received (the twin's keys open the protected ones).
struct Bodies {
  std::vector<uint8_t> of[kHandshakeInputs];
};

constexpr uint64_t kInjectedSeq0 = 30;  // record numbers inside the replay windows
constexpr uint64_t kInjectedSeq = 40;

std::vector<uint8_t> plain_record(ContentType type, uint64_t seq, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> out(kRecordHeaderSize + payload.size());
  ByteWriter w(out);
  write_plain_record(w, type, kVersionDtls12, seq, Bytes(payload.data(), payload.size()));
  REQUIRE(!w.failed());
  return out;
}

// Real bodies for the messages the twin run carried (the script's
// handshake captured in the clear by re-running it with a null peer is not
// possible, so the protected ones are written here with the codecs).
Bodies make_bodies(test::Fixture& f) {
  Bodies b;
  // ClientHello and ServerHello: the first plaintext record each side got.
  Script13 s(f);
  s.advance(Script13::kSteps);
  auto body_of = [](const std::vector<uint8_t>& record) {
    return std::vector<uint8_t>(record.begin() + kRecordHeaderSize + kHandshakeHeaderSize, record.end());
  };
  b.of[0] = body_of(s.delivered(1)[0]);
  b.of[1] = body_of(s.delivered(0)[0]);
  b.of[2] = b.of[1];
  std::memcpy(b.of[2].data() + 2, kHelloRetryRequestRandom, sizeof kHelloRetryRequestRandom);
  std::vector<uint8_t> buf(2048);
  auto write = [&](auto&& fn) {
    ByteWriter w(buf);
    fn(w);
    REQUIRE(!w.failed());
    return std::vector<uint8_t>(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(w.size()));
  };
  b.of[3] = write([](ByteWriter& w) { write_encrypted_extensions(w, 0x0007); });
  const uint16_t schemes[] = {0x0403};
  b.of[4] = write([&](ByteWriter& w) { write_certificate_request(w, schemes); });
  b.of[5] = write([&](ByteWriter& w) { write_certificate_message(w, Bytes(), f.server_id.certificate_der()); });
  const uint8_t sig[8] = {0x30, 6, 2, 1, 1, 2, 1, 1};
  b.of[6] = write([&](ByteWriter& w) { write_certificate_verify(w, 0x0403, Bytes(sig, sizeof sig)); });
  b.of[7].assign(32, 0x5A);   // Finished: a wrong verify_data
  b.of[8] = {0};              // KeyUpdate: update_not_requested
  b.of[9] = {0xFE, 0xFD, 4, 1, 2, 3, 4};  // HelloVerifyRequest: version, cookie
  b.of[10] = {3, 0, 0x1D, 32};            // ServerKeyExchange: x25519, a 32-byte point
  b.of[10].resize(4 + 32 + 2 + 2 + 8, 0x42);
  return b;
}

// The twin run: completed, so each side holds both write epochs.
struct Twin {
  Script13 script;
  Bodies bodies;
  explicit Twin(test::Fixture& f) : script(f), bodies(make_bodies(f)) {
    script.advance(Script13::kSteps);
    REQUIRE(script.client().is_established());
    REQUIRE(script.server().is_established());
  }
};

std::vector<uint8_t> make_input(Twin& twin, int to, In in, uint8_t epoch, uint16_t msg_seq) {
  std::vector<uint8_t> payload;
  uint8_t type = static_cast<uint8_t>(ContentType::handshake);
  const int i = static_cast<int>(in);
  if (i < kHandshakeInputs) {
    payload = handshake_message(kHsType[i], msg_seq, twin.bodies.of[i]);
  } else if (in == In::AK) {
    type = kContentTypeAck;
    payload.resize(2 + kRecordNumberSize);
    ByteWriter w(payload);
    const RecordNumber never_sent{2, 1000};
    write_ack(w, std::span<const RecordNumber>(&never_sent, 1));
    REQUIRE(!w.failed());
  } else if (in == In::AL) {
    type = static_cast<uint8_t>(ContentType::alert);
    payload = {1, 90};
  } else {
    type = static_cast<uint8_t>(ContentType::application_data);
    payload = {'h', 'e', 'l', 'l', 'o'};
  }
  if (epoch == 0) return plain_record(static_cast<ContentType>(type), kInjectedSeq0, payload);
  return EndpointAccess13::seal(twin.script.side(1 - to), epoch, type, Bytes(payload.data(), payload.size()),
                                kInjectedSeq);
}

std::vector<uint8_t> exporter(Endpoint& ep) {
  std::vector<uint8_t> out(60);
  if (!ep.export_keying_material("EXTRACTOR-dtls_srtp", out).ok()) out.clear();
  return out;
}

bool has(const std::vector<Event>& evs, std::size_t from, EventKind k) {
  for (std::size_t i = from; i < evs.size(); ++i)
    if (evs[i].kind == k) return true;
  return false;
}
// The alert of the failure event (what the endpoint sent), or close_notify when none.
AlertDescription failure_alert(const std::vector<Event>& evs, std::size_t from) {
  for (std::size_t i = from; i < evs.size(); ++i)
    if (evs[i].kind == EventKind::failure) return evs[i].alert;
  return AlertDescription::close_notify;
}

struct Tally {
  int cells = 0, fatal = 0, dropped = 0, ignored = 0, peer_alert = 0;
};

// Runs one cell: a fresh scripted handshake to the point, the injected
// datagram, then the checks for `code`.
void run_cell(test::Fixture& f, const Point& pt, const std::vector<uint8_t>& datagram, char code,
              AlertDescription fatal_alert = AlertDescription::unexpected_message) {
  Script13 s(f);
  s.advance(pt.steps);
  Endpoint& ep = s.side(pt.side);
  REQUIRE(ep.state() == pt.state);
  const bool established = pt.state == State::established;
  const std::vector<uint8_t> keys_before = established ? exporter(ep) : std::vector<uint8_t>{};
  auto& evs = s.events(pt.side);
  const std::size_t ev0 = evs.size();
  const uint64_t read_epoch = ep.read_epoch();
  std::vector<std::vector<uint8_t>> reaction;
  Verdict v = s.deliver_foreign(pt.side, datagram, reaction);

  CHECK_FALSE(has(evs, ev0, EventKind::handshake_complete));
  if (code == 'C') {
    // A hello (unauthenticated) that fails a check may be a damaged copy:
    // set aside, the state unchanged (dtls/v13/peer_flight.cpp). The peer
    // sends it again (the next record number): the same failure twice is
    // the peer's real answer.
    CHECK(v != Verdict::fatal);
    CHECK(ep.state() == pt.state);
    CHECK(ep.stats().flights_discarded == 1);
    CHECK(reaction.empty());
    CHECK_FALSE(has(evs, ev0, EventKind::failure));
    std::vector<uint8_t> copy = datagram;
    copy[10] = static_cast<uint8_t>(copy[10] + 1);
    v = s.deliver_foreign(pt.side, copy, reaction);
    code = 'F';
  }
  if (code == 'F') {
    CHECK(v == Verdict::fatal);
    CHECK(ep.state() == State::failed);
    CHECK(failure_alert(evs, ev0) == fatal_alert);
    CHECK(reaction.size() == 1);  // the alert
    CHECK(exporter(ep).empty());
    return;
  }
  if (code == 'X') {
    CHECK(v == Verdict::fatal);
    CHECK(ep.state() == State::failed);
    CHECK(has(evs, ev0, EventKind::alert_received));
    CHECK(reaction.empty());
    CHECK(exporter(ep).empty());
    return;
  }
  CHECK(v == (code == 'D' ? Verdict::discarded : Verdict::accepted));
  CHECK(ep.state() == pt.state);
  CHECK(ep.read_epoch() == read_epoch);
  CHECK_FALSE(has(evs, ev0, EventKind::failure));
  CHECK_FALSE(has(evs, ev0, EventKind::application_data));
  CHECK(reaction.size() == (code == 'A' ? 1u : 0u));  // 'A': answered with an ACK
  if (established) {
    CHECK(exporter(ep) == keys_before);
    return;
  }
  CHECK(exporter(ep).empty());
  // Nothing moved: the rest of the real handshake completes with equal keys.
  s.advance(Script13::kSteps);
  REQUIRE(s.client().is_established());
  REQUIRE(s.server().is_established());
  const auto k = exporter(s.client());
  CHECK(!k.empty());
  CHECK(k == exporter(s.server()));
}

}  // namespace

TEST_CASE("dtls13 conformance: the scripted handshake is deterministic (twin keys are this session's keys)") {
  test::Fixture f;
  Script13 a(f), b(f);
  a.advance(Script13::kSteps);
  b.advance(Script13::kSteps);
  REQUIRE(a.client().is_established());
  REQUIRE(a.server().is_established());
  REQUIRE(a.delivered(1).size() == b.delivered(1).size());
  CHECK(a.delivered(0).size() == 7);  // ServerHello .. Finished, one record each, then the ACK
  CHECK(a.delivered(1).size() == 4);  // ClientHello, Certificate, CertificateVerify, Finished
  for (std::size_t i = 0; i < a.delivered(1).size(); ++i) CHECK(a.delivered(1)[i] == b.delivered(1)[i]);
  CHECK(exporter(a.client()) == exporter(b.server()));
  // The points of the table are where they claim to be.
  for (const Point& pt : kPoints) {
    Script13 s(f);
    s.advance(pt.steps);
    CAPTURE(std::string(pt.name));
    CHECK(s.side(pt.side).state() == pt.state);
  }
}

TEST_CASE("dtls13 conformance: every message, ACK, alert and data, in every state, both roles, epochs 0, 2 and 3") {
  test::Fixture f;
  Twin twin(f);
  Tally t;
  int rows = 0;
  for (const Row& row : kTable) {
    const Point& pt = kPoints[row.point];
    ++rows;
    int input = 0;
    for (const char* c = row.cells; *c != '\0'; ++c) {
      const char code = *c;
      if (code == ' ') continue;
      REQUIRE(input < kInputs);
      const In in = static_cast<In>(input++);
      const std::string cell = std::string(pt.name) + ", epoch " + std::to_string(row.epoch) + ", " +
                               kInputNames[static_cast<int>(in)] + " -> " + code;
      CAPTURE(cell);
      CHECK((code == '.') == expected_here(pt, row.epoch, in));  // the table and the state machine agree
      if (code == '.') continue;
      run_cell(f, pt, make_input(twin, pt.side, in, row.epoch, pt.next_seq), code);
      ++t.cells;
      t.fatal += code == 'F';
      t.dropped += code == 'D';
      t.ignored += code == 'I';
      t.peer_alert += code == 'X';
    }
    CHECK(input == kInputs);
  }
  MESSAGE("dtls13 conformance: " << t.cells << " cells in " << rows << " rows: fatal unexpected_message " << t.fatal
                                 << ", dropped " << t.dropped << ", ignored " << t.ignored
                                 << ", ended by the peer's alert " << t.peer_alert);
  CHECK(t.cells > 400);
}

namespace {

std::vector<uint8_t> join(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

// The bug classes of TLS 1.3 stacks, and what RFC 8446 names for them, as
// named rows (codes as in the table; 'A': the repeat is answered with an ACK;
// 'C': a hello failing a check is set aside once, fatal on its second copy).
TEST_CASE("dtls13 conformance: named rows for the known bug classes") {
  test::Fixture f;
  Twin twin(f);
  int rows = 0;
  auto row = [&](const char* name, P point, const std::vector<uint8_t>& datagram, char code,
                 AlertDescription alert = AlertDescription::unexpected_message) {
    CAPTURE(std::string(name) + " @ " + kPoints[point].name);
    run_cell(f, kPoints[point], datagram, code, alert);
    ++rows;
  };
  // The real flights, message by message: the server's as sent after the
  // ClientHello, the client's as sent after the server's Finished.
  Script13 at_server_flight(f);
  at_server_flight.advance(1);
  Script13 at_client_flight(f);
  at_client_flight.advance(7);
  auto server_body = [&](std::size_t i) { return EndpointAccess13::flight_body(at_server_flight.server(), i); };
  auto client_body = [&](std::size_t i) { return EndpointAccess13::flight_body(at_client_flight.client(), i); };
  // Sealed under the handshake keys of the sender (the receiver's peer), as message `seq`.
  auto sealed = [&](P point, uint8_t type, uint16_t seq, const std::vector<uint8_t>& body, uint64_t record = kInjectedSeq,
                    uint8_t epoch = 2) {
    const auto m = handshake_message(type, seq, body);
    return EndpointAccess13::seal(twin.script.side(1 - kPoints[point].side), epoch,
                                  static_cast<uint8_t>(ContentType::handshake), Bytes(m.data(), m.size()), record);
  };
  auto flip_last = [](std::vector<uint8_t> body) {
    body.back() ^= 0x01;
    return body;
  };
  auto certificate = [](Bytes der) {
    std::vector<uint8_t> out(2048);
    ByteWriter w(out);
    write_certificate_message(w, Bytes(), der);
    out.resize(w.size());
    return out;
  };

  // A wrong Finished or a bad signature: decrypt_error (RFC 8446 §4.4.3, §4.4.4, §6.2).
  row("server Finished with a wrong verify_data", C5, sealed(C5, 20, 5, twin.bodies.of[7]), 'F',
      AlertDescription::decrypt_error);
  row("client Finished with a wrong verify_data", S3, sealed(S3, 20, 3, twin.bodies.of[7]), 'F',
      AlertDescription::decrypt_error);
  row("server CertificateVerify with a bad signature", C4, sealed(C4, 15, 4, flip_last(server_body(4))), 'F',
      AlertDescription::decrypt_error);
  row("client CertificateVerify with a bad signature", S2, sealed(S2, 15, 2, flip_last(client_body(1))), 'F',
      AlertDescription::decrypt_error);
  // A certificate other than the a=fingerprint's: bad_certificate, before any key (RFC 8122 §5).
  row("server certificate not the fingerprint's", C3, sealed(C3, 11, 3, certificate(f.client_id.certificate_der())),
      'F', AlertDescription::bad_certificate);
  row("client certificate not the fingerprint's", S1, sealed(S1, 11, 1, certificate(f.server_id.certificate_der())),
      'F', AlertDescription::bad_certificate);
  // An empty Certificate.  RFC 8446 §4.4.2.4: the client aborts with
  // decode_error; a server that requires one (WebRTC: always) with
  // certificate_required.
  const std::vector<uint8_t> empty_certificate = {0, 0, 0, 0};  // no context, no CertificateEntry
  row("empty server Certificate", C3, sealed(C3, 11, 3, empty_certificate), 'F', AlertDescription::decode_error);
  row("empty client Certificate", S1, sealed(S1, 11, 1, empty_certificate), 'F',
      AlertDescription::certificate_required);
  // KeyUpdate with a request_update other than 0 or 1.  RFC 8446 §4.6.3: illegal_parameter.
  row("KeyUpdate with request_update 2", C6, sealed(C6, 24, 6, {2}, kInjectedSeq, 3), 'F',
      AlertDescription::illegal_parameter);
  row("KeyUpdate with request_update 2", S4, sealed(S4, 24, 4, {2}, kInjectedSeq, 3), 'F',
      AlertDescription::illegal_parameter);
  // A ServerHello choosing a suite not offered.  RFC 8446 §4.1.3: illegal_parameter.
  {
    auto sh = twin.bodies.of[1];
    REQUIRE(sh[34] == 0);  // legacy_session_id_echo: empty; the suite follows
    sh[35] = 0x13;
    sh[36] = 0x04;  // TLS_AES_128_CCM_SHA256: not offered
    row("ServerHello with a cipher suite not offered", C0,
        plain_record(ContentType::handshake, kInjectedSeq0, handshake_message(2, 0, sh)), 'C',
        AlertDescription::illegal_parameter);
  }
  // Client-authentication bypass: the client's real Finished without its
  // CertificateVerify. Numbered as sent (3) it waits for message 2 and the
  // real CertificateVerify completes the handshake; renumbered 2 it takes
  // the CertificateVerify's place: unexpected_message (RFC 8446 §4.4).
  row("client Finished without CertificateVerify (as sent, seq gap)", S2, sealed(S2, 20, 3, client_body(2)), 'I');
  row("client Finished without CertificateVerify (renumbered)", S2, sealed(S2, 20, 2, client_body(2)), 'F');
  // Repeats (RFC 9147 §4.5.1, §7.1): a replayed record is dropped by the
  // window; a retransmitted message already processed changes nothing; a
  // repeated final client flight tells the established server its ACK was lost.
  row("replayed EncryptedExtensions record", C2, twin.script.delivered(0)[1], 'D');
  row("retransmitted ServerHello mid-flight", C2,
      plain_record(ContentType::handshake, kInjectedSeq0, handshake_message(2, 0, twin.bodies.of[1])), 'I');
  row("retransmitted server Certificate", C4, sealed(C4, 11, 3, server_body(3)), 'I');
  row("retransmitted client Finished after completion", S4, sealed(S4, 20, 3, client_body(2)), 'A');
  // Application data with the handshake still open, or before keys: dropped.  RFC 9147 §4.5.2
  row("application data under the handshake keys at completion", C7,
      EndpointAccess13::seal(twin.script.server(), 2, static_cast<uint8_t>(ContentType::application_data),
                             Bytes(twin.bodies.of[7].data(), 5), kInjectedSeq),
      'D');
  row("two records: the real Certificate then a KeyUpdate under the handshake keys", S1,
      join(sealed(S1, 11, 1, client_body(0), 50), sealed(S1, 24, 2, {0}, 51)), 'F');
  // Epochs never in use: 1 (0-RTT, which WebRTC does not use) and 4 (the
  // first KeyUpdate's, none done): no keys, dropped at every point (RFC 9147 §4.5.2).
  for (const Point& pt : kPoints) {
    const auto p = static_cast<P>(&pt - kPoints);
    for (uint8_t bits : {uint8_t{1}, uint8_t{0}}) {
      std::vector<uint8_t> record = {static_cast<uint8_t>(kUnifiedHeaderFixedBits | kBitSeq16 | kBitLength | bits),
                                     0, 7, 0, 32};
      record.resize(record.size() + 32, 0xA5);
      row(bits == 1 ? "DTLSCiphertext of epoch 1 (0-RTT)" : "DTLSCiphertext of epoch 4 (no KeyUpdate yet)", p, record,
          'D');
    }
  }
  MESSAGE("dtls13 conformance: " << rows << " named rows");
}

// The merge of the 1.3 table with the 1.3 heap split: the endpoint asked
// "are the epoch-2 read keys there?" to tell a plaintext alert before any
// key (a server refusing the ClientHello, obeyed) from one after (anyone
// could have sent it, dropped). Once the handshake state went, the client at
// once (cell "client established, epoch 0, alert -> D" failed: Verdict::fatal,
// state failed) and the server when its final-flight hold ended, the keys
// were gone and a forged plaintext alert ended the established association.
// An unauthenticated packet never ends a call: the state decides now.
TEST_CASE("dtls13 conformance: past its final-flight hold the server still drops a plaintext alert") {
  test::Fixture f;
  Script13 s(f);
  s.advance(Script13::kSteps);
  REQUIRE(s.server().is_established());
  std::vector<std::vector<uint8_t>> reaction;
  // The first handle_* call after completion releases the handshake state
  // and starts the hold of the epoch-2 read keys; the next one past the hold drops them.
  CHECK(s.deliver_foreign(1, {}, reaction) == Verdict::discarded);
  s.wait(f.server.final_flight_hold + Duration::seconds(1));
  const Verdict v = s.deliver_foreign(1, plain_record(ContentType::alert, kInjectedSeq0, {1, 90}), reaction);
  CHECK(v == Verdict::discarded);
  CHECK(s.server().state() == State::established);
  CHECK(reaction.empty());
  CHECK_FALSE(exporter(s.server()).empty());
}

// Found against wolfSSL 5.7.2 (tests/interop/wolfssl_dtls13.sh): a wolfSSL
// server sends a NewSessionTicket (221 bytes, message_seq 6, epoch 3) right
// after the handshake. keyway's client, whose established reassembler holds
// only a KeyUpdate, failed on it ("dtls reassembly: handshake message larger
// than the configured maximum") and ended the association with a fatal
// unexpected_message. RFC 8446 §4.6.1 lets a client that never resumes
// ignore a ticket; RFC 9147 §5.8.4/§7 has post-handshake messages ACKed. Now
// the client skips it, ACKs its record and takes the next message_seq (a
// KeyUpdate, 7) as usual.
TEST_CASE("dtls13: the client skips a NewSessionTicket after the handshake, ACKs it, and reads the next message") {
  test::Fixture f;
  Twin twin(f);
  Script13 s(f);
  s.advance(kPoints[C6].steps);
  keyway::dtls::v13::Endpoint& client = s.client();
  REQUIRE(client.state() == State::established);
  const std::vector<uint8_t> keys = exporter(client);
  auto from_server = [&](uint8_t type, uint16_t msg_seq, const std::vector<uint8_t>& body, uint64_t record) {
    const auto m = handshake_message(type, msg_seq, body);
    return EndpointAccess13::seal(twin.script.server(), 3, static_cast<uint8_t>(ContentType::handshake),
                                  Bytes(m.data(), m.size()), record);
  };
  // lifetime, age_add, nonce <1>, ticket <2>, extensions <2>: 221 bytes like wolfSSL's.
  std::vector<uint8_t> ticket(221, 0xA5);
  ticket[8] = 1;                                    // ticket_nonce length 1
  ticket[10] = 0, ticket[11] = 221 - 12 - 2;        // ticket length
  ticket[219] = 0, ticket[220] = 0;                 // no extensions
  const auto& evs = s.events(0);
  const std::size_t ev0 = evs.size();
  std::vector<std::vector<uint8_t>> reaction;
  CHECK(s.deliver_foreign(0, from_server(4, 6, ticket, kInjectedSeq), reaction) == Verdict::accepted);
  CHECK(client.state() == State::established);
  CHECK_FALSE(has(evs, ev0, EventKind::failure));
  CHECK(reaction.size() == 1);  // the ACK of the ticket's record
  // The same ticket again (our ACK was lost): ACKed again, nothing else.
  reaction.clear();
  CHECK(s.deliver_foreign(0, from_server(4, 6, ticket, kInjectedSeq + 1), reaction) == Verdict::accepted);
  CHECK(reaction.size() == 1);
  // The next message_seq is read: a KeyUpdate moves the client's read epoch to 4.
  reaction.clear();
  CHECK(s.deliver_foreign(0, from_server(24, 7, {0}, kInjectedSeq + 2), reaction) == Verdict::accepted);
  CHECK(client.state() == State::established);
  CHECK(client.read_epoch() == 4);
  CHECK_FALSE(has(evs, ev0, EventKind::failure));
  CHECK(exporter(client) == keys);
}
