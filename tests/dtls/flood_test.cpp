// SPDX-License-Identifier: Apache-2.0
// Floods and limits (issue 7): ClientHello floods at a dtls::Listener with
// cookies on and off, and hostile handshake fragments at an Endpoint. Memory
// is measured as live heap bytes (glibc mallinfo2, or the ASan allocator's
// own count under ASan) plus allocation counts, both from
// tests/support/counting_alloc.cpp.
#include <doctest/doctest.h>
#include <fmt/core.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "keyway/dtls/listener.hpp"
#include "keyway/dtls/reassembler.hpp"
#include "tests/dtls/script.hpp"
#include "tests/support/counting_alloc.hpp"
#include "tests/support/listener_client.hpp"

using namespace keyway;
using namespace keyway::dtls;
using keyway::test::Identities;
using keyway::test::Script;

namespace {

std::size_t heap_bytes() { return keyway::testing::heap_bytes_in_use(); }
std::size_t allocations() { return static_cast<std::size_t>(keyway::testing::allocation_count()); }

// 100,000 (about 1 s, 2.5 s under ASan), or KEYWAY_FLOOD_HELLOS.
std::size_t flood_count() {
  if (const char* e = std::getenv("KEYWAY_FLOOD_HELLOS")) return std::max<std::size_t>(std::strtoul(e, nullptr, 10), 2);
  return 100000;
}

std::vector<uint8_t> address(uint32_t i) {
  return {10, static_cast<uint8_t>(i >> 16), static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i), 0x13, 0x88};
}
// The same, without allocating (for the measured loops).
struct Address {
  uint8_t b[6] = {10, 0, 0, 0, 0x13, 0x88};
  Bytes of(uint32_t i) {
    b[1] = static_cast<uint8_t>(i >> 16);
    b[2] = static_cast<uint8_t>(i >> 8);
    b[3] = static_cast<uint8_t>(i);
    return Bytes(b, sizeof b);
  }
};

struct Peers {
  Identities ids;
  SeededRng client_rng{11};
  SeededRng server_rng{22};
  Config client;
  ListenerConfig listener;
  Peers(bool cookies, std::size_t capacity, std::size_t max_pending) {
    client.role = Role::client;
    client.identity = &ids.client;
    client.rng = &client_rng;
    listener.server.identity = &ids.server;
    listener.server.rng = &server_rng;
    listener.cookie_exchange = cookies;
    listener.capacity = capacity;
    listener.max_pending = max_pending;
    for (uint16_t p : {uint16_t{0x0007}, uint16_t{0x0001}}) {
      client.srtp_profiles.push(p);
      listener.server.srtp_profiles.push(p);
    }
  }
};

// The first datagram of a fresh client: its ClientHello.
std::vector<uint8_t> client_hello(Peers& p) {
  Endpoint c(p.client);
  uint8_t scratch[2048];
  Output out = c.poll_output(Timestamp::from_micros(1), scratch);
  REQUIRE(out.kind == Output::Kind::transmit);
  return {out.transmit.begin(), out.transmit.end()};
}

// A real client talking to the Listener from `from` (tests/support/listener_client.hpp).
using RealClient = keyway::test::ListenerClient;

Endpoint* established_for(Listener& l, const std::vector<uint8_t>& from) {
  Endpoint* ep = keyway::test::association(l, from);
  return ep != nullptr && ep->is_established() ? ep : nullptr;
}

void expect_same_keys(Endpoint& a, Endpoint& b) {
  std::vector<uint8_t> ka(60), kb(60);
  (void)a.accept_peer_certificate(a.peer_certificate());
  (void)b.accept_peer_certificate(b.peer_certificate());
  REQUIRE(a.export_keying_material("EXTRACTOR-dtls_srtp", ka).ok());
  REQUIRE(b.export_keying_material("EXTRACTOR-dtls_srtp", kb).ok());
  CHECK(ka == kb);
}

// The same peer (address) starting over: a new client with its own randomness.
struct Restart {
  SeededRng rng;
  Config config;
  RealClient client;
  Restart(const Config& c, uint64_t seed, std::vector<uint8_t> from)
      : rng(seed), config(with_rng(c, rng)), client(config, std::move(from)) {}
  static Config with_rng(Config c, Rng& rng) {
    c.rng = &rng;
    return c;
  }
};

// `hello` from addresses first .. first + count - 1 (Address::of, no
// allocation), each time with another client random; `seen` gets each
// Listener's answer.
template <class Seen>
void flood_hellos(Listener& l, std::vector<uint8_t>& hello, Timestamp now, std::size_t first, std::size_t count,
                  Seen&& seen) {
  uint8_t scratch[2048];
  Address addr;
  for (std::size_t i = first; i < first + count; ++i) {
    hello[27] = static_cast<uint8_t>(i);  // a different client random each time
    hello[28] = static_cast<uint8_t>(i >> 8);
    seen(l.handle_datagram(now, addr.of(static_cast<uint32_t>(i)), hello, scratch));
  }
}

// A real client completes on `l`, `flood(round)` running between its rounds:
// the server's association, established, with the client's keys.
template <class Flood>
Endpoint* complete_during(RealClient& real, Listener& l, Timestamp now, Flood&& flood) {
  for (int r = 0; r < 8 && !real.ep.is_established(); ++r) {
    real.round(l, now);
    flood(static_cast<std::size_t>(r));
  }
  REQUIRE(real.ep.is_established());
  Endpoint* server = established_for(l, real.from);
  REQUIRE(server != nullptr);
  expect_same_keys(real.ep, *server);
  return server;
}

// A client's first ClientHello, the HelloVerifyRequest `l` answers it with
// (from `from`), and the client's ClientHello with that cookie. (All three
// kept, as the tests kept them: the flood tests print the heap in use.)
struct CookieExchange {
  std::vector<uint8_t> hello, hello_verify, with_cookie;
};
CookieExchange cookie_exchange(Listener& l, Endpoint& c, Timestamp now, Bytes from) {
  uint8_t out[2048], scratch[2048];
  Output first = c.poll_output(now, out);
  REQUIRE(first.kind == Output::Kind::transmit);
  std::vector<uint8_t> hello(first.transmit.begin(), first.transmit.end());
  Dispatch d = l.handle_datagram(now, from, hello, scratch);
  REQUIRE(d.kind == Dispatch::Kind::hello_verify);
  std::vector<uint8_t> hvr(d.transmit.begin(), d.transmit.end());
  (void)c.handle_datagram(now, hvr);
  Output retry = c.poll_output(now, out);
  REQUIRE(retry.kind == Output::Kind::transmit);
  return {std::move(hello), std::move(hvr), {retry.transmit.begin(), retry.transmit.end()}};
}

}  // namespace

TEST_CASE("dtls flood: ClientHellos from distinct addresses with cookies on keep no state") {
  Peers p(true, 4, 2);
  const std::size_t n = flood_count();
  std::vector<uint8_t> hello = client_hello(p);
  auto listener = std::make_unique<Listener>(p.listener);
  Timestamp now = Timestamp::from_micros(1000000);
  RealClient real(p.client, address(0xFFFFFF));

  std::size_t hvr = 0;
  auto flood = [&](std::size_t from, std::size_t count) {
    flood_hellos(*listener, hello, now, from, count,
                 [&](const Dispatch& d) { hvr += d.kind == Dispatch::Kind::hello_verify ? 1 : 0; });
  };
  flood(0, 1);  // warm-up
  std::size_t heap_before = heap_bytes();
  std::size_t allocs_before = allocations();
  flood(1, n - 1);
  std::size_t heap_after = heap_bytes();
  std::size_t allocs = allocations() - allocs_before;
  fmt::print("dtls flood cookies=on hellos={} hvr={} endpoints_created={} heap_before={} heap_after={} allocations={} "
             "listener_table_bytes={}\n",
             n, hvr, listener->stats().endpoints_created, heap_before, heap_after, allocs, listener->table_bytes());
  CHECK(hvr == n);
  CHECK(listener->stats().hello_verify_sent == n);
  CHECK(listener->stats().endpoints_created == 0);
  CHECK(listener->active() == 0);
  CHECK(allocs == 0);
  CHECK(heap_after == heap_before);

  // A real client completes during more flooding (a flood burst between its rounds).
  complete_during(real, *listener, now, [&](std::size_t r) { flood(n + r * 1000, 1000); });
  CHECK(listener->stats().endpoints_created == 1);
}

// Issue 18: a Listener offering DTLS 1.3 answers 1.3 hellos with a
// HelloRetryRequest carrying the stateless cookie (dtls/v13/retry.hpp): the
// same promise as HelloVerifyRequest, no state, no allocation, and a reply
// never larger than the hello.
TEST_CASE("dtls flood: 1.3 ClientHellos with cookies on draw HelloRetryRequests and keep no state") {
  Peers p(true, 4, 2);
  p.client.offer_dtls13 = true;
  p.listener.server.offer_dtls13 = true;
  const std::size_t n = flood_count() / 10;
  std::vector<uint8_t> hello = client_hello(p);
  auto listener = std::make_unique<Listener>(p.listener);
  Timestamp now = Timestamp::from_micros(1000000);
  std::size_t replies = 0, largest = 0;
  auto flood = [&](std::size_t from, std::size_t count) {
    flood_hellos(*listener, hello, now, from, count, [&](const Dispatch& d) {
      replies += d.kind == Dispatch::Kind::hello_verify ? 1 : 0;
      largest = std::max(largest, d.transmit.size());
    });
  };
  flood(0, 1);
  std::size_t heap_before = heap_bytes();
  std::size_t allocs_before = allocations();
  flood(1, n - 1);
  std::size_t allocs = allocations() - allocs_before;
  fmt::print("dtls flood dtls13 cookies=on hellos={} hrr={} endpoints_created={} allocations={} hello_bytes={} "
             "largest_reply_bytes={}\n",
             n, replies, listener->stats().endpoints_created, allocs, hello.size(), largest);
  CHECK(replies == n);
  CHECK(listener->stats().hello_retry_sent == n);
  CHECK(listener->stats().hello_verify_sent == 0);
  CHECK(listener->stats().endpoints_created == 0);
  CHECK(listener->active() == 0);
  CHECK(allocs == 0);
  CHECK(heap_bytes() == heap_before);
  CHECK(largest < hello.size());
  // A real 1.3 client completes during more flooding.
  RealClient real(p.client, address(0xFFFFFF));
  complete_during(real, *listener, now, [&](std::size_t r) { flood(n + r * 100, 100); });
  CHECK(real.ep.version() == 0xFEFC);
  CHECK(listener->stats().endpoints_created == 1);
}

TEST_CASE("dtls flood: with cookies off, pending handshakes are capped and the oldest is dropped") {
  constexpr std::size_t kCapacity = 6, kPending = 4;
  Peers p(false, kCapacity, kPending);
  // Every hello creates an Endpoint that signs a flight: fewer than the cookie flood.
#if defined(KEYWAY_ASAN)
  const std::size_t n = 1000;
#else
  const std::size_t n = 2000;
#endif
  std::vector<uint8_t> hello = client_hello(p);
  auto listener = std::make_unique<Listener>(p.listener);
  uint8_t scratch[2048];
  Timestamp now = Timestamp::from_micros(1000000);
  std::size_t max_pending = 0, heap_before = 0;
  auto flood = [&](std::size_t from, std::size_t count) {
    for (std::size_t i = from; i < from + count; ++i) {
      hello[27] = static_cast<uint8_t>(i);
      Dispatch d = listener->handle_datagram(now, address(static_cast<uint32_t>(i)), hello, scratch);
      CHECK(d.kind == Dispatch::Kind::endpoint);
      max_pending = std::max(max_pending, listener->pending());
    }
  };
  // The table is full after 2 * kCapacity hellos. heap_bytes() is glibc's in-use figure, which
  // counts the free chunks glibc keeps in its per-thread cache (tcache) as in use: the first
  // snapshot is taken once that cache has settled (kWarm hellos), so the comparison below sees
  // what the Endpoints hold, not where glibc keeps its spare chunks.
  constexpr std::size_t kWarm = 100;
  flood(0, kWarm);
  heap_before = heap_bytes();
  flood(kWarm, n - kWarm);
  std::size_t heap_after = heap_bytes();
  // The survivors are the last kPending addresses.
  std::size_t newest = 0;
  for (std::size_t i = 0; i < listener->capacity(); ++i) {
    Bytes a = listener->address_at(i);
    if (a.size() != 6) continue;
    uint32_t id = static_cast<uint32_t>(a[1]) << 16 | static_cast<uint32_t>(a[2]) << 8 | a[3];
    newest += id >= n - kPending ? 1 : 0;
  }
  fmt::print("dtls flood cookies=off hellos={} hvr={} endpoints_created={} heap_before={} heap_after={} pending_max={} "
             "pending_cap={} oldest_dropped={} listener_table_bytes={}\n",
             n, listener->stats().hello_verify_sent, listener->stats().endpoints_created, heap_before, heap_after,
             max_pending, kPending, listener->stats().pending_dropped, listener->table_bytes());
  CHECK(max_pending == kPending);
  CHECK(listener->stats().endpoints_created == n);
  CHECK(listener->stats().pending_dropped == n - kPending);
  CHECK(newest == kPending);
  // Each live Endpoint holds an ECDHE key (mbedTLS bignums on the heap): the
  // same number of them before and after, so the heap is flat within a few limbs.
  CHECK(heap_after <= heap_before + 1024);

  // A real client completes while the flood goes on, 2 hellos per round
  // (fewer than the cap, so its own pending handshake is not the oldest for long).
  RealClient real(p.client, address(0xFFFFFF));
  Endpoint* server = complete_during(real, *listener, now, [&](std::size_t r) { flood(n + r * 2, 2); });
  // Established associations are not pending: more flooding never evicts it.
  flood(n + 100, 50);
  CHECK(established_for(*listener, real.from) == server);
  CHECK(listener->pending() <= kPending);
}

TEST_CASE("dtls listener: a peer starts over after its association ended, or with a cookie when established") {
  Peers p(true, 4, 2);
  Listener l(p.listener);
  Timestamp now = Timestamp::from_micros(1000000);
  auto establish = [&](RealClient& c) {  // up to 6 rounds
    for (int r = 0; r < 6 && !c.ep.is_established(); ++r) c.round(l, now);
    REQUIRE(c.ep.is_established());
  };
  RealClient a(p.client, address(5));
  establish(a);
  Endpoint* first = established_for(l, a.from);
  REQUIRE(first != nullptr);
  REQUIRE(a.sent.size() >= 2);
  uint8_t scratch[2048];
  // A late copy of the hello (with its valid cookie) that made the association: nothing changes.
  CHECK(l.handle_datagram(now, a.from, a.sent[1], scratch).kind == Dispatch::Kind::dropped);
  // A forged hello from the same address: a stateless HelloVerifyRequest, the association stays.
  std::vector<uint8_t> forged = a.sent[0];
  forged[27] ^= 0xFF;
  CHECK(l.handle_datagram(now, a.from, forged, scratch).kind == Dispatch::Kind::hello_verify);
  CHECK(established_for(l, a.from) == first);
  CHECK(l.stats().endpoints_created == 1);
  // The peer restarts for real (new random, returns the cookie): the new association replaces the old.
  Restart b(p.client, 33, a.from);
  establish(b.client);
  CHECK(l.stats().endpoints_created == 2);
  CHECK(l.active() == 1);
  Endpoint* second = established_for(l, b.client.from);
  REQUIRE(second != nullptr);
  expect_same_keys(b.client.ep, *second);
  // Once it is closed, a new hello from that address starts over.
  second->close();
  Restart c(p.client, 44, a.from);
  establish(c.client);
  CHECK(l.stats().endpoints_created == 3);
  CHECK(l.active() == 1);
}

TEST_CASE("dtls listener: bad cookies, non-hellos and fragmented hellos create nothing") {
  Peers p(true, 2, 1);
  std::vector<uint8_t> hello = client_hello(p);
  Listener l(p.listener);
  uint8_t scratch[2048];
  Timestamp now = Timestamp::from_micros(1);
  auto a = address(1), b = address(2);
  Dispatch d = l.handle_datagram(now, a, hello, scratch);
  REQUIRE(d.kind == Dispatch::Kind::hello_verify);
  std::vector<uint8_t> hvr(d.transmit.begin(), d.transmit.end());
  // The HelloVerifyRequest reuses the ClientHello's record sequence number (RFC 6347 §4.2.1).
  CHECK(std::equal(hvr.begin() + 5, hvr.begin() + 11, hello.begin() + 5));
  // The client's retried hello with this cookie, from another address: a new HVR, no state.
  Endpoint c(p.client);
  auto [first_hello, first_hvr, with_cookie] = cookie_exchange(l, c, now, a);
  CHECK(l.handle_datagram(now, b, with_cookie, scratch).kind == Dispatch::Kind::hello_verify);
  CHECK(l.stats().bad_cookies == 1);
  CHECK(l.active() == 0);
  // Not a ClientHello, an epoch-1 record, garbage, an oversized address: dropped.
  std::vector<uint8_t> ccs = test::plain_record(ContentType::change_cipher_spec, 0, 1, std::vector<uint8_t>{1});
  CHECK(l.handle_datagram(now, b, ccs, scratch).kind == Dispatch::Kind::dropped);
  std::vector<uint8_t> e1 = hello;
  e1[4] = 1;
  CHECK(l.handle_datagram(now, b, e1, scratch).kind == Dispatch::Kind::dropped);
  std::vector<uint8_t> garbage{0x16, 0xfe};
  CHECK(l.handle_datagram(now, b, garbage, scratch).kind == Dispatch::Kind::dropped);
  std::vector<uint8_t> long_addr(Listener::kMaxAddress + 1, 7);
  CHECK(l.handle_datagram(now, long_addr, hello, scratch).kind == Dispatch::Kind::dropped);
  // Part of a hello: held in the Listener's small pool until whole (dtls/hello_pool.hpp), no answer, no association.
  std::vector<uint8_t> frag;
  {
    ByteReader r(hello);
    auto rec = read_record(r);
    REQUIRE(rec.ok());
    ByteReader hr(rec->fragment);
    auto f = read_handshake_fragment(hr);
    REQUIRE(f.ok());
    std::vector<uint8_t> part(f->body.size() - 1 + kHandshakeHeaderSize);
    ByteWriter w(part);
    write_handshake_header(w, 1, f->length, f->msg_seq, 0, f->length - 1);
    w.write_bytes(f->body.first(f->body.size() - 1));
    frag = test::plain_record(ContentType::handshake, 0, 0, part);
  }
  CHECK(l.handle_datagram(now, b, frag, scratch).kind == Dispatch::Kind::dropped);
  // The right address with the cookie: one Endpoint.
  d = l.handle_datagram(now, a, with_cookie, scratch);
  CHECK(d.kind == Dispatch::Kind::endpoint);
  CHECK(l.active() == 1);
  CHECK(l.pending() == 1);
  CHECK(d.endpoint->state() == HandshakeState::server_wait_client_flight);
}

namespace {

std::vector<uint8_t> fragment(uint8_t type, uint32_t length, uint16_t seq, uint32_t offset, Bytes body) {
  std::vector<uint8_t> out(body.size() + kHandshakeHeaderSize);
  ByteWriter w(out);
  write_handshake_header(w, type, length, seq, offset, static_cast<uint32_t>(body.size()));
  w.write_bytes(body);
  return out;
}

// Packs fragments into plaintext handshake records of at most ~15 KB.
struct Packer {
  uint64_t record_seq;
  std::vector<std::vector<uint8_t>> records;
  std::vector<uint8_t> cur;
  std::vector<HandshakeFragment> parsed;  // unused; keeps the API obvious
  void add(const std::vector<uint8_t>& frag) {
    if (cur.size() + frag.size() > 15000) flush();
    cur.insert(cur.end(), frag.begin(), frag.end());
  }
  void flush() {
    if (cur.empty()) return;
    records.push_back(test::plain_record(ContentType::handshake, 0, record_seq++, cur));
    cur.clear();
  }
};

// Feeds the same fragments to a standalone Reassembler (for its byte count).
// The bounds an Endpoint gives its own reassembler (Config defaults).
constexpr std::size_t kMaxMessage = Config{}.max_handshake_message;
constexpr std::size_t kPoolBytes = Config{}.max_reassembly_bytes;

struct Shadow {
  std::vector<uint8_t> pool = std::vector<uint8_t>(kPoolBytes);
  std::unique_ptr<Reassembler> r = [this] {
    auto re = std::make_unique<Reassembler>();
    re->init(pool, kMaxMessage);
    return re;
  }();
  std::size_t max_bytes = 0;
  void feed(const std::vector<uint8_t>& frag) {
    ByteReader br(frag);
    auto f = read_handshake_fragment(br);
    if (f.ok()) (void)r->add(*f);
    max_bytes = std::max(max_bytes, r->buffered_bytes());
  }
};

}  // namespace

TEST_CASE("dtls fragments: huge, past-the-end, contradicting, far-future and tiny fragments stay bounded") {
  Identities ids;
  Script s(ids);
  s.advance(6);  // the server has the ClientHello; the client's flight 5 is ready
  Endpoint& server = s.server();
  REQUIRE(server.state() == HandshakeState::server_wait_client_flight);
  const auto& flight5 = s.to(1);  // CH, Cert, CKE, CV, CCS, Fin
  REQUIRE(flight5.size() == 6);
  const test::Captured& cert = flight5[1];
  REQUIRE(cert.hs_type == 11);

  Shadow shadow;
  shadow.r->reset(1);
  Packer hostile{5};
  auto add = [&](const std::vector<uint8_t>& f) {
    hostile.add(f);
    shadow.feed(f);
  };
  std::size_t huge = 0, far = 0, past_end = 0, contradicting = 0;
  // Lengths up to 2^24-1 for the next and future messages, at both ends.
  const uint8_t one[1] = {0x41};
  for (uint32_t len : {0xFFFFFFu, 1u << 20, 65536u, static_cast<uint32_t>(kMaxMessage + 1)})
    for (uint16_t seq : {uint16_t{1}, uint16_t{2}, uint16_t{3}, uint16_t{4}, uint16_t{5}, uint16_t{100}})
      for (uint8_t type : {uint8_t{11}, uint8_t{16}})
        for (uint32_t off : {0u, len - 1}) {
          add(fragment(type, len, seq, off, one));
          ++huge;
        }
  // Endless out-of-order future messages: every message_seq from next+4 on.
  for (uint32_t seq = 5; seq < 5 + 30000; ++seq) {
    add(fragment(16, 1, static_cast<uint16_t>(seq), 0, one));
    ++far;
  }
  // The first half of the real Certificate, then fragments that contradict
  // it (other type, other length) and overlap it with other bytes.
  std::size_t half = cert.body.size() / 2;
  Bytes cert_body(cert.body);
  add(fragment(11, static_cast<uint32_t>(cert.body.size()), 1, 0, cert_body.first(half)));
  std::vector<uint8_t> junk(half, 0xEE);
  auto len = static_cast<uint32_t>(cert.body.size());
  for (auto f : {fragment(16, len, 1, 0, junk), fragment(11, len + 1, 1, 0, junk), fragment(11, len - 1, 1, 0, junk),
                 fragment(11, len, 1, 0, junk), fragment(11, len, 1, 1, Bytes(junk).first(half - 1))}) {
    add(f);
    ++contradicting;
  }
  hostile.flush();
  // fragment_offset + fragment_length past the message: the rest of the record is dropped.
  for (uint32_t i = 0; i < 10; ++i) {
    std::vector<uint8_t> bad = fragment(11, 16, 1, 0, std::vector<uint8_t>(4, 1));
    bad[8] = static_cast<uint8_t>(13 + i);  // offset 13+i, length 4 > 16
    hostile.records.push_back(test::plain_record(ContentType::handshake, 0, hostile.record_seq++, bad));
    ++past_end;
  }

  std::size_t heap_before = heap_bytes();
  std::size_t allocs_before = allocations();
  std::size_t ignored_before = server.stats().fragments_ignored;
  for (const auto& rec : hostile.records) {
    std::vector<std::vector<uint8_t>> sent = s.deliver_foreign(1, rec);
    CHECK(sent.empty());
    REQUIRE(server.state() == HandshakeState::server_wait_client_flight);
  }
  std::size_t allocs = allocations() - allocs_before;
  std::size_t heap_after = heap_bytes();
  std::size_t ignored = server.stats().fragments_ignored - ignored_before;
  fmt::print("dtls fragments: huge={} far_future={} contradicting={} past_end={} records={} ignored={} "
             "allocations={} heap_before={} heap_after={} reassembler_max_bytes={} (bound {})\n",
             huge, far, contradicting, past_end, hostile.records.size(), ignored, allocs, heap_before, heap_after,
             shadow.max_bytes, kPoolBytes);
  // The reassembly pool grows from nothing as messages need it (issue 13:
  // HandshakeContext::grow_reassembly_pool), so the half Certificate may make
  // it grow, a few doublings, never past Config::max_reassembly_bytes; the
  // flood itself allocates nothing and keeps nothing.
  CHECK(allocs <= 4);
  CHECK(heap_after <= heap_before + kPoolBytes);
  CHECK(ignored >= huge + far + 3 + past_end);
  CHECK(shadow.max_bytes <= kPoolBytes);
  CHECK(hostile.record_seq < 60);  // the real records (up to seq 4) stay inside the 64-record replay window

  // The legitimate rest arrives as many tiny, shuffled fragments: 1 byte each.
  Packer tiny{hostile.record_seq};
  std::vector<std::vector<uint8_t>> pieces;
  for (std::size_t i = half; i < cert.body.size(); ++i)
    pieces.push_back(fragment(11, len, 1, static_cast<uint32_t>(i), cert_body.subspan(i, 1)));
  for (std::size_t m : {std::size_t{2}, std::size_t{3}}) {
    const test::Captured& c = flight5[m];
    for (std::size_t i = 0; i < c.body.size(); ++i)
      pieces.push_back(fragment(c.hs_type, static_cast<uint32_t>(c.body.size()), c.msg_seq, static_cast<uint32_t>(i),
                                Bytes(c.body).subspan(i, 1)));
  }
  SeededRng shuffle(7);
  for (std::size_t i = pieces.size(); i > 1; --i) std::swap(pieces[i - 1], pieces[shuffle.uniform(static_cast<uint32_t>(i))]);
  for (const auto& p : pieces) tiny.add(p);
  tiny.flush();
  for (const auto& rec : tiny.records) CHECK(s.deliver_foreign(1, rec).empty());
  CHECK(server.state() == HandshakeState::server_wait_client_flight);
  s.deliver(1, flight5[4].datagram);  // CCS
  s.deliver(1, flight5[5].datagram);  // Finished
  REQUIRE(server.is_established());
  const auto& flight6 = s.to(0);
  REQUIRE(flight6.size() == 7);
  s.deliver(0, flight6[5].datagram);
  s.deliver(0, flight6[6].datagram);
  REQUIRE(s.client().is_established());
  expect_same_keys(s.client(), server);
  MESSAGE("tiny fragments delivered: " << pieces.size() << " in " << tiny.records.size() << " records");
}

TEST_CASE("dtls fragments: a standalone Reassembler never holds more than its slots") {
  std::vector<uint8_t> pool(kPoolBytes);
  auto r = std::make_unique<Reassembler>();
  r->init(pool, kMaxMessage);
  r->reset(0);
  std::vector<uint8_t> big(kMaxMessage, 0x55);
  std::size_t max_bytes = 0;
  std::size_t allocs_before = allocations();
  // Every message_seq, max-size messages, 64-byte fragments, in a scattered order.
  for (uint32_t round = 0; round < 20; ++round)
    for (uint32_t seq = 0; seq < 64; ++seq)
      for (uint32_t off = round * 64; off + 64 <= big.size(); off += 64 * 20) {
        HandshakeFragment f;
        f.type = 11;
        f.length = static_cast<uint32_t>(big.size());
        f.msg_seq = static_cast<uint16_t>(seq * 977);
        f.frag_offset = off;
        f.body = Bytes(big).subspan(off, 64);
        (void)r->add(f);
        max_bytes = std::max(max_bytes, r->buffered_bytes());
      }
  CHECK(allocations() == allocs_before);
  CHECK(max_bytes <= kPoolBytes);
  CHECK(sizeof(Reassembler) < 256);  // the bytes live in the caller's pool
}

// Issue 18: RFC 6347 §4.2.1 asks for a cookie secret changed frequently,
// the previous one still accepted. The Listener had one secret for its
// whole life (a cookie seen once stayed good forever); now it changes every
// cookie_secret_period of the clock the caller passes in.
TEST_CASE("dtls listener: the cookie secret rotates with time; the previous secret's cookie passes, an older one is refused") {
  Peers p(true, 2, 1);
  p.listener.cookie_secret_period = Duration::seconds(30);
  Listener l(p.listener);
  Endpoint c(p.client);
  uint8_t scratch[2048];
  const Timestamp t0 = Timestamp::from_micros(1000000);
  const auto a = address(1), b = address(2);
  const auto [hello, hvr, with_cookie] = cookie_exchange(l, c, t0, a);
  std::vector<uint8_t> other = client_hello(p);  // another peer's hello: time passes for the Listener
  SUBCASE("one change later: the previous secret's cookie is accepted") {
    std::vector<uint8_t> copy = with_cookie;
    CHECK(l.handle_datagram(t0 + Duration::seconds(31), a, copy, scratch).kind == Dispatch::Kind::endpoint);
    CHECK(l.stats().cookie_secret_changes == 1);
    CHECK(l.stats().bad_cookies == 0);
    CHECK(l.active() == 1);
  }
  SUBCASE("two changes later: refused, answered with a fresh HelloVerifyRequest") {
    CHECK(l.handle_datagram(t0 + Duration::seconds(31), b, other, scratch).kind == Dispatch::Kind::hello_verify);
    std::vector<uint8_t> copy = with_cookie;
    CHECK(l.handle_datagram(t0 + Duration::seconds(62), a, copy, scratch).kind == Dispatch::Kind::hello_verify);
    CHECK(l.stats().cookie_secret_changes == 2);
    CHECK(l.stats().bad_cookies == 1);
    CHECK(l.active() == 0);
  }
  SUBCASE("a gap of two periods drops the previous secret too") {
    std::vector<uint8_t> copy = with_cookie;
    CHECK(l.handle_datagram(t0 + Duration::seconds(61), a, copy, scratch).kind == Dispatch::Kind::hello_verify);
    CHECK(l.stats().bad_cookies == 1);
  }
  SUBCASE("within the period nothing changes") {
    std::vector<uint8_t> copy = with_cookie;
    CHECK(l.handle_datagram(t0 + Duration::seconds(29), a, copy, scratch).kind == Dispatch::Kind::endpoint);
    CHECK(l.stats().cookie_secret_changes == 0);
  }
}

// Issue 18: fragmented ClientHellos wait in a pool of fixed size before their
// cookie (dtls/hello_pool.hpp). A flood of first fragments from distinct
// addresses (never completed) allocates nothing and keeps the pool's size;
// the oldest partial hello gives way, and a real client's fragmented hello
// still gets its HelloVerifyRequest when its pieces arrive together.
TEST_CASE("dtls flood: fragments of ClientHellos from many addresses cannot grow the Listener's memory") {
  Peers p(true, 4, 2);
  std::vector<uint8_t> hello = client_hello(p);
  auto listener = std::make_unique<Listener>(p.listener);
  uint8_t scratch[2048];
  const Timestamp now = Timestamp::from_micros(1000000);
  // The hello's first half, as a fragment.
  ByteReader r(hello);
  auto rec = read_record(r);
  REQUIRE(rec.ok());
  ByteReader hr(rec->fragment);
  auto f = read_handshake_fragment(hr);
  REQUIRE(f.ok());
  auto piece = [&](std::size_t off, std::size_t n) {
    std::vector<uint8_t> part(kHandshakeHeaderSize + n);
    ByteWriter w(part);
    write_handshake_header(w, 1, f->length, f->msg_seq, static_cast<uint32_t>(off), static_cast<uint32_t>(n));
    w.write_bytes(f->body.subspan(off, n));
    return test::plain_record(ContentType::handshake, 0, 0, part);
  };
  const std::size_t half = f->body.size() / 2;
  const std::size_t pool = listener->hello_pool_bytes();
  CHECK(pool > 0);
  Address addr;
  std::vector<uint8_t> first = piece(0, half);
  const std::vector<uint8_t> piece_bytes = first;
  (void)listener->handle_datagram(now, addr.of(0), first, scratch);  // warm-up
  const std::size_t heap_before = heap_bytes();
  const std::size_t allocs_before = allocations();
  const std::size_t n = flood_count() / 10;
  std::size_t answered = 0;
  for (std::size_t i = 1; i < n; ++i) {
    std::memcpy(first.data(), piece_bytes.data(), first.size());
    answered += listener->handle_datagram(now, addr.of(static_cast<uint32_t>(i)), first, scratch).kind != Dispatch::Kind::dropped;
  }
  const std::size_t allocs = allocations() - allocs_before;
  const std::size_t heap_after = heap_bytes();
  CHECK(answered == 0);
  CHECK(allocs == 0);
  CHECK(heap_after == heap_before);
  CHECK(listener->hello_pool_bytes() == pool);
  CHECK(listener->stats().hellos_evicted == n - p.listener.hello_reassembly_slots);
  CHECK(listener->active() == 0);
  // A real client's hello in two pieces still gets its answer.
  std::vector<uint8_t> a = piece(0, half), b = piece(half, f->body.size() - half);
  CHECK(listener->handle_datagram(now, address(7), a, scratch).kind == Dispatch::Kind::dropped);
  CHECK(listener->handle_datagram(now, address(7), b, scratch).kind == Dispatch::Kind::hello_verify);
  fmt::print("dtls flood hello fragments={} allocations={} heap_before={} heap_after={} hello_pool_bytes={} evicted={}\n", n,
             allocs, heap_before, heap_after, pool, listener->stats().hellos_evicted);
}
