// SPDX-License-Identifier: Apache-2.0
// peer::Config reaches the layers below it (issue 13): STUN servers give
// server-reflexive candidates, and the DTLS and SRTP memory bounds apply.
#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "keyway/ice/stun/builder.hpp"
#include "tests/peer/call_sim.hpp"

using namespace keyway;
using keyway::peer_test::CallSim;
using keyway::peer_test::Options;

namespace {

const SocketAddr kHost = SocketAddr::v4(127, 0, 0, 1, 40001);
const SocketAddr kStunServer = SocketAddr::v4(127, 0, 0, 99, 3478);
const SocketAddr kMapped = SocketAddr::v4(127, 0, 0, 50, 6000);  // "the NAT's" public side

struct Offerer {
  SeededRng rng{7};
  peer::Config config;
  std::unique_ptr<peer::Connection> conn;
  explicit Offerer(std::span<const SocketAddr> stun_servers) {
    config.identity = &peer_test::test_identity(0);
    config.public_rng = &rng;
    config.secret_rng = &rng;
    config.audio_codecs = peer_test::kAudio;
    config.stun_servers = stun_servers;
    conn = std::make_unique<peer::Connection>(config);
    REQUIRE(conn->add_local_address(kHost).ok());
  }
};

// The STUN server's Binding success response to `request` (RFC 8489 §7.3.1).
std::vector<uint8_t> binding_response(Bytes request, const SocketAddr& mapped) {
  ice::stun::TransactionId txid;
  std::memcpy(txid.bytes, request.data() + 8, sizeof txid.bytes);
  std::vector<uint8_t> out(128);
  ice::stun::Builder b({out.data(), out.size()},
                       ice::stun::message_type(ice::stun::kMethodBinding, ice::stun::Class::success), txid);
  b.add_xor_address(ice::stun::attr::kXorMappedAddress, mapped);
  b.add_fingerprint();
  auto bytes = b.finish();
  REQUIRE(bytes.ok());
  out.resize(bytes->size());
  return out;
}

std::string offer_of(peer::Connection& c) {
  char buf[4096];
  auto o = c.create_offer(buf);
  REQUIRE(o.ok());
  return std::string(*o);
}

}  // namespace

// Before: Config had no STUN servers and peer never called
// ice::Agent::add_stun_server, so a device behind a NAT offered its private
// address only and no Binding request ever left for a STUN server.
TEST_CASE("peer config: STUN servers give a server-reflexive candidate in the offer") {
  Offerer o(std::span<const SocketAddr>(&kStunServer, 1));
  uint8_t scratch[1500];
  peer::Output out = o.conn->poll_output(Timestamp::zero(), scratch);
  REQUIRE(out.kind == peer::Output::Kind::transmit);
  CHECK(out.transmit.to == kStunServer);
  CHECK(out.transmit.from == kHost);
  CHECK(!o.conn->gathering_done());

  std::vector<uint8_t> response = binding_response(out.transmit.bytes, kMapped);
  CHECK(o.conn->handle_datagram(Timestamp::zero(), {response.data(), response.size()}, kStunServer, kHost) ==
        Verdict::accepted);
  CHECK(o.conn->gathering_done());
  std::string offer = offer_of(*o.conn);
  CHECK(offer.find("127.0.0.50 6000 typ srflx raddr 127.0.0.1 rport 40001") != std::string::npos);
  CHECK(offer.find("a=end-of-candidates") != std::string::npos);
}

TEST_CASE("peer config: an offer written while gathering leaves out a=end-of-candidates") {
  Offerer o(std::span<const SocketAddr>(&kStunServer, 1));
  std::string offer = offer_of(*o.conn);
  CHECK(offer.find("typ host") != std::string::npos);
  CHECK(offer.find("a=end-of-candidates") == std::string::npos);
}

TEST_CASE("peer config: without STUN servers nothing is gathered and the offer is complete at once") {
  Offerer o({});
  CHECK(o.conn->gathering_done());
  uint8_t scratch[1500];
  CHECK(o.conn->poll_output(Timestamp::zero(), scratch).kind == peer::Output::Kind::timeout);
  CHECK(offer_of(*o.conn).find("a=end-of-candidates") != std::string::npos);
}

TEST_CASE("peer config: a STUN server of the other family is skipped, too many are refused") {
  const uint8_t loopback6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const SocketAddr v6 = SocketAddr::v6(loopback6, 3478);
  Offerer o(std::span<const SocketAddr>(&v6, 1));
  CHECK(o.conn->gathering_done());
  const SocketAddr three[] = {kStunServer, kStunServer, kStunServer};
  peer::Config c = o.config;
  c.stun_servers = three;
  peer::Connection conn(c);
  Status st = conn.add_local_address(kHost);
  REQUIRE(!st.ok());
  CHECK(st.error().code == Code::capacity);
  CHECK(conn.ice().local_candidates().empty());  // refused before the host was added
}

// Before: srtp::SessionConfig::max_streams stayed at its default (16) whatever
// the application needed; a device sending one SSRC could not bound it.
TEST_CASE("peer config: srtp_max_streams bounds the SSRCs of an SRTP session") {
  Options opt;
  opt.configure = [](int node, peer::Config& c) {
    if (node == 1) c.srtp_max_streams = 1;
  };
  CallSim c(opt);
  REQUIRE(c.negotiate());
  REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(10)));
  REQUIRE(c.send_rtp(c.a()).ok());
  c.a().ssrc += 1;  // a second SSRC: no stream slot left
  auto refused = c.send_rtp(c.a());
  REQUIRE(!refused.ok());
  CHECK(refused.error().code == Code::capacity);
  CHECK(c.send_rtp(c.b()).ok());  // B keeps the default
}

// Before: dtls::Config's handshake bounds were not reachable from peer::Config.
TEST_CASE("peer config: dtls_max_handshake_message bounds what the handshake accepts") {
  Options opt;
  opt.configure = [](int node, peer::Config& c) {
    if (node == 2) c.dtls_max_handshake_message = 128;  // smaller than the peer's certificate
  };
  CallSim c(opt);
  REQUIRE(c.negotiate());
  c.run_until([&] { return c.connected() || c.any_failed(); }, Duration::seconds(40));
  CHECK(!c.connected());
  REQUIRE(!c.b().failures.empty());
  CHECK(c.b().failures.front().layer == Layer::dtls);
  MESSAGE(std::string(c.b().conn->failure_text()));
}
