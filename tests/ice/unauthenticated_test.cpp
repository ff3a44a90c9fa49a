// SPDX-License-Identifier: Apache-2.0
// Issue 12, defect 5: an unauthenticated STUN request must never draw a
// reply larger than itself, and a request to an address that is not ours
// draws nothing. Before the fix a bare 20-byte Binding request — from any
// source, to any address — got a 60-byte 400 (reason phrase "Bad Request",
// SOFTWARE, FINGERPRINT): a threefold reflector for spoofed sources.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "keyway/ice/agent.hpp"
#include "keyway/ice/stun/builder.hpp"
#include "keyway/lib/rng.hpp"
#include "tests/ice/agent_fixture.hpp"

using namespace keyway;
using namespace keyway::ice;

namespace {

const SocketAddr kLocal = SocketAddr::v4(127, 0, 0, 1, 5000);
const SocketAddr kNotOurs = SocketAddr::v4(127, 0, 0, 9, 5000);
const SocketAddr kAttacker = SocketAddr::v4(127, 0, 0, 7, 6000);

// SOFTWARE set as peer::Connection configures it: the reply must stay small anyway.
struct Fixture : fixture::ControlledAgent {
  Fixture() : ControlledAgent(12, kLocal, Remote::unknown, "keyway") { drain(); }
};

// A Binding request without MESSAGE-INTEGRITY: a USERNAME of `user_len`
// characters if non-zero, and FINGERPRINT if asked.
std::vector<uint8_t> unauthenticated(std::size_t user_len, bool fingerprint) {
  std::vector<uint8_t> buf(512);
  stun::TransactionId tx;
  for (int i = 0; i < 12; ++i) tx.bytes[i] = static_cast<uint8_t>(0x30 + i);
  stun::Builder b(buf, stun::message_type(stun::kMethodBinding, stun::Class::request), tx);
  if (user_len > 0) b.add_text(stun::attr::kUsername, std::string(user_len, 'u'));
  if (fingerprint) b.add_fingerprint();
  auto out = b.finish();
  REQUIRE(out.ok());
  return std::vector<uint8_t>(out->begin(), out->end());
}

}  // namespace

TEST_CASE("a bare 20-byte Binding request draws no reply larger than 20 bytes") {
  Fixture f;
  auto bare = unauthenticated(0, false);
  REQUIRE(bare.size() == 20);
  f.agent.handle_datagram(f.now, bare, kAttacker, kLocal);
  for (const auto& reply : f.drain()) CHECK(reply.size() <= bare.size());
  CHECK(f.agent.remote_candidates().empty());
}

TEST_CASE("a request to an address that is not ours draws nothing") {
  Fixture f;
  auto big = unauthenticated(100, true);  // large enough that a 400 would fit
  CHECK(f.agent.handle_datagram(f.now, big, kAttacker, kNotOurs) == Verdict::discarded);
  CHECK(f.drain().empty());
  CHECK(f.agent.handle_datagram(f.now, unauthenticated(0, false), kAttacker, kNotOurs) == Verdict::discarded);
  CHECK(f.drain().empty());
}

TEST_CASE("unauthenticated requests of every size: a 400 only when it is no larger than the request") {
  Fixture f;
  bool answered_some = false;
  for (std::size_t user = 0; user <= 40; ++user) {
    for (bool fp : {false, true}) {
      auto req = unauthenticated(user, fp);
      CAPTURE(req.size());
      f.agent.handle_datagram(f.now, req, kAttacker, kLocal);
      for (const auto& reply : f.drain()) {
        CHECK(reply.size() <= req.size());
        auto m = stun::Message::parse(reply);
        REQUIRE(m.ok());
        CHECK(m->error_code()->code == 400);  // RFC 8489 §9.1.3
        CHECK(m->has(stun::attr::kFingerprint));  // RFC 8445 §7.3: responses carry FINGERPRINT
        CHECK_FALSE(m->has(stun::attr::kMessageIntegrity));
        answered_some = true;
      }
    }
  }
  CHECK(answered_some);  // a request with room for it still learns why it failed
  CHECK(f.agent.remote_candidates().empty());
}
