// SPDX-License-Identifier: Apache-2.0
// No heap allocation in protect/unprotect (architecture.md "Memory"): this
// executable links tests/support/counting_alloc.cpp (counting operator new and,
// on glibc, interposes malloc/calloc/realloc too (mbedTLS allocates with
// calloc), then runs 10,000 packets per profile through SRTP and SRTCP.
#include <vector>

#include <doctest/doctest.h>

#include "keyway/srtp/session.hpp"
#include "tests/srtp/helpers.hpp"
#include "tests/support/counting_alloc.hpp"

using namespace keyway;
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
    const uint64_t news = keyway::testing::operator_new_count();
    const uint64_t mallocs = keyway::testing::malloc_count();
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
    CHECK(keyway::testing::operator_new_count() - news == 0);
    CHECK(keyway::testing::malloc_count() - mallocs == 0);
    CHECK(failures == 0);
  }
  // The counters do count: session setup allocates its stream table.
  const uint64_t before = keyway::testing::operator_new_count();
  const uint64_t before_malloc = keyway::testing::malloc_count();
  Session s;
  SessionConfig cfg;
  cfg.profile = Profile::aead_aes128_gcm;  // mbedTLS callocs its GCM cipher context at key setup
  const Master m = make_master(cfg.profile);
  REQUIRE(s.init(cfg, m.key, m.salt).ok());
  CHECK(keyway::testing::operator_new_count() > before);
  if (keyway::testing::malloc_is_counted()) CHECK(keyway::testing::malloc_count() > before_malloc);
}
