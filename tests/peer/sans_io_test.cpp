// SPDX-License-Identifier: Apache-2.0
// peer::Connection speaks lib/sans_io.hpp like the engines under it: time
// never goes backwards, and handle_datagram says what became of a datagram.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/peer/call_sim.hpp"

using namespace keyway;
using keyway::peer_test::CallSim;
using keyway::peer_test::Options;

// Issue 12 ("one sans-IO shape"). Story: ICE and DTLS kept the latest time
// they were given, but Connection used each call's `now` as is. A caller
// whose clock stepped back just after negotiation (a handle_timeout with an
// earlier time) set the setup deadline from that earlier time, so the next
// poll at the real time failed a call that had not even started checking:
// "no usable candidate pair before the setup timeout". The Connection now
// clamps `now`, and the earlier time changes nothing.
TEST_CASE("peer sans-io: handle_timeout with an earlier time changes nothing") {
  Options opt;
  CallSim c(opt);
  peer::Connection& a = *c.a().conn;
  uint8_t scratch[1500];
  const Timestamp t100 = Timestamp::from_micros(100'000'000);
  (void)a.poll_output(t100, scratch);  // the caller's clock says 100 s
  REQUIRE(c.negotiate());
  a.handle_timeout(Timestamp::from_micros(1'000'000));  // a stale 1 s
  for (int i = 0; i < 16; ++i) {
    peer::Output o = a.poll_output(t100 + Duration::millis(1), scratch);
    if (o.kind == peer::Output::Kind::timeout) {
      CHECK(o.deadline > t100);  // nothing is due before the time already seen
      break;
    }
  }
  CHECK(a.state() == peer::State::checking);
  CHECK(a.failure_text()[0] == '\0');
}

TEST_CASE("peer sans-io: handle_datagram returns a Verdict") {
  Options opt;
  CallSim c(opt);
  REQUIRE(c.negotiate());
  peer::Connection& b = *c.b().conn;
  const SocketAddr nobody = SocketAddr::v4(127, 0, 0, 66, 5000);
  uint8_t junk[20] = {70, 1, 2, 3};  // first byte 70: neither STUN, DTLS nor RTP (RFC 7983)
  CHECK(b.handle_datagram(c.now(), junk, nobody, c.b().addr) == Verdict::discarded);
  uint8_t dtls[13] = {22, 0xfe, 0xfd};  // DTLS from an address ICE never validated
  CHECK(b.handle_datagram(c.now(), dtls, nobody, c.b().addr) == Verdict::discarded);
  CHECK(b.stats().untrusted_dropped == 1);
  REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(10)));
  // A media packet from the validated peer is used; its replay is discarded.
  uint8_t rtp[64] = {0x80, 111, 0, 1, 0, 0, 0, 1, 0, 0, 0x20, 0x07};  // RTP header (RFC 3550 §5.1)
  auto t = c.a().conn->send_rtp(MutableBytes(rtp, sizeof rtp), 12);
  REQUIRE(t.ok());
  std::vector<uint8_t> copy(t->bytes.begin(), t->bytes.end());
  std::vector<uint8_t> again = copy;
  CHECK(b.handle_datagram(c.now(), copy, c.a().addr, c.b().addr) == Verdict::accepted);
  CHECK(b.handle_datagram(c.now(), again, c.a().addr, c.b().addr) == Verdict::discarded);
}

// Issue 12: every ICE failure reached peer/ as Code::timeout wrapping the
// agent's text ("ice: timeout: consent lost: ..."), so a caller could not
// tell a lost peer from checks that never got an answer without parsing
// prose. The agent's failure is now an Error with a precise code.
TEST_CASE("peer sans-io: consent loss fails the call with Code::consent_lost") {
  Options opt;
  opt.link.delay = Duration::millis(25);
  CallSim c(opt);
  REQUIRE(c.negotiate());
  REQUIRE(c.run_until([&] { return c.connected(); }, Duration::seconds(10)));
  sim::LinkConfig dead = opt.link;
  dead.loss = 1.0;
  c.net().configure_both(1, 2, dead);
  c.run_until([&] { return c.a().conn->state() == peer::State::failed; }, Duration::seconds(45));
  REQUIRE(!c.a().failures.empty());
  CHECK(c.a().failures.back().layer == Layer::ice);
  CHECK(c.a().failures.back().code == Code::consent_lost);
  CHECK(std::string(c.a().conn->failure_text()) == "ice: consent lost: no response to consent checks for 30 s");
}
