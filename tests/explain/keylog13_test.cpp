// SPDX-License-Identifier: Apache-2.0
// Issue 18, the learner's view of DTLS 1.3: dtls::Endpoint::format_key_log
// writes the five NSS key log lines of a 1.3 association
// (CLIENT_HANDSHAKE_TRAFFIC_SECRET ... EXPORTER_SECRET, keyed by
// ClientHello.random), and `keyway explain --keylog` opens every 1.3 record
// of a whole keyway handshake with them: the unified header, the record
// number decrypted, the inner content type, the handshake messages of epochs
// 2 and 3 and the ACKs. Before this change format_key_log refused 1.3
// ("not written for DTLS 1.3 yet") and explain stopped at the first
// DTLSCiphertext ("not a whole record").
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "keyway/dtls/handshake_header.hpp"
#include "keyway/dtls/record.hpp"
#include "keyway/dtls/v13/endpoint.hpp"
#include "keyway/dtls/v13/hello_extensions.hpp"
#include "tests/dtls/fixture.hpp"
#include "tests/explain/capture.hpp"
#include "tools/explain/explain.hpp"

namespace keyway::explain {
namespace {

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

struct Captured13 {
  test::Fixture fx;
  std::vector<std::pair<int, std::vector<uint8_t>>> seen;  // (receiver, datagram)
  std::string key_log;
};

void run_dtls13(Captured13& c) {
  c.fx.client.offer_dtls13 = c.fx.server.offer_dtls13 = true;
  c.fx.client.keep_key_log = c.fx.server.keep_key_log = true;  // read after the handshake state is released
  c.fx.server.cookie_exchange = false;  // as in peer::Connection: ICE verified the path
  test::Pair pair(c.fx.client, c.fx.server);
  pair.tamper = [&](int to, std::vector<uint8_t>& d) {
    c.seen.emplace_back(to, d);
    return true;
  };
  pair.run();
  test::check_completed(pair);
  REQUIRE(pair.client().ep->version() == dtls::v13::kVersionDtls13);
  const uint8_t hello[] = {'h', 'e', 'l', 'l', 'o'};
  REQUIRE(pair.send_app(0, Bytes(hello, 5)));
  pair.run();
  char client_lines[dtls::Endpoint::kKeyLogMaxSize], server_lines[dtls::Endpoint::kKeyLogMaxSize];
  REQUIRE(pair.client().ep->format_key_log(client_lines, sizeof client_lines).ok());
  REQUIRE(pair.server().ep->format_key_log(server_lines, sizeof server_lines).ok());
  c.key_log = client_lines;
  CHECK(c.key_log == server_lines);
  // A buffer that holds the 1.2 line is too small for the five 1.3 lines.
  CHECK(!pair.client().ep->format_key_log(client_lines, dtls::Endpoint::kKeyLogLineSize).ok());
}

TEST_CASE("dtls 1.3 key log: five NSS lines, one ClientHello.random, the same on both sides") {
  Captured13 c;
  run_dtls13(c);
  const std::string& log = c.key_log;
  const char* labels[] = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET ", "SERVER_HANDSHAKE_TRAFFIC_SECRET ",
                          "CLIENT_TRAFFIC_SECRET_0 ", "SERVER_TRAFFIC_SECRET_0 ", "EXPORTER_SECRET "};
  std::size_t at = 0;
  std::string random;
  for (const char* label : labels) {  // in this order, one line each
    REQUIRE_MESSAGE(log.compare(at, std::strlen(label), label) == 0, log);
    at += std::strlen(label);
    std::size_t nl = log.find('\n', at);
    REQUIRE(nl != std::string::npos);
    std::string rest = log.substr(at, nl - at);
    REQUIRE(rest.size() == 64 + 1 + 64);  // TLS_AES_128_GCM_SHA256: SHA-256 secrets
    if (random.empty()) random = rest.substr(0, 64);
    CHECK(rest.substr(0, 64) == random);
    at = nl + 1;
  }
  CHECK(at == log.size());
  std::vector<KeyLogEntry> v12;
  std::vector<KeyLog13Entry> v13;
  std::string error;
  REQUIRE(parse_key_log(log, v12, v13, error));
  CHECK(v12.empty());
  REQUIRE(v13.size() == 1);
  for (uint8_t len : v13[0].len) CHECK(len == 32);
  // The 1.2 reader skips them, as before; a malformed 1.3 line names its line.
  CHECK(parse_key_log(log, v12, error));
  CHECK(v12.empty());
  CHECK(!parse_key_log("\n\nSERVER_TRAFFIC_SECRET_0 00 11\n", v12, v13, error));
  CHECK(error == "key log line 3: expected SERVER_TRAFFIC_SECRET_0 <64 hex> <64 or 96 hex>");
}

TEST_CASE("explain --keylog: DTLS 1.3 records opened (unified header, record number, inner type, epochs 2 and 3, ACK)") {
  Captured13 c;
  run_dtls13(c);
  Options o;
  std::string error;
  REQUIRE(parse_key_log(c.key_log, o.keylog, o.keylog13, error));
  Explainer ex(o);
  std::string out;
  for (const auto& [to, d] : c.seen) ex.datagram(Bytes(d.data(), d.size()), to == 1 ? "c:1 > s:2" : "s:2 > c:1", out);
  INFO(out);
  CHECK(out.find("dtls::v13::parse_server_hello accepts it: DTLS 1.3 chosen (supported_versions)") != std::string::npos);
  CHECK(out.find("DTLSCiphertext (DTLS 1.3, unified header)") != std::string::npos);
  CHECK(out.find("unified header 0b00101110: no connection id, 16-bit sequence number, length present, epoch 2 (or 2 + 4k): "
                 "handshake traffic keys") != std::string::npos);
  CHECK(out.find("decrypted: epoch 2, sequence number 0") != std::string::npos);
  CHECK(out.find("decrypted DTLSInnerPlaintext with SERVER_HANDSHAKE_TRAFFIC_SECRET (handshake traffic keys, epoch 2)") !=
        std::string::npos);
  CHECK(out.find("decrypted DTLSInnerPlaintext with CLIENT_HANDSHAKE_TRAFFIC_SECRET (handshake traffic keys, epoch 2)") !=
        std::string::npos);
  // The server's flight and the client's, each message by its 1.3 parser.
  for (const char* m : {"EncryptedExtensions (handshake type 8)", "CertificateRequest (handshake type 13)",
                        "Certificate (handshake type 11)", "CertificateVerify (handshake type 15)",
                        "Finished (handshake type 20)"})
    CHECK_MESSAGE(out.find(m) != std::string::npos, m);
  CHECK(out.find("dtls::v13::parse_encrypted_extensions accepts it") != std::string::npos);
  CHECK(count(out, "dtls::v13::parse_certificate_message accepts it") == 2);
  CHECK(count(out, "dtls::v13::parse_certificate_verify accepts it") == 2);
  CHECK(count(out, "Finished (handshake type 20)") >= 2);
  CHECK(out.find("inner content type 22: handshake (the real type; the outer header hides it)") != std::string::npos);
  // The server's ACK of the client's flight, in epoch 3.
  CHECK(out.find("with SERVER_TRAFFIC_SECRET_0 (application traffic keys, epoch 3)") != std::string::npos);
  CHECK(out.find("inner content type 26: ack") != std::string::npos);
  CHECK(out.find("dtls::v13::read_ack accepts it") != std::string::npos);
  CHECK(out.find("received: epoch 2, record 0") != std::string::npos);
  // Application data in epoch 3.
  CHECK(out.find("5 bytes of application_data") != std::string::npos);
  CHECK(out.find("68 65 6c 6c 6f") != std::string::npos);
  CHECK(out.find("not decrypted") == std::string::npos);

  // Without the 1.3 lines every DTLSCiphertext says why it stays closed.
  Explainer plain(Options{});
  std::string closed;
  for (const auto& [to, d] : c.seen) plain.datagram(Bytes(d.data(), d.size()), to == 1 ? "c > s" : "s > c", closed);
  CHECK(closed.find("not decrypted: give --keylog FILE") != std::string::npos);
  CHECK(closed.find("EncryptedExtensions") == std::string::npos);

  // The command: a capture and the key log, as Wireshark would be given them.
  std::string cli = explain_with_keylog(c.seen, c.key_log, "keyway-keylog13");
  CHECK_MESSAGE(cli.find("EncryptedExtensions (handshake type 8)") != std::string::npos, cli);
  CHECK(cli.find("inner content type 26: ack") != std::string::npos);
  CHECK(cli.find("not decrypted") == std::string::npos);
}

// Two 1.3 engines, every datagram delivered 10 ms later (virtual time) and kept.
struct Link13 {
  dtls::v13::Endpoint client, server;
  Timestamp now = Timestamp::zero();
  struct InFlight {
    int to;  // 0 client, 1 server
    Timestamp at;
    std::vector<uint8_t> bytes;
  };
  std::vector<InFlight> queue;
  std::vector<std::pair<int, std::vector<uint8_t>>> seen;  // (receiver, datagram), as the explain tests keep them
  Timestamp deadline[2] = {Timestamp::never(), Timestamp::never()};

  Link13(const dtls::Config& c, const dtls::Config& s) : client(c), server(s) {}
  dtls::v13::Endpoint& ep(int i) { return i == 0 ? client : server; }

  void poll(int me) {
    uint8_t scratch[1500];
    for (int i = 0; i < 64; ++i) {
      dtls::Output o = ep(me).poll_output(now, scratch);
      if (o.kind == dtls::Output::Kind::transmit) {
        std::vector<uint8_t> d(o.transmit.begin(), o.transmit.end());
        seen.emplace_back(1 - me, d);
        queue.push_back({1 - me, now + Duration::millis(10), std::move(d)});
      } else if (o.kind != dtls::Output::Kind::event) {
        deadline[me] = o.deadline;
        return;
      }
    }
  }

  void run_for(Duration d) {
    const Timestamp end = now + d;
    while (now < end) {
      poll(0);
      poll(1);
      Timestamp next = end;
      for (const InFlight& f : queue)
        if (f.at < next) next = f.at;
      for (Timestamp t : deadline)
        if (t < next) next = t;
      now = next > now ? next : now + Duration::millis(1);
      for (std::size_t i = 0; i < queue.size();) {
        if (queue[i].at > now) {
          ++i;
          continue;
        }
        InFlight f = std::move(queue[i]);
        queue.erase(queue.begin() + static_cast<std::ptrdiff_t>(i));
        (void)ep(f.to).handle_datagram(now, MutableBytes(f.bytes.data(), f.bytes.size()));
        poll(f.to);
      }
      for (int side : {0, 1})
        if (deadline[side] <= now) ep(side).handle_timeout(now);
    }
  }
};

// RFC 8446 §7.2, RFC 9147 §8: after a KeyUpdate the records carry epoch 4
// (epoch bits 0); explain derives "traffic upd" from CLIENT_TRAFFIC_SECRET_0
// and opens them, KeyUpdate and ACK included.
TEST_CASE("explain --keylog: DTLS 1.3 records after a KeyUpdate (epoch 4) opened from the _TRAFFIC_SECRET_0 lines") {
  test::Fixture f;
  Link13 link(f.client, f.server);
  link.client.set_remote_fingerprint(dtls::fingerprint(dtls::FingerprintHash::sha256, f.server_id.certificate_der()));
  link.server.set_remote_fingerprint(dtls::fingerprint(dtls::FingerprintHash::sha256, f.client_id.certificate_der()));
  link.run_for(Duration::seconds(2));
  REQUIRE(link.client.is_established());
  REQUIRE(link.server.is_established());
  REQUIRE(link.client.request_key_update(false).ok());
  link.run_for(Duration::seconds(2));
  REQUIRE(link.client.write_epoch() == 4);
  const uint8_t hi[] = {'h', 'i'};
  uint8_t out[200];
  auto rec = link.client.send_application_data(Bytes(hi, 2), out);
  REQUIRE(rec.ok());
  link.seen.emplace_back(1, std::vector<uint8_t>(rec->begin(), rec->end()));

  // The key log entry as dtls::Endpoint would write it: the secrets of the
  // engine, under the ClientHello.random of the first datagram (record
  // header 13 bytes, handshake header 12, legacy_version 2).
  KeyLog13Entry e;
  const auto& hello = link.seen.front().second;
  REQUIRE(hello.size() > 27 + 32);
  std::memcpy(e.client_random.data(), hello.data() + 27, 32);
  using S = dtls::v13::Endpoint::KeyLogSecret;
  const S order[] = {S::client_handshake, S::server_handshake, S::client_application, S::server_application, S::exporter};
  for (int i = 0; i < KeyLog13Entry::count; ++i) {
    auto secret = link.client.key_log_secret(order[i]);
    REQUIRE(secret.ok());
    std::memcpy(e.secret[i].data(), secret->data(), secret->size());
    e.len[i] = static_cast<uint8_t>(secret->size());
  }
  Options o;
  o.keylog13.push_back(e);
  Explainer ex(o);
  std::string text;
  for (const auto& [to, d] : link.seen) ex.datagram(Bytes(d.data(), d.size()), to == 1 ? "c > s" : "s > c", text);
  INFO(text);
  CHECK(text.find("KeyUpdate (handshake type 24)") != std::string::npos);
  CHECK(text.find("update_not_requested") != std::string::npos);
  CHECK(text.find("epoch 0 + 4k: application traffic keys after a KeyUpdate") != std::string::npos);
  CHECK(text.find("decrypted DTLSInnerPlaintext with CLIENT_TRAFFIC_SECRET_0 (application traffic keys after a "
                  "KeyUpdate, epoch 4): 2 bytes of application_data") != std::string::npos);
  CHECK(text.find("68 69") != std::string::npos);
  CHECK(text.find("not decrypted") == std::string::npos);
}

// Issue 18 (robustness pass): a ClientHello whose random was damaged on the
// way still parses; the server answers it, the keys of the two ends differ,
// and the server takes the client's retransmission instead
// (dtls/v13/peer_flight.cpp retake_hello). The handshake completes on the
// hello the client really sent, so both key logs must name that hello's
// random: Wireshark and `keyway explain` find the secrets by it. The server
// named the damaged copy's random before the fix (its dtls::Endpoint kept
// the random of the hello it handed over to the 1.3 engine).
TEST_CASE("dtls 1.3 key log: after a damaged ClientHello is retaken, both logs name the random of the hello used") {
  Captured13 c;
  c.fx.client.offer_dtls13 = c.fx.server.offer_dtls13 = true;
  c.fx.client.keep_key_log = c.fx.server.keep_key_log = true;
  c.fx.server.cookie_exchange = false;
  test::Pair pair(c.fx.client, c.fx.server);
  int damaged = 0;
  constexpr std::size_t kRandom = dtls::kRecordHeaderSize + dtls::kHandshakeHeaderSize + 2;  // legacy_version
  pair.tamper = [&](int to, std::vector<uint8_t>& d) {
    const bool client_hello = d.size() > kRandom + 32 && d[0] == 22 && d[dtls::kRecordHeaderSize] == 1;
    if (to == 1 && client_hello && damaged++ == 0) d[kRandom + 7] ^= 0x01;  // parses: only the random changed
    c.seen.emplace_back(to, d);
    return true;
  };
  pair.run();
  test::check_completed(pair);
  REQUIRE(pair.server().ep->version() == dtls::v13::kVersionDtls13);
  REQUIRE(damaged >= 2);
  REQUIRE(pair.server().ep->stats().flights_discarded == 1);  // the damaged copy was answered, then retaken
  char client_lines[dtls::Endpoint::kKeyLogMaxSize], server_lines[dtls::Endpoint::kKeyLogMaxSize];
  REQUIRE(pair.client().ep->format_key_log(client_lines, sizeof client_lines).ok());
  REQUIRE(pair.server().ep->format_key_log(server_lines, sizeof server_lines).ok());
  CHECK(std::string(server_lines) == std::string(client_lines));
  // explain opens the client's flight and the server's ACK with the server's log.
  Options o;
  std::string error;
  REQUIRE(parse_key_log(server_lines, o.keylog, o.keylog13, error));
  Explainer ex(o);
  std::string out;
  for (const auto& [to, d] : c.seen) ex.datagram(Bytes(d.data(), d.size()), to == 1 ? "c:1 > s:2" : "s:2 > c:1", out);
  CHECK(out.find("decrypted DTLSInnerPlaintext with CLIENT_HANDSHAKE_TRAFFIC_SECRET (handshake traffic keys, epoch 2)") !=
        std::string::npos);
  CHECK(out.find("inner content type 26: ack") != std::string::npos);
}

}  // namespace
}  // namespace keyway::explain
