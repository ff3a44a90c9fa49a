// SPDX-License-Identifier: Apache-2.0
// Memory of a whole call (issue 13): 1,000 connect -> media -> close cycles
// in one process leave the heap exactly where it started (leaks on
// reconnect are the first complaint of embedded WebRTC users). Each cycle is
// a fresh CallSim (two Connections, the shared driver, Netem): offer/answer,
// ICE, DTLS, a few RTP and RTCP packets each way, close() on both sides, then
// everything destroyed. Counted with tests/support/counting_alloc (glibc's
// mallinfo2, or ASan's own count), so it is its own executable.
//
// Before issue 13 a Connection carried its 48 KiB SDP arena for its whole
// life (sizeof was 74,992 bytes); now the arena is heap held only while a
// remote description is read, and the first check below failed on main.
#include <cstdint>
#include <cstdlib>

#include <doctest/doctest.h>

#include "tests/peer/call_sim.hpp"
#include "tests/support/counting_alloc.hpp"

using namespace keyway;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr int kCycles = 50;  // ASan makes each cycle ~10x slower
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr int kCycles = 50;
#else
constexpr int kCycles = 1000;
#endif
#else
constexpr int kCycles = 1000;
#endif

// Live heap bytes, counted here from every malloc/calloc/realloc/free
// (counting_alloc's hooks, glibc outside ASan): glibc's own mallinfo2 counts
// the chunks its per-thread cache keeps as in use, so it creeps up by ~12 KB
// until that cache is full, which is no leak. Under ASan, ASan's own count
// (exact: freed blocks wait in its quarantine, not counted).
constexpr std::size_t kSlots = 1 << 15;  // far more blocks than two calls hold
struct Block {
  void* p;
  std::size_t n;
};
Block g_blocks[kSlots];
std::size_t g_live = 0;
bool g_table_full = false;

std::size_t slot_of(void* p) { return (reinterpret_cast<std::uintptr_t>(p) >> 4) % kSlots; }
void on_alloc(void* p, std::size_t n) {
  for (std::size_t i = slot_of(p), k = 0; k < kSlots; ++k, i = (i + 1) % kSlots)
    if (g_blocks[i].p == nullptr) {
      g_blocks[i] = {p, n};
      g_live += n;
      return;
    }
  g_table_full = true;
}
void on_free(void* p) {
  for (std::size_t i = slot_of(p), k = 0; k < kSlots && g_blocks[i].p != nullptr; ++k, i = (i + 1) % kSlots)
    if (g_blocks[i].p == p) {
      g_live -= g_blocks[i].n;
      g_blocks[i] = {nullptr, 0};
      // Re-insert the rest of the probe run so later lookups still find it.
      for (std::size_t j = (i + 1) % kSlots; g_blocks[j].p != nullptr; j = (j + 1) % kSlots) {
        Block b = g_blocks[j];
        g_blocks[j] = {nullptr, 0};
        std::size_t t = slot_of(b.p);
        while (g_blocks[t].p != nullptr) t = (t + 1) % kSlots;
        g_blocks[t] = b;
      }
      return;
    }
}
std::size_t live_bytes() { return testing::malloc_is_counted() ? g_live : testing::heap_bytes_in_use(); }

// One call: connect, media both ways, close. True when media crossed.
bool one_call(uint64_t seed) {
  peer_test::Options opt;
  opt.seed = seed;
  opt.record_events = false;
  peer_test::CallSim c(opt);
  if (!c.negotiate()) return false;
  if (!c.run_until([&] { return c.connected() || c.any_failed(); }, Duration::seconds(10)) || !c.connected())
    return false;
  for (int i = 0; i < 3; ++i) {
    if (!c.send_rtp(c.a()).ok() || !c.send_rtp(c.b()).ok()) return false;
  }
  if (!c.send_rtcp(c.a()).ok() || !c.send_rtcp(c.b()).ok()) return false;
  c.run_until([&] { return c.a().rtp_received == 3 && c.b().rtp_received == 3; }, Duration::seconds(1));
  bool media = c.a().rtp_received == 3 && c.b().rtp_received == 3 && c.a().rtcp_received == 1 &&
               c.b().rtcp_received == 1;
  // Every other call lasts until ICE has freed its check storage (3 s
  // after completion, RFC 8445 §8.3), so both endings are counted.
  if (seed % 2 == 0) c.run_until([] { return false; }, Duration::seconds(4));
  c.a().conn->close();
  c.b().conn->close();
  c.run_until([] { return false; }, Duration::millis(100));  // the close_notify crosses
  return media;
}

}  // namespace

TEST_CASE("peer: a Connection does not carry the SDP arena (issue 13)") {
  // sizeof was 74,992 bytes with the 48 KiB arena inside.
  CHECK(sizeof(peer::Connection) < 48 * 1024);
}

TEST_CASE("peer: 1,000 connect -> media -> close cycles return the heap exactly to its starting size") {
  // Warm-up: the shared test identities and any library's one-time state.
  REQUIRE(one_call(1));
  if (!testing::malloc_is_counted() && testing::heap_bytes_in_use() == 0) {
    MESSAGE("heap size not observable on this platform: nothing measured");
    return;
  }
  testing::set_malloc_hooks(on_alloc, on_free);
  std::size_t start = live_bytes();
  int failed_calls = 0;
  // KEYWAY_CYCLES=<n> overrides the count (e.g. to try a suspected leak quickly).
  int cycles = std::getenv("KEYWAY_CYCLES") ? std::atoi(std::getenv("KEYWAY_CYCLES")) : kCycles;
  for (int i = 0; i < cycles; ++i)
    if (!one_call(static_cast<uint64_t>(i) + 2)) failed_calls++;
  std::size_t end = live_bytes();
  testing::set_malloc_hooks(nullptr, nullptr);
  MESSAGE(cycles << " cycles: heap in use " << start << " -> " << end << " bytes");
  CHECK_FALSE(g_table_full);
  CHECK(failed_calls == 0);
  CHECK(end == start);
}

// "What only setup needs is released after setup" (architecture.md, issue
// 13), seen by the counting allocator: once the call has run for a while,
// the ICE check storage (candidates, check list) is freed while the call
// goes on with consent, and the SRTP stream tables are as large as the SDP
// says (our two SSRCs or the peer's announced ones, plus 2), not 16 slots.
TEST_CASE("peer: the setup memory is released once the call is established (issue 13)") {
  REQUIRE(one_call(1));  // warm-up, as above
  testing::set_malloc_hooks(on_alloc, on_free);
  {
    peer_test::Options opt;
    opt.seed = 77;
    opt.record_events = false;
    peer_test::CallSim c(opt);
    REQUIRE(c.negotiate());
    REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(10)));
    std::size_t ice_heap = c.a().conn->ice().heap_bytes() + c.b().conn->ice().heap_bytes();
    // Grown to what the call has (one candidate each way: one pair), not the
    // defaults' 8 local, 16 remote candidates and 64 pairs (14,144 B a side).
    CHECK(ice_heap > 0);
    CHECK(ice_heap < 2 * 1024);
    std::size_t at_connect = live_bytes();
    REQUIRE(c.run_until([] { return false; }, Duration::seconds(12)) == false);  // consent runs
    REQUIRE(c.connected());
    for (peer_test::Side* s : {&c.a(), &c.b()}) {
      CHECK(s->conn->ice().checks_released());
      CHECK(s->conn->ice().heap_bytes() > 0);  // the pairs block: it holds the selected pair now (issue 17)
      CHECK(s->conn->ice().heap_bytes() < 512);
      CHECK(s->conn->ice().pairs().size() == 1);
      CHECK(s->conn->ice().stats().consent_checks_sent >= 2);
      // One SSRC each way here: 1 + 2 slots, not 16.
      CHECK(s->conn->srtp_outbound().config().max_streams == 3);
      CHECK(s->conn->srtp_inbound().config().max_streams == 3);
    }
    std::size_t established = live_bytes();
    MESSAGE("heap at connect " << at_connect << " B, 12 s later " << established << " B (ICE check storage "
                               << ice_heap << " B)");
    std::size_t ice_kept = c.a().conn->ice().heap_bytes() + c.b().conn->ice().heap_bytes();
    CHECK(at_connect - established >= ice_heap - ice_kept);
    REQUIRE(c.send_rtp(c.a()).ok());
    REQUIRE(c.send_rtp(c.b()).ok());
    c.run_until([&] { return c.a().rtp_received == 1 && c.b().rtp_received == 1; }, Duration::seconds(1));
    CHECK(c.a().rtp_received == 1);
    CHECK(c.b().rtp_received == 1);
  }
  testing::set_malloc_hooks(nullptr, nullptr);
}

// Issue 13, an established call in a few KiB (keyway-bench memory has the
// whole figure, audio + video): what this session took out of it, each
// pinned here. Before: the SRTP replay windows were 1,024 packets (a call
// with 2+2 SSRCs held 1,536 bytes of bitmaps, 384 now at 256), each side kept
// both DTLS record AEADs (2 x 752 B with mbedTLS's AES-GCM) for a call that
// sends no DTLS record after its handshake, and sizeof(peer::Connection) was
// 8,112 bytes, 1,288 of them the event queue's sixteen 80-byte entries.
// close_notify still goes out sealed (the write AEAD is keyed again for it)
// and the peer authenticates it (keyed again too).
TEST_CASE("peer: an established call releases its DTLS record AEADs, keeps 256-packet replay windows (issue 13)") {
  CHECK(sizeof(peer::Connection) <= 7456);  // 7,448 + peer::Config's dtls_keep_key_log (issue 18)
  peer_test::Options opt;
  opt.seed = 78;
  // The record AEADs released and keyed again are the DTLS 1.2 engine's
  // (dtls/record.*); DTLS 1.3 releases its own the same way since issue 18
  // (dtls/v13, tests/dtls/memory_test.cpp).
  opt.configure = [](int, peer::Config& cfg) { cfg.dtls_offer_dtls13 = false; };
  peer_test::CallSim c(opt);
  REQUIRE(c.negotiate());
  REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(10)));
  c.run_until([] { return false; }, Duration::seconds(1));
  for (peer_test::Side* s : {&c.a(), &c.b()}) {
    CHECK(s->conn->srtp_inbound().config().replay_window == 256);
    CHECK(s->conn->srtp_outbound().config().replay_window == 256);
    REQUIRE(s->conn->dtls() != nullptr);
    CHECK(s->conn->dtls()->record_aeads_held() == 0);
  }
  REQUIRE(c.send_rtp(c.a()).ok());
  c.run_until([&] { return c.b().rtp_received == 1; }, Duration::seconds(1));
  CHECK(c.b().rtp_received == 1);
  CHECK(c.b().conn->dtls()->record_aeads_held() == 0);  // SRTP does not touch them
  c.a().conn->close();
  c.run_until([&] { return c.b().has(peer::EventKind::closed); }, Duration::seconds(2));
  CHECK(c.b().has(peer::EventKind::closed));
  CHECK(c.a().conn->dtls()->record_aeads_held() == 1);  // keyed again to seal close_notify
  CHECK(c.b().conn->dtls()->record_aeads_held() == 1);  // and to open it
  CHECK(c.b().conn->dtls()->stats().records_auth_failed == 0);
}

// Issue 13, an established call within 8 KiB (keyway-bench memory: 11,424
// bytes before this session, 8,096 after, audio + video with 2+2 SSRCs).
// sizeof(peer::Connection) was 7,456: its ice::Agent 4,456 (tests/ice/
// memory_test.cpp), a Config copy of 328 that a running call never reads,
// a 64-byte copy of the remote fingerprint, 40 bytes of ice_connected's
// path and 16-byte errors in each of 16 queued events. The Config now lives
// on the heap until the SRTP keys are installed, then is released: a
// description cannot be written or applied after that.
TEST_CASE("peer: an established call keeps no Config copy and a compact agent (issue 13)") {
  CHECK(sizeof(peer::Connection) <= 4192);
  peer_test::Options opt;
  opt.seed = 79;
  peer_test::CallSim c(opt);
  REQUIRE(c.negotiate());
  REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(10)));
  char text[4096];
  auto again = c.a().conn->create_offer(text);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == Code::bad_state);
  // Media flows as before.
  REQUIRE(c.send_rtp(c.b()).ok());
  c.run_until([&] { return c.a().rtp_received == 1; }, Duration::seconds(1));
  CHECK(c.a().rtp_received == 1);
}

// Issue 13, toward 6 KiB for a whole call (keyway-bench memory, audio +
// video: established 8,096 -> 7,316 bytes, handshake peak 16,314 -> 15,894).
// Before: sizeof(peer::Connection) was 4,192 bytes, the agent 1,992 (the
// cancelled checks and room for eight hosts kept for a call's whole life),
// each srtp::Session 280 (PacketCiphers of 48, a StreamTable of 40), and a
// stream slot 136 bytes inbound, 104 outbound (a Stream of 72); the
// Connection's one-byte members sat between its pointers (32 bytes of padding). Nothing a
// call does changed: the fixed-seed chain sweeps print the same figures.
TEST_CASE("peer: a whole call's object and stream slots after the per-member audit (issue 13, 6 KiB)") {
  CHECK(sizeof(peer::Connection) <= 3520);
  CHECK(sizeof(ice::Agent) <= 1432);
  CHECK(sizeof(srtp::Session) <= 240);
  CHECK(sizeof(srtp::Stream) <= 56);
}

// Issue 17, per endpoint established <= 6 KiB on the Cortex-M4:
// sizeof(peer::Connection) was 3,504 bytes (3,208 on the M4). 240 of them
// were the failure text, which only a failed call formats; 104 our
// certificate's fingerprint text, which only a description being written
// reads (formatted then, from the Config's identity); the agent's kept pair
// and failure detail 376 (tests/ice/memory_test.cpp). Each exists only from
// its moment on: a failed call still says why (tests/peer/sans_io_test.cpp
// pins a whole text), and the offer still carries the fingerprint.
TEST_CASE("peer: a working call holds no failure text and no fingerprint text (issue 17)") {
  CHECK(sizeof(peer::Connection) <= 2792);
  // Then 2,664 (2,352 on the M4): the DTLS exporter secret (112 B) became a
  // heap block freed once SRTP is keyed, and setup_timeout and the DTLS RTT
  // stand-in (24 B) moved into the setup copy of the Config.
  CHECK(sizeof(peer::Connection) <= 2664);
  peer_test::Options opt;
  opt.seed = 81;
  peer_test::CallSim c(opt);
  CHECK(std::string_view(c.a().conn->failure_text()).empty());
  REQUIRE(c.negotiate());
  char fp[8 + 32 * 3] = "sha-256 ";
  (void)dtls::format_fingerprint(dtls::fingerprint(dtls::FingerprintHash::sha256, peer_test::test_identity(0).certificate_der()),
                                 fp + 8, sizeof fp - 8);
  CHECK(c.offer.find(std::string("a=fingerprint:") + fp + "\r\n") != std::string::npos);
  REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(10)));
  CHECK(std::string_view(c.a().conn->failure_text()).empty());
}
