// No heap allocation in protect/unprotect (architecture.md "Memory"): this
// executable counts allocations (tests/support/alloc_counter.hpp) and runs
// 10,000 packets per profile through SRTP and SRTCP.
#include <vector>

#include <doctest/doctest.h>

#include "srtp/session.hpp"
#include "tests/srtp/helpers.hpp"
#include "tests/support/alloc_counter.hpp"

using namespace keyway;
using keyway::test::g_mallocs;
using keyway::test::g_news;
using namespace keyway::srtp;
using namespace keyway::srtp::testing;

TEST_CASE("protect/unprotect of 10,000 RTP and RTCP packets per profile allocate nothing") {
  for (Profile p : kAllProfiles) {
    CAPTURE(std::string(profile_info(p).name));
    SessionConfig cfg;
    cfg.profile = p;
    const Master m = make_master(p);
    auto tx = make_session(cfg, Direction::outbound, m);
    auto rx = make_session(cfg, Direction::inbound, m);
    std::vector<uint8_t> rtp = rtp_packet(0, 0, 160, 1, true), rtcp = rtcp_packet(0, 6);
    std::vector<uint8_t> buf(1500);
    std::size_t failures = 0;
    const std::size_t news = g_news;
    [[maybe_unused]] const std::size_t mallocs = g_mallocs;
    for (uint32_t i = 0; i < 10000; ++i) {
      const uint32_t ssrc = 0x1000 + i % 3;  // several streams, created on first use in the first iterations
      const uint16_t seq = static_cast<uint16_t>(60000 + i);  // crosses the wrap
      std::copy(rtp.begin(), rtp.end(), buf.begin());
      store_be16(buf, 2, seq);
      store_be32(buf, 8, ssrc);
      auto n = tx->protect_rtp(buf, rtp.size());
      auto back = n.ok() ? rx->unprotect_rtp(buf, *n) : n;
      if (!back.ok() || *back != rtp.size()) ++failures;
      std::copy(rtcp.begin(), rtcp.end(), buf.begin());
      store_be32(buf, 4, ssrc);
      n = tx->protect_rtcp(buf, rtcp.size());
      back = n.ok() ? rx->unprotect_rtcp(buf, *n) : n;
      if (!back.ok() || *back != rtcp.size()) ++failures;
      auto replay = rx->unprotect_rtcp(buf, *n);  // rejected paths must not allocate either
      if (replay.ok()) ++failures;
    }
    CHECK(g_news - news == 0);
#if defined(__GLIBC__) && !defined(KEYWAY_NO_MALLOC_INTERPOSE)
    CHECK(g_mallocs - mallocs == 0);
#endif
    CHECK(failures == 0);
  }
  // The counters do count: session setup allocates its stream table.
  const std::size_t before = g_news;
  [[maybe_unused]] const std::size_t before_malloc = g_mallocs;
  Session s;
  SessionConfig cfg;
  cfg.profile = Profile::aead_aes128_gcm;  // mbedTLS callocs its GCM cipher context at key setup
  const Master m = make_master(cfg.profile);
  REQUIRE(s.init(cfg, m.key, m.salt).ok());
  CHECK(g_news > before);
#if defined(__GLIBC__) && !defined(KEYWAY_NO_MALLOC_INTERPOSE)
  CHECK(g_mallocs > before_malloc);
#endif
}
