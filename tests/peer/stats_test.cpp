// SPDX-License-Identifier: Apache-2.0
// Per-layer stats (issue 6): packets and bytes, drops by reason, RTT, the
// selected pair, the cipher suite and the SRTP profile.
#include <doctest/doctest.h>

#include <string>

#include "tests/peer/call_sim.hpp"

using namespace keyway;
using keyway::peer_test::CallSim;
using keyway::peer_test::Options;

// Issue 18: with DTLS 1.3 (the default) and pinned to 1.2, each naming its suite.
TEST_CASE("peer stats: every layer's counters after a call") {
  for (bool dtls13 : {true, false}) {
    CAPTURE(dtls13);
    Options opt;
    opt.link.delay = Duration::millis(25);
    opt.offer_profiles = {0x0001};
    opt.configure = [dtls13](int, peer::Config& cfg) { cfg.dtls_offer_dtls13 = dtls13; };
    CallSim c(opt);
    REQUIRE(c.negotiate());
    REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(10)));
    for (int i = 0; i < 30; ++i) REQUIRE(c.send_rtp(c.a()).ok());
    for (int i = 0; i < 3; ++i) REQUIRE(c.send_rtcp(c.a()).ok());
    uint8_t junk[20] = {70, 1, 2, 3};  // first byte 70: neither STUN, DTLS nor RTP (RFC 7983)
    c.inject(c.a(), junk, sizeof junk);
    c.run_until([&] { return c.net().idle(); }, Duration::seconds(1));

    for (auto* side : {&c.a(), &c.b()}) {
      peer::Summary s = side->conn->summary();
      CHECK(s.state == peer::State::connected);
      CHECK(s.ice_state == ice::AgentState::connected);
      CHECK(s.has_selected_pair);
      CHECK(s.selected_local == side->addr);
      CHECK(s.selected_remote == c.other(*side).addr);
      CHECK(std::string(s.dtls_state) == "connected");
      if (dtls13) CHECK(std::string(s.cipher_suite) == "TLS_AES_128_GCM_SHA256");
      else CHECK(std::string(s.cipher_suite).find("TLS_ECDHE_ECDSA_WITH") == 0);
      CHECK(std::string(s.srtp_profile) == "SRTP_AES128_CM_HMAC_SHA1_80");
      CHECK(s.dtls_retransmissions == 0);
      CHECK(s.dtls_records_dropped == 0);
      CHECK(s.ice_integrity_failures == 0);
      const peer::Stats& st = side->conn->stats();
      CHECK(st.stun_in.packets > 0);
      CHECK(st.stun_out.packets > 0);
      CHECK(st.stun_in.bytes >= 20 * st.stun_in.packets);  // STUN header is 20 bytes
      CHECK(st.dtls_in.packets > 0);
      CHECK(st.dtls_out.packets > 0);
      CHECK(st.dtls_out.bytes > 500);  // a certificate went each way
      CHECK(st.dtls_dropped == 0);
    }
    // The DTLS bytes one side sent are the bytes the other received (no loss).
    CHECK(c.a().conn->stats().dtls_out.bytes == c.b().conn->stats().dtls_in.bytes);
    CHECK(c.b().conn->stats().dtls_out.bytes == c.a().conn->stats().dtls_in.bytes);
    CHECK(c.a().conn->stats().stun_out.packets == c.b().conn->stats().stun_in.packets);
    // RTT: the link adds 25 ms each way.
    auto rtt = c.a().conn->summary().rtt;
    REQUIRE(rtt.has_value());
    CHECK(*rtt >= Duration::millis(50));
    CHECK(*rtt < Duration::millis(60));
    // Media: counted in SRTP, bytes include the trailer on the sender.
    const peer::SrtpStats& tx = c.a().conn->stats().srtp;
    const peer::SrtpStats& rx = c.b().conn->stats().srtp;
    CHECK(tx.rtp_sent == 30);
    CHECK(tx.rtcp_sent == 3);
    CHECK(rx.rtp_received == 30);
    CHECK(rx.rtcp_received == 3);
    CHECK(tx.bytes_sent == 30 * (112 + 10) + 3 * (8 + 4 + 10));  // RTP tag 10; SRTCP E||index 4 + tag 10
    CHECK(rx.bytes_received == 30 * 112 + 3 * 8);                // plaintext lengths
    CHECK(c.b().conn->stats().unknown_datagrams == 1);
  }
}

TEST_CASE("peer stats: before negotiation everything is empty") {
  Options opt;
  CallSim c(opt);
  peer::Summary s = c.a().conn->summary();
  CHECK(s.state == peer::State::new_);
  CHECK(!s.has_selected_pair);
  CHECK(!s.rtt.has_value());
  CHECK(std::string(s.cipher_suite).empty());
  CHECK(std::string(s.srtp_profile).empty());
  CHECK(std::string(s.dtls_state) == "none");
}

TEST_CASE("peer stats: DTLS before the remote description is counted as dropped") {
  Options opt;
  CallSim c(opt);
  uint8_t dtls_like[13] = {22, 0xfe, 0xfd};
  c.inject(c.b(), dtls_like, sizeof dtls_like);
  c.run_until([&] { return c.net().idle(); }, Duration::seconds(1));
  CHECK(c.a().conn->stats().dtls_in.packets == 1);
  CHECK(c.a().conn->stats().dtls_dropped == 1);
  CHECK(c.a().conn->state() == peer::State::new_);
}

// Issue 18: under DTLS 1.3 the summary names the 1.3 suite. Before,
// dtls::Endpoint::negotiated_suite() was null under 1.3 and cipher_suite
// stayed empty on a connected call.
TEST_CASE("peer stats: a DTLS 1.3 call names its TLS 1.3 cipher suite") {
  Options opt;
  opt.configure = [](int, peer::Config& c) { c.dtls_offer_dtls13 = true; };
  CallSim c(opt);
  REQUIRE(c.negotiate());
  REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(10)));
  for (auto* side : {&c.a(), &c.b()}) {
    peer::Summary s = side->conn->summary();
    CHECK(s.state == peer::State::connected);
    CHECK(std::string(s.cipher_suite) == "TLS_AES_128_GCM_SHA256");
  }
}
