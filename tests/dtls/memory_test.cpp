// SPDX-License-Identifier: Apache-2.0
// Memory of an established association (issue 3 goals): the Endpoint keeps
// only the established state once the handshake is over, and the steady
// packet path allocates nothing (allocations counted by
// tests/support/counting_alloc.cpp).
#include <cstring>
#include <optional>

#include <doctest/doctest.h>

#include "bench/dtls/heap_meter.hpp"
#include "keyway/dtls/v13/endpoint.hpp"
#include "tests/dtls/fixture.hpp"
#include "tests/support/counting_alloc.hpp"

using namespace keyway;
using namespace keyway::dtls;
using keyway::test::Fixture;

namespace {

// Two endpoints wired back to back through static buffers (no harness
// allocations): every datagram one side emits goes to the other.
struct Wire {
  Endpoint* ep[2];
  uint8_t scratch[2048];
  bool complete[2] = {false, false};
  bool failed = false;
  std::size_t app_records[2] = {0, 0};
  std::size_t app_bytes[2] = {0, 0};
  Timestamp now = Timestamp::from_micros(1000000);
  std::size_t sent[2] = {0, 0};
  int drop_side = -1;          // this side's datagram number drop_index is lost
  std::size_t drop_index = 0;

  void pump(int from) {
    for (int guard = 0; guard < 1000; ++guard) {
      Output o;
      {
        bench::ChargeTo c(from);  // the heap meter, when started, charges each endpoint its own allocations
        o = ep[from]->poll_output(now, scratch);
      }
      if (o.kind == Output::Kind::timeout) return;
      if (o.kind == Output::Kind::transmit) {
        if (from == drop_side && sent[from]++ == drop_index) continue;
        if (from != drop_side) ++sent[from];
        {
          bench::ChargeTo c(1 - from);
          ep[1 - from]->handle_datagram(now, MutableBytes(scratch, o.transmit.size()));
        }
        pump(1 - from);  // take its events while the datagram is still in scratch
        continue;
      }
      const Event& e = o.event;
      if (e.kind == EventKind::peer_certificate) REQUIRE(ep[from]->accept_peer_certificate(e.data).ok());
      if (e.kind == EventKind::handshake_complete) complete[from] = true;
      if (e.kind == EventKind::failure) failed = true;
      if (e.kind == EventKind::application_data) {
        ++app_records[from];
        app_bytes[from] += e.data.size();
      }
    }
  }
  void handshake() {
    for (int i = 0; i < 50 && !(complete[0] && complete[1]) && !failed; ++i) {
      pump(0);
      pump(1);
    }
    for (int i = 0; i < 2; ++i) {  // the first call after completion releases the handshake
      bench::ChargeTo c(i);
      ep[i]->handle_timeout(now);
    }
  }
  bool send(int from, Bytes data) {
    uint8_t out[2048];
    auto d = ep[from]->send_application_data(data, out);
    if (!d.ok()) return false;
    ep[1 - from]->handle_datagram(now, MutableBytes(out, d->size()));
    pump(1 - from);
    return true;
  }
};

// The shared fixture, reduced to one suite and one profile, no cookie.
struct Setup : Fixture {
  explicit Setup(uint16_t suite, bool dtls13 = false) {
    server.cookie_exchange = false;
    client.cipher_suites.push(suite);
    server.cipher_suites.push(suite);
    client.offer_dtls13 = server.offer_dtls13 = dtls13;
  }
};

// One handshake under the heap meter (bench/dtls/heap_meter.hpp, every
// malloc and free charged to the endpoint that made it), as keyway-bench
// dtls measures: per side, the object plus its heap, the larger side.
struct Figures {
  std::size_t peak = 0;
  std::size_t established = 0;
  std::size_t after_hold = 0;  // once the 1.3 server's final_flight_hold is over
};
Figures measure(bool dtls13) {
  Figures f;
  Setup s(0xC02B, dtls13);
  Endpoint warm_up_client(s.client), warm_up_server(s.server);  // one-time curve tables are not per session
  Wire warm{{&warm_up_client, &warm_up_server}};
  warm.handshake();
  bench::HeapMeter::start();
  {
    std::optional<Endpoint> c, sv;  // each constructed under its own meter side, as keyway-bench dtls does
    {
      bench::ChargeTo charge(0);
      c.emplace(s.client);
    }
    {
      bench::ChargeTo charge(1);
      sv.emplace(s.server);
    }
    Endpoint& client = *c;
    Endpoint& server = *sv;
    Wire w{{&client, &server}};
    w.handshake();
    REQUIRE(client.is_established());
    REQUIRE(server.is_established());
    CHECK(client.version() == (dtls13 ? 0xFEFC : 0xFEFD));
    f.peak = sizeof(Endpoint) + std::max(bench::HeapMeter::peak(0), bench::HeapMeter::peak(1));
    f.established = sizeof(Endpoint) + std::max(bench::HeapMeter::live(0), bench::HeapMeter::live(1));
    w.now = w.now + s.server.final_flight_hold + Duration::millis(1);
    for (int i = 0; i < 2; ++i) {
      bench::ChargeTo c(i);
      w.ep[i]->handle_timeout(w.now);
    }
    f.after_hold = sizeof(Endpoint) + std::max(bench::HeapMeter::live(0), bench::HeapMeter::live(1));
  }
  bench::HeapMeter::stop();
  return f;
}
}  // namespace

TEST_CASE("dtls memory: the established state is the Endpoint alone, and bounded") {
  // 2 KiB per side including mbedTLS's heap AES key schedules (2 x 288 B
  // for AES-GCM), as keyway-bench dtls measures it.
  CHECK(sizeof(Endpoint) <= 2048 - 2 * 288);
  CHECK(sizeof(Endpoint) <= 480);  // issue 17: 584 with the exporter secret inside
  Setup s(0xC02B);
  Endpoint client(s.client), server(s.server);
  CHECK(client.heap_bytes() > 0);  // the handshake context exists from the start
  Wire w{{&client, &server}};
  w.handshake();
  REQUIRE(client.is_established());
  REQUIRE(server.is_established());
  // Issue 17: what stays on the heap is the exporter's secret (master
  // secret and randoms), until the caller says it exported (release_exporter).
  CHECK(client.heap_bytes() == Endpoint::kExporterSecretBytes);
  CHECK(server.heap_bytes() == Endpoint::kExporterSecretBytes);
  CHECK(client.peer_certificate().empty());  // accepted, delivered, released
  uint8_t km[60];
  CHECK(client.export_keying_material("EXTRACTOR-dtls_srtp", km).ok());
  char line[Endpoint::kKeyLogMaxSize];
  CHECK(client.format_key_log(line, sizeof line).ok());
  client.release_exporter();
  CHECK(client.heap_bytes() == 0);
  Status again = client.export_keying_material("EXTRACTOR-dtls_srtp", km);
  REQUIRE(!again.ok());
  CHECK(again.error().layer == Layer::dtls);
  CHECK(again.error().code == Code::bad_state);
  CHECK(!client.format_key_log(line, sizeof line).ok());
  CHECK(server.export_keying_material("EXTRACTOR-dtls_srtp", km).ok());  // the other side kept its own
}

TEST_CASE("dtls memory: 10,000 application data records each way after the handshake allocate nothing") {
  for (uint16_t suite : {uint16_t{0xC02B}, uint16_t{0xC02C}, uint16_t{0xCCA9}}) {
    CAPTURE(suite);
    Setup s(suite);
    Endpoint client(s.client), server(s.server);
    Wire w{{&client, &server}};
    w.handshake();
    REQUIRE(client.is_established());
    REQUIRE(server.is_established());
    uint8_t payload[1000];
    std::memset(payload, 0x5A, sizeof payload);
    // The first record each way keys the record AEADs released with the
    // handshake (issue 13, the test below); from then on nothing allocates.
    REQUIRE((w.send(0, Bytes(payload, 1)) && w.send(1, Bytes(payload, 1))));
    const uint64_t news = keyway::testing::operator_new_count(), mallocs = keyway::testing::malloc_count();
    bool ok = true;
    for (int i = 0; i < 10000 && ok; ++i) {
      std::size_t len = 1 + static_cast<std::size_t>(i) % sizeof payload;
      ok = w.send(0, Bytes(payload, len)) && w.send(1, Bytes(payload, len));
    }
    CHECK(keyway::testing::operator_new_count() == news);
    CHECK(keyway::testing::malloc_count() == mallocs);
    REQUIRE(ok);
    CHECK(w.app_records[0] == 10001);
    CHECK(w.app_records[1] == 10001);
    CHECK(server.stats().records_auth_failed == 0);
  }
}

// Issue 18: the 1.3 engine's handshake state (transcript, key shares,
// certificates, flights, reassembly, handshake secrets) is released once the
// handshake is over, as 1.2's context is. Before this, the whole engine
// (25,824 bytes) stayed for the life of the association: keyway-bench dtls
// measured 1.3 at handshake_peak_bytes=38848 established_bytes=34424.
TEST_CASE("dtls memory: DTLS 1.3 releases its handshake state; peak within the 1.2 budget, both figures") {
  Setup s(0xC02B, true);
  Endpoint client(s.client), server(s.server);
  Wire w{{&client, &server}};
  w.handshake();
  REQUIRE(client.is_established());
  REQUIRE(server.is_established());
  REQUIRE(client.version() == 0xFEFC);
  // What stays: the 1.3 engine object, no handshake state (its heap_bytes()).
  // Issue 18 (the 1.2 budget for the whole call): the object was 2,000 bytes
  // with its eight pending events as 48-byte dtls::Events (392 B; now 16 B
  // each, the rest filled in by poll_output), a reference member to the
  // epoch-2 slot (8 B), the Flight's counts as size_t (32 B), a
  // record-number key's kind and "keyed" flag in two bytes (8 B of padding in
  // each of the five record slots), the lengths of its four traffic secrets
  // in a byte (not a size_t) and padding between one-byte fields.
  // Then 1,616 bytes with five record slots of 80 bytes (a keyed epoch's iv
  // and record-number key inline, now in the heap block of its AEAD: 32
  // bytes each) and a replay window of 24 with a flag and a next_expected
  // copy of its top (16, the window alone); 1.2's two windows shrink too.
  // Then 1,312 bytes with the storage for a KeyUpdate each way inline (its
  // Flight, Reassembler, their 40 bytes of buffers and a 2-record log: 352),
  // now on the heap only while a KeyUpdate is under way (v13_handshake_test),
  // the retransmission timer's two ints side by side (56 -> 48) and the list
  // of received record numbers as a function, not a 16-byte span.
  // Then 944 bytes with the server's hold (the client handshake secret that
  // keys epoch 2 again for a repeated client Finished, and its end: 56 bytes,
  // now a 64-byte heap block during final_flight_hold only) and a sequence
  // number for each of the four epoch slots (32 bytes; epochs 0 and 2 are
  // the handshake state's, the application epoch's is the one kept), the
  // partly-received-flight ACK deadline and the server's HelloRetryRequest
  // cookie and group (handshake only, now the handshake state's), the pending
  // ACK and alert in the padding after the secrets (8 B), and a record slot's
  // epoch in 64 bits beside its hash and AEAD kind (32 B a slot, five slots;
  // now 48 bits and the two bytes in the same eight: 24 B), and the suite
  // as a pointer (now a byte, in the padding), and eight pending events of
  // 16 bytes with a pointer each (now 8: application data an offset into the
  // datagram, as 1.2's, a certificate the handshake state's): 752 bytes.
  CHECK(sizeof(v13::RecordProtection) <= 24);
  CHECK(sizeof(v13::ReceiveEpoch) <= 40);
  CHECK(sizeof(v13::Endpoint) <= 752);
  // kSecret: the exporter secret's block (issue 17), whose client random
  // keys the 1.3 key log too, until release_exporter().
  constexpr std::size_t kSecret = Endpoint::kExporterSecretBytes;
  CHECK(client.heap_bytes() == sizeof(v13::Endpoint) + kSecret);
  CHECK(server.heap_bytes() == sizeof(v13::Endpoint) + sizeof(v13::Endpoint::HandshakeHold) + kSecret);  // during the hold
  w.now = w.now + s.server.final_flight_hold;
  server.handle_timeout(w.now);
  CHECK(server.heap_bytes() == sizeof(v13::Endpoint) + kSecret);  // the hold is over
  CHECK(client.peer_certificate().empty());
  uint8_t a[60], b[60];
  REQUIRE(client.export_keying_material("EXTRACTOR-dtls_srtp", a).ok());
  REQUIRE(server.export_keying_material("EXTRACTOR-dtls_srtp", b).ok());
  CHECK(std::memcmp(a, b, sizeof a) == 0);
  CHECK(w.send(0, Bytes(a, 10)));
  CHECK(w.send(1, Bytes(b, 10)));
  CHECK(w.app_records[0] == 1);
  CHECK(w.app_records[1] == 1);

  if (!bench::HeapMeter::available()) return;  // ASan owns malloc
  const Figures v12 = measure(false), v13 = measure(true);
  MESSAGE("dtls memory per side (object + heap, larger side): 1.2 handshake_peak_bytes=" << v12.peak
          << " established_bytes=" << v12.established << "; 1.3 handshake_peak_bytes=" << v13.peak
          << " established_bytes=" << v13.established << " after_hold_bytes=" << v13.after_hold);
  CHECK(v13.peak <= 24 * 1024);  // issue 13's budget per endpoint
  // Issue 18, the 1.2 budgets: once established, a 1.3 association is the
  // two objects and nothing else on the heap (1.2: its object alone). Its
  // record AEADs are released as 1.2's are (the test below), and the server
  // keeps the client's handshake secret, not a keyed epoch-2 AEAD, to ACK a
  // repeated client Finished. Before, each side also held both epoch-3
  // AEADs and the server its epoch-2 read AEAD (720 B each with AES-GCM):
  // established_bytes=4704 against 2544 for the two objects.
  // The server's hold (final_flight_hold, 240 s by default) is 64 bytes more.
  CHECK(sizeof(v13::Endpoint::HandshakeHold) <= 64);
  CHECK(v13.established == sizeof(Endpoint) + sizeof(v13::Endpoint) + sizeof(v13::Endpoint::HandshakeHold) + kSecret);
  CHECK(v13.after_hold == sizeof(Endpoint) + sizeof(v13::Endpoint) + kSecret);
  // Issue 13's 8 KiB for the whole call, now that 1.3 is the default: the
  // two objects were 600 + 1,616 = 2,216 bytes, then 584 + 944; issue 17
  // moved the exporter secret (112 B) to the heap, behind an 8-byte pointer.
  CHECK(v13.after_hold <= 584 + 8 + 752);
  // The peak, within 2 KiB of 1.2's: the hello that chose 1.3 is read by
  // the 1.3 engine only once the 1.2 context is gone (its key exchange and
  // CertificateVerify ran beside it), the ECDHE key pair goes once the
  // shared secret is computed, the client's epoch-2 write and both epoch-3
  // AEADs wait for their first record, and the server's epoch-2 write AEAD
  // goes once the client's flight arrives. Before: 18,874 against 11,980.
  // The gap depends on the mbedTLS build: with 2.28 1.3 peaks 434 bytes below
  // 1.2 (12,244 / 13,094; 12,684 / 13,118 before the record slots shrank), with 3.6 (smaller ECDH/ECDSA contexts for 1.2's
  // key exchange) 1,404 bytes above (12,530 / 11,126); a 1.5 KiB bound failed
  // under 3.6 before the engine shrank (12,954 / 11,126).
  CHECK(v13.peak <= v12.peak + 2048);
}

// Issue 18: the DTLS 1.3 engine kept its epoch-3 AEADs for the whole call,
// where 1.2 releases its epoch-1 AEADs after the handshake (the test
// below). Now it keeps the application traffic secrets (KeyUpdate needs
// them anyway) and the first record each way keys the AEAD and the
// record-number key, once: one allocation per direction, then none; and
// close_notify still goes out encrypted and is authenticated. Before, no
// AEAD was allocated after the handshake (the first check of news failed)
// and record_aeads_held() counted only the unused 1.2 ciphers.
TEST_CASE("dtls memory: DTLS 1.3 holds no record AEAD once established; the first record each way keys one, once") {
  Setup s(0xC02B, true);
  Endpoint client(s.client), server(s.server);
  Wire w{{&client, &server}};
  w.handshake();
  REQUIRE(client.is_established());
  REQUIRE(server.is_established());
  REQUIRE(client.version() == 0xFEFC);
  CHECK(client.record_aeads_held() == 0);
  CHECK(server.record_aeads_held() == 0);  // nor the epoch-2 read AEAD of its final-flight hold
  uint8_t payload[100];
  std::memset(payload, 0x44, sizeof payload);
  uint64_t news = keyway::testing::operator_new_count();
  REQUIRE(w.send(0, Bytes(payload, sizeof payload)));  // client seals, server opens: one AEAD each
  CHECK(keyway::testing::operator_new_count() == news + 2);
  CHECK(client.record_aeads_held() == 1);
  CHECK(server.record_aeads_held() == 1);
  news = keyway::testing::operator_new_count();
  const uint64_t mallocs = keyway::testing::malloc_count();
  for (int i = 0; i < 100; ++i) REQUIRE(w.send(0, Bytes(payload, sizeof payload)));
  CHECK(keyway::testing::operator_new_count() == news);  // kept: no allocation per record
  CHECK(keyway::testing::malloc_count() == mallocs);
  REQUIRE(w.send(1, Bytes(payload, sizeof payload)));  // the other direction: one more each
  CHECK(client.record_aeads_held() == 2);
  CHECK(server.record_aeads_held() == 2);
  CHECK(w.app_records[1] == 101);
  CHECK(w.app_records[0] == 1);
  server.close();
  w.pump(1);
  CHECK(client.state() == HandshakeState::closed);
  CHECK(client.stats().records_auth_failed == 0);
  CHECK(server.stats().records_auth_failed == 0);
}

// Issue 13: a DTLS-SRTP association carries no records once SRTP has its
// keys, yet each side held both epoch-1 AEADs (AES-GCM: mbedTLS's context
// and the AES key schedule it allocates, 752 B each) for the whole call.
// Now they are released with the handshake, the keys kept (a few dozen
// bytes), and the first record that needs one keys it again, once: one
// allocation per direction, then none, and close_notify still goes out
// encrypted and is authenticated by the peer. Before the change no AEAD was
// ever allocated after the handshake (the first check of news failed).
TEST_CASE("dtls memory: the record AEADs are released after the handshake and keyed again on first use") {
  for (uint16_t suite : {uint16_t{0xC02B}, uint16_t{0xCCA9}}) {
    CAPTURE(suite);
    Setup s(suite);
    Endpoint client(s.client), server(s.server);
    Wire w{{&client, &server}};
    w.handshake();
    REQUIRE(client.is_established());
    REQUIRE(server.is_established());
    CHECK(client.record_aeads_held() == 0);
    CHECK(server.record_aeads_held() == 0);
    uint8_t payload[100];
    std::memset(payload, 0x33, sizeof payload);
    uint64_t news = keyway::testing::operator_new_count();
    REQUIRE(w.send(0, Bytes(payload, sizeof payload)));  // client seals, server opens: one AEAD each
    CHECK(keyway::testing::operator_new_count() == news + 2);
    CHECK(client.record_aeads_held() == 1);
    CHECK(server.record_aeads_held() == 1);
    news = keyway::testing::operator_new_count();
    REQUIRE(w.send(0, Bytes(payload, sizeof payload)));
    CHECK(keyway::testing::operator_new_count() == news);  // kept
    CHECK(w.app_records[1] == 2);
    // close_notify: sealed by the server's write AEAD (keyed now), opened by the client's read one.
    server.close();
    w.pump(1);
    CHECK(client.record_aeads_held() == 2);
    CHECK(server.record_aeads_held() == 2);
    CHECK(client.state() == HandshakeState::closed);
    CHECK(client.stats().records_auth_failed == 0);
  }
}

// Issue 18, RFC 9147 §7: the server's ACK of the client's last flight is
// lost (peer::Connection drops it when the server completes before its ICE
// has a path). The client sends its flight again; the server, whose record
// AEADs went with its handshake state, keys its epoch-2 read AEAD from the
// client handshake secret it kept and its epoch-3 write AEAD to ACK it, and
// once the ACK is out releases both again: a lost ACK does not leave the
// server holding two AEADs for the rest of the call (it did, the last
// record_aeads_held() check failed with 2, before release_after_repeated_flight).
TEST_CASE("dtls memory: DTLS 1.3 server whose ACK was lost answers the repeated client flight, then holds no AEAD again") {
  Setup s(0xC02B, true);
  std::size_t server_datagrams = 0;
  {
    Endpoint client(s.client), server(s.server);
    Wire trial{{&client, &server}};
    trial.handshake();
    REQUIRE(client.is_established());
    server_datagrams = trial.sent[1];
  }
  Endpoint client(s.client), server(s.server);
  Wire w{{&client, &server}};
  w.drop_side = 1;
  w.drop_index = server_datagrams - 1;  // the server's last datagram: its ACK
  w.handshake();
  REQUIRE(client.is_established());
  REQUIRE(server.is_established());
  client.release_exporter();  // as DTLS-SRTP does once keyed (issue 17): the heap below is the 1.3 engine's
  server.release_exporter();
  CHECK(server.heap_bytes() == sizeof(v13::Endpoint) + sizeof(v13::Endpoint::HandshakeHold));  // released, but for its hold
  CHECK(client.heap_bytes() > sizeof(v13::Endpoint));  // still holds its flight, unacknowledged
  CHECK(server.record_aeads_held() == 0);
  for (int i = 0; i < 20 && client.heap_bytes() > sizeof(v13::Endpoint); ++i) {
    w.now = w.now + Duration::millis(500);
    client.handle_timeout(w.now);
    w.pump(0);
    w.pump(1);
    client.handle_timeout(w.now);  // released once ACKed
  }
  CHECK(client.heap_bytes() == sizeof(v13::Endpoint));  // the ACK came: the client released its flight
  CHECK(client.stats().retransmissions >= 1);
  CHECK(server.record_aeads_held() == 0);
  uint8_t payload[10] = {1, 2, 3};
  REQUIRE(w.send(0, Bytes(payload, sizeof payload)));  // and the association still works both ways
  REQUIRE(w.send(1, Bytes(payload, sizeof payload)));
  CHECK(w.app_records[0] == 1);
  CHECK(w.app_records[1] == 1);
}
