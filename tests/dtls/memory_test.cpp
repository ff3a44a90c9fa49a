// Memory of an established association (issue 3 goals): the Endpoint keeps
// only the established state once the handshake is over, and the steady
// packet path allocates nothing. This executable replaces operator new and,
// on glibc outside ASan, malloc/calloc/realloc with counting versions (as
// tests/srtp/alloc_test.cpp does): mbedTLS allocates with calloc.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <cstdlib>
#include <cstring>
#include <new>

#include <doctest/doctest.h>

#include "dtls/endpoint.hpp"
#include "lib/rng.hpp"

namespace {
std::size_t g_news = 0;
std::size_t g_mallocs = 0;
}  // namespace

void* operator new(std::size_t n) {
  ++g_news;
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  ++g_news;
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

// ASan owns malloc: interposing it there aborts at start-up (operator new
// is still counted).
#if defined(__SANITIZE_ADDRESS__)
#define KEYWAY_NO_MALLOC_INTERPOSE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KEYWAY_NO_MALLOC_INTERPOSE 1
#endif
#endif
#if defined(__GLIBC__) && !defined(KEYWAY_NO_MALLOC_INTERPOSE)
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* malloc(std::size_t n) {
  ++g_mallocs;
  return __libc_malloc(n);
}
void* calloc(std::size_t a, std::size_t b) {
  ++g_mallocs;
  return __libc_calloc(a, b);
}
void* realloc(void* p, std::size_t n) {
  ++g_mallocs;
  return __libc_realloc(p, n);
}
}
#endif

using namespace keyway;
using namespace keyway::dtls;

namespace {
constexpr int64_t kUnixNow = 1767225600;  // 2026-01-01

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

  void pump(int from) {
    for (int guard = 0; guard < 1000; ++guard) {
      Output o = ep[from]->poll_output(now, scratch);
      if (o.kind == Output::Kind::timeout) return;
      if (o.kind == Output::Kind::transmit) {
        ep[1 - from]->handle_datagram(now, MutableBytes(scratch, o.transmit.size()));
        pump(1 - from);  // take its events while the datagram is still in scratch
        continue;
      }
      const Event& e = o.event;
      if (e.type == EventType::peer_certificate) ep[from]->accept_peer_certificate();
      if (e.type == EventType::handshake_complete) complete[from] = true;
      if (e.type == EventType::failure) failed = true;
      if (e.type == EventType::application_data) {
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
    for (auto* e : ep) e->handle_timeout(now);  // the first call after completion releases the handshake
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

struct Setup {
  SeededRng client_rng{11}, server_rng{22};
  Identity client_id, server_id;
  Config client, server;
  Setup(uint16_t suite) {
    SeededRng id_rng(99);
    REQUIRE(client_id.generate(id_rng, "client", kUnixNow).ok());
    REQUIRE(server_id.generate(id_rng, "server", kUnixNow).ok());
    client.role = Role::client;
    client.identity = &client_id;
    client.rng = &client_rng;
    server.role = Role::server;
    server.identity = &server_id;
    server.rng = &server_rng;
    server.cookie_exchange = false;
    client.srtp_profiles.push(0x0001);
    server.srtp_profiles.push(0x0001);
    client.cipher_suites.push(suite);
    server.cipher_suites.push(suite);
  }
};
}  // namespace

TEST_CASE("dtls memory: the established state is the Endpoint alone, and bounded") {
  // 2 KiB per side including mbedTLS's heap AES key schedules (2 x 288 B
  // for AES-GCM), as keyway-bench dtls measures it.
  CHECK(sizeof(Endpoint) <= 2048 - 2 * 288);
  Setup s(0xC02B);
  Endpoint client(s.client), server(s.server);
  CHECK(client.heap_bytes() > 0);  // the handshake context exists from the start
  Wire w{{&client, &server}};
  w.handshake();
  REQUIRE(client.is_established());
  REQUIRE(server.is_established());
  CHECK(client.heap_bytes() == 0);
  CHECK(server.heap_bytes() == 0);
  CHECK(client.peer_certificate().empty());  // accepted, delivered, released
  uint8_t km[60];
  CHECK(client.export_keying_material("EXTRACTOR-dtls_srtp", km).ok());
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
    std::size_t news = g_news, mallocs = g_mallocs;
    bool ok = true;
    for (int i = 0; i < 10000 && ok; ++i) {
      std::size_t len = 1 + static_cast<std::size_t>(i) % sizeof payload;
      ok = w.send(0, Bytes(payload, len)) && w.send(1, Bytes(payload, len));
    }
    CHECK(g_news == news);
    CHECK(g_mallocs == mallocs);
    REQUIRE(ok);
    CHECK(w.app_records[0] == 10000);
    CHECK(w.app_records[1] == 10000);
    CHECK(server.stats().records_auth_failed == 0);
  }
}
