// SPDX-License-Identifier: Apache-2.0
// The TURN client (ice/turn/) against RFC vectors and a small TURN server
// model (tests/support/turn_model.hpp), in virtual time.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "keyway/ice/stun/builder.hpp"
#include "keyway/ice/turn/channel_data.hpp"
#include "keyway/ice/turn/client.hpp"
#include "keyway/ice/turn/long_term.hpp"
#include "keyway/ice/turn/opaque_string.hpp"
#include "keyway/ice/turn/stream_framer.hpp"
#include "keyway/ice/turn/uri.hpp"
#include "tests/support/hex.hpp"
#include "tests/support/turn_model.hpp"

using namespace keyway;
using namespace keyway::ice;
using keyway::test::bytes_of;
using keyway::test::unhex;
using Kind = turn::Event::Kind;

namespace {

// A client wired to the model: every transmit reaches the model (unless
// `deliver` is off) and the model's answer comes straight back.
struct Harness {
  SeededRng rng{7};
  test::TurnModel server;
  SocketAddr local = SocketAddr::v4(127, 0, 0, 1, 40000);
  turn::ClientConfig config;
  std::unique_ptr<turn::Client> client;
  std::vector<turn::Event> events;
  std::vector<std::vector<uint8_t>> sent;
  std::vector<Timestamp> sent_at;
  bool deliver = true;
  Timestamp now = Timestamp::from_micros(1000000);
  uint8_t scratch[1500];

  Harness() {
    config.server = server.addr;
    config.local = local;
    config.username = "alice";
    config.password = "s3cret";
  }
  void start() {
    client = std::make_unique<turn::Client>(config, rng);
    REQUIRE(client->start(now).ok());
  }
  // Polls until the client waits; returns its deadline.
  Timestamp pump() {
    for (int guard = 0; guard < 1000; ++guard) {
      turn::Output o = client->poll_output(now, scratch);
      if (o.kind == turn::Output::Kind::timeout) return o.deadline;
      if (o.kind == turn::Output::Kind::event) {
        events.push_back(o.event);
        continue;
      }
      CHECK(o.transmit.to == server.addr);
      CHECK(o.transmit.from == local);
      sent.emplace_back(o.transmit.bytes.begin(), o.transmit.bytes.end());
      sent_at.push_back(now);
      if (!deliver) continue;
      auto answer = server.handle(o.transmit.bytes, local);
      if (!answer.empty()) client->handle_datagram(now, answer, server.addr);
    }
    FAIL("pump did not settle");
    return Timestamp::never();
  }
  void run_until(Timestamp end) {
    for (int guard = 0; guard < 100000; ++guard) {
      Timestamp d = pump();
      if (d > end) {
        now = end;
        return;
      }
      now = d;
      client->handle_timeout(now);
    }
  }
  int count(Kind k) const {
    int n = 0;
    for (const auto& e : events) n += e.kind == k;
    return n;
  }
  const turn::Event* last(Kind k) const {
    for (auto it = events.rbegin(); it != events.rend(); ++it)
      if (it->kind == k) return &*it;
    return nullptr;
  }
};

const SocketAddr kPeer = SocketAddr::v4(127, 0, 0, 1, 50000);

std::string error_text(const Error& e) {
  char buf[256];
  format_error(e, buf, sizeof buf);
  return buf;
}

}  // namespace

TEST_CASE("turn ChannelData: header, padding, channel range (RFC 8656 §12.4, §12.5)") {
  uint8_t out[16];
  const uint8_t payload[5] = {1, 2, 3, 4, 5};
  auto udp = turn::write_channel_data(out, 0x4001, payload, false);
  REQUIRE(udp.ok());
  CHECK(test::hex(*udp) == "40010005" "0102030405");
  auto tcp = turn::write_channel_data(out, 0x4001, payload, true);
  REQUIRE(tcp.ok());
  CHECK(tcp->size() == 12);  // 4 + 5 + 3 bytes of padding over a stream
  CHECK(turn::channel_data_stream_size(*tcp) == 12);
  auto back = turn::parse_channel_data(*tcp);  // padding after the data is ignored
  REQUIRE(back.ok());
  CHECK(back->channel == 0x4001);
  CHECK(back->data.size() == 5);
  CHECK(turn::looks_like_channel_data(*udp));

  auto bad_channel = unhex("3fff0001aa000000");
  CHECK_FALSE(turn::parse_channel_data(bad_channel).ok());
  auto high_channel = unhex("50000001aa000000");
  CHECK_FALSE(turn::parse_channel_data(high_channel).ok());
  auto runs_past = unhex("40000009aabbcc");
  CHECK_FALSE(turn::parse_channel_data(runs_past).ok());
  CHECK_FALSE(turn::parse_channel_data(unhex("4000")).ok());
  uint8_t small[6];
  CHECK_FALSE(turn::write_channel_data(small, 0x4000, payload, false).ok());
  // RFC 7983 §7: 64..79 is TURN's range; 63 is DTLS's, 80 is unassigned.
  CHECK_FALSE(turn::looks_like_channel_data(unhex("3f000000")));
  CHECK(turn::looks_like_channel_data(unhex("4f000000")));
  CHECK_FALSE(turn::looks_like_channel_data(unhex("50000000")));
}

TEST_CASE("turn long-term key: RFC 5769 §2.4 request verifies under MD5(user:realm:pass)") {
  // RFC 5769 §2.4: USERNAME "<U+30DE><U+30C8><U+30EA><U+30C3><U+30AF><U+30B9>", REALM
  // "example.org", NONCE "f//499k954d6OL34oL9FSTvy64sA", password "TheMatrIX" (SASLprep'd).
  auto msg = unhex(
      "000100602112a44278ad3433c6ad72c029da412e"
      "00060012e3839ee38388e383aae38383e382afe382b90000"
      "0015001c662f2f3439396b39353464364f4c33346f4c39465354767936347341"
      "0014000b6578616d706c652e6f726700"
      "00080014f67024656dd64a3e02b8e0712e85c9a28ca89666");
  auto m = stun::Message::parse(msg);
  REQUIRE(m.ok());
  turn::LongTermCredentials c;
  REQUIRE(c.set_user("\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9", "TheMatrIX").ok());
  REQUIRE(c.take_challenge(*m).ok());  // takes its REALM and NONCE, as from a 401
  CHECK(c.algorithm() == turn::kAlgorithmMd5);
  CHECK(c.verify(*m).ok());
  turn::LongTermCredentials wrong;
  REQUIRE(wrong.set_user("\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9", "TheMatrix").ok());
  REQUIRE(wrong.take_challenge(*m).ok());
  CHECK_FALSE(wrong.verify(*m).ok());
}

TEST_CASE("turn nonce cookie: the Password algorithms bit (RFC 8489 §9.2, §18.1)") {
  CHECK(turn::nonce_offers_password_algorithms("obMatJos2gAAAabc"));  // 'g' = 32: the top bit
  CHECK_FALSE(turn::nonce_offers_password_algorithms("obMatJos2AAAAabc"));
  CHECK_FALSE(turn::nonce_offers_password_algorithms("f//499k954d6OL34oL9FSTvy64sA"));
  CHECK_FALSE(turn::nonce_offers_password_algorithms("obMatJos2g"));  // too short for 4 characters
}

TEST_CASE("turn Allocate: 401 challenge, retry with MESSAGE-INTEGRITY, relayed and mapped addresses") {
  Harness h;
  h.start();
  h.pump();
  REQUIRE(h.sent.size() == 2);
  // The first Allocate carries no credentials; the second does, with REQUESTED-TRANSPORT UDP.
  auto first = stun::Message::parse(h.sent[0]);
  auto second = stun::Message::parse(h.sent[1]);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first->method() == stun::kMethodAllocate);
  CHECK_FALSE(first->has(stun::attr::kMessageIntegrity));
  CHECK(second->has(stun::attr::kMessageIntegrity));
  CHECK(second->text(stun::attr::kRealm).value() == "keyway.test");
  const stun::Attribute* transport = second->find(stun::attr::kRequestedTransport);
  REQUIRE(transport != nullptr);
  CHECK(transport->value[0] == 17);
  CHECK_FALSE(first->transaction_id() == second->transaction_id());
  REQUIRE(h.count(Kind::allocated) == 1);
  const turn::Event* a = h.last(Kind::allocated);
  CHECK(a->relayed == h.server.relayed);
  CHECK(a->mapped == h.local);  // XOR-MAPPED-ADDRESS: also a server-reflexive candidate
  CHECK(a->lifetime == Duration::seconds(600));
  CHECK(h.client->allocated());
  CHECK(h.client->stats().allocations == 1);
  CHECK(h.server.requested_lifetimes.at(0) == 600);
}

TEST_CASE("turn Allocate with PASSWORD-ALGORITHMS: SHA-256 key and MESSAGE-INTEGRITY-SHA256 (RFC 8489 §9.2.4)") {
  Harness h;
  h.server.offer_sha256 = true;
  h.start();
  h.pump();
  CHECK(h.server.saw_sha256);
  CHECK(h.count(Kind::allocated) == 1);
}

TEST_CASE("turn retransmission: 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s, failure at 39.5 s (RFC 8489 §6.2.1)") {
  Harness h;
  h.deliver = false;
  h.start();
  Timestamp t0 = h.now;
  h.run_until(t0 + Duration::seconds(60));
  REQUIRE(h.sent.size() == 7);
  const int64_t want_ms[] = {0, 500, 1500, 3500, 7500, 15500, 31500};
  for (std::size_t i = 0; i < 7; ++i) CHECK((h.sent_at[i] - t0).as_millis() == want_ms[i]);
  // Each retransmission is the same request: same transaction id.
  for (std::size_t i = 1; i < 7; ++i) CHECK(h.sent[i] == h.sent[0]);
  REQUIRE(h.count(Kind::failed) == 1);
  CHECK(error_text(h.last(Kind::failed)->error).find("turn") != std::string::npos);
  CHECK(h.last(Kind::failed)->error.code == Code::timeout);
  CHECK(h.client->stats().retransmissions == 6);
}

TEST_CASE("turn errors 403, 437, 441, 486, 508 fail the allocation naming TURN and the code") {
  for (int code : {403, 437, 441, 486, 508}) {
    CAPTURE(code);
    Harness h;
    h.server.allocate_error = static_cast<uint16_t>(code);
    h.start();
    h.pump();
    REQUIRE(h.count(Kind::failed) == 1);
    std::string text = error_text(h.last(Kind::failed)->error);
    CHECK(text.find("turn: " + std::to_string(code)) != std::string::npos);
    CHECK_FALSE(h.client->allocated());
  }
}

TEST_CASE("turn wrong password: the second 401 fails naming TURN and 401") {
  Harness h;
  h.config.password = "wrong";
  h.start();
  h.pump();
  CHECK(h.sent.size() == 2);  // one retry with credentials, no loop
  REQUIRE(h.count(Kind::failed) == 1);
  CHECK(error_text(h.last(Kind::failed)->error).find("turn: 401") != std::string::npos);
  CHECK(h.last(Kind::failed)->error.code == Code::auth_failed);
}

TEST_CASE("turn 438 Stale Nonce: retried with the new NONCE, bounded") {
  Harness h;
  h.server.stale_next = 1;
  h.start();
  h.pump();
  CHECK(h.count(Kind::allocated) == 1);
  CHECK(h.client->stats().stale_nonces == 1);

  Harness endless;
  endless.server.stale_next = 100;
  endless.start();
  endless.pump();
  CHECK(endless.count(Kind::failed) == 1);  // a request takes three challenges (401, 438, 438), no more
  CHECK(endless.server.stale_sent == 3);
  CHECK(error_text(endless.last(Kind::failed)->error).find("438") != std::string::npos);
}

TEST_CASE("turn permission, Send indication, ChannelBind, then ChannelData both ways") {
  Harness h;
  h.start();
  h.pump();
  uint8_t out[200];
  const uint8_t hello[5] = {'h', 'e', 'l', 'l', 'o'};
  CHECK_FALSE(h.client->wrap(h.now, kPeer, hello, out).ok());  // no permission yet

  // Before the permission exists nothing may go to the peer; with
  // bind_channels off the client stays on Send/Data indications.
  Harness ind;
  ind.config.bind_channels = false;
  ind.start();
  ind.pump();
  REQUIRE(ind.client->add_peer(ind.now, kPeer).ok());
  ind.pump();
  CHECK(ind.count(Kind::permission_created) == 1);
  CHECK(ind.count(Kind::channel_bound) == 0);
  auto t = ind.client->wrap(ind.now, kPeer, hello, out);
  REQUIRE(t.ok());
  CHECK(t->to == ind.server.addr);
  CHECK(t->bytes.size() == 20 + 12 + 12);  // header, XOR-PEER-ADDRESS, DATA (5 padded to 8)
  ind.server.handle(t->bytes, ind.local);
  REQUIRE(ind.server.to_peers.size() == 1);
  CHECK(ind.server.to_peers[0].first == kPeer);
  CHECK(ind.server.send_indications == 1);
  auto data = ind.server.data_indication(kPeer, bytes_of("world"));
  turn::Received r = ind.client->handle_datagram(ind.now, data, ind.server.addr);
  CHECK(r.verdict == Verdict::accepted);
  CHECK(r.peer == kPeer);
  CHECK(std::string(r.data.begin(), r.data.end()) == "world");
  // A Data indication from a peer without a permission, or not from the server: dropped.
  auto stranger = ind.server.data_indication(SocketAddr::v4(127, 0, 0, 9, 1), bytes_of("x"));
  CHECK(ind.client->handle_datagram(ind.now, stranger, ind.server.addr).verdict == Verdict::discarded);
  CHECK(ind.client->handle_datagram(ind.now, data, kPeer).verdict == Verdict::discarded);

  // With channels: permission, then ChannelBind; ChannelData costs 4 bytes.
  REQUIRE(h.client->add_peer(h.now, kPeer).ok());
  h.pump();
  CHECK(h.count(Kind::permission_created) == 1);
  REQUIRE(h.count(Kind::channel_bound) == 1);
  uint16_t channel = h.last(Kind::channel_bound)->channel;
  CHECK(channel >= 0x4000);
  CHECK(h.server.channels.at(channel) == kPeer);
  auto cd = h.client->wrap(h.now, kPeer, hello, out);
  REQUIRE(cd.ok());
  CHECK(cd->bytes.size() == 4 + 5);
  h.server.handle(cd->bytes, h.local);
  CHECK(h.server.channel_data == 1);
  auto back = h.server.channel_data_from(kPeer, bytes_of("pong"));
  r = h.client->handle_datagram(h.now, back, h.server.addr);
  CHECK(r.verdict == Verdict::accepted);
  CHECK(r.peer == kPeer);
  CHECK(r.data.size() == 4);
  // A channel nobody bound is dropped (RFC 8656 §12.6).
  auto unbound = unhex("4fff0001aa000000");
  CHECK(h.client->handle_datagram(h.now, unbound, h.server.addr).verdict == Verdict::discarded);
  CHECK(h.client->stats().relayed_bytes_sent == 5);
  CHECK(h.client->stats().relayed_bytes_received == 4);
}

// keyway-bench call, relayed, loss=0.1, seed 10 (issue 14) failed with "dtls:
// handshake timed out": the client's ChannelBind reached the server (which
// bound the channel and from then on relayed the peer's packets as
// ChannelData) but the success response was lost, so the client dropped
// every ChannelData on that channel as "unbound" until a retransmitted
// ChannelBind was answered 15 s later; the peer's DTLS retransmissions never
// got through and the handshake gave up. The server only uses a channel the
// client asked it to bind to that peer (RFC 8656 §12.2), so ChannelData on a
// channel whose ChannelBind is outstanding is the peer's data. Before the fix
// the late ChannelData below was discarded.
TEST_CASE("turn ChannelData on a channel whose ChannelBind response was lost is accepted") {
  Harness h;
  h.start();
  h.pump();
  h.deliver = false;  // from here the test carries each message itself
  REQUIRE(h.client->add_peer(h.now, kPeer).ok());
  h.pump();
  REQUIRE(h.sent.size() == 3);  // Allocate twice (401, then with credentials), CreatePermission
  auto permitted = h.server.handle(h.sent.back(), h.local);
  REQUIRE(h.client->handle_datagram(h.now, permitted, h.server.addr).verdict == Verdict::accepted);
  h.pump();
  REQUIRE(h.sent.size() == 4);  // ChannelBind
  auto bound = h.server.handle(h.sent.back(), h.local);  // the server binds; its answer is lost
  REQUIRE(h.server.channels.size() == 1);
  CHECK(h.count(Kind::channel_bound) == 0);
  const uint8_t hello[5] = {'h', 'e', 'l', 'l', 'o'};
  uint8_t out[200];
  auto t = h.client->wrap(h.now, kPeer, hello, out);  // still Send indications on the way out
  REQUIRE(t.ok());
  CHECK_FALSE(turn::looks_like_channel_data(t->bytes));

  auto late = h.server.channel_data_from(kPeer, bytes_of("dtls"));
  turn::Received r = h.client->handle_datagram(h.now, late, h.server.addr);
  CHECK(r.verdict == Verdict::accepted);
  CHECK(r.peer == kPeer);
  CHECK(std::string(r.data.begin(), r.data.end()) == "dtls");
  // Another channel number is still nobody's.
  auto other = unhex("4fff0001aa000000");
  CHECK(h.client->handle_datagram(h.now, other, h.server.addr).verdict == Verdict::discarded);
  // The retransmitted ChannelBind's answer then binds it as usual.
  REQUIRE(h.client->handle_datagram(h.now, bound, h.server.addr).verdict == Verdict::accepted);
  h.pump();
  CHECK(h.count(Kind::channel_bound) == 1);
}

// keyway-bench call, relayed, loss=0.1, seed 10 (issue 14), the second cause:
// peer::Connection writes a DTLS record 48 bytes into its scratch buffer and
// the TURN client wraps it in place. Before the fix stun::Builder::add_bytes
// wrote the DATA attribute's zero padding before moving the value down, so
// for a length that is not a multiple of 4 the padding landed on the tail of
// the value still waiting to be moved: the server's 75-byte CCS + Finished
// went out through a Send indication with a byte of its Finished zeroed, the
// browser or keyway peer counted an authentication failure, and every
// retransmission was damaged the same way until a ChannelBind got through.
// (ChannelData is written header first and padded after the move: it was fine.)
TEST_CASE("turn Send indication wrapped in place keeps every byte of a payload of any length") {
  for (std::size_t len : {75u, 76u, 77u, 78u, 1u, 2u, 3u, 161u}) {
    CAPTURE(len);
    Harness h;
    h.config.bind_channels = false;  // Send indications only
    h.start();
    h.pump();
    REQUIRE(h.client->add_peer(h.now, kPeer).ok());
    h.pump();
    REQUIRE(h.count(Kind::permission_created) == 1);
    uint8_t buf[400];
    std::vector<uint8_t> payload(len);
    for (std::size_t i = 0; i < len; ++i) payload[i] = static_cast<uint8_t>(0x80 + i);
    std::copy(payload.begin(), payload.end(), buf + 48);  // where peer::Connection writes it (kTurnHeadroom)
    auto t = h.client->wrap(h.now, kPeer, Bytes(buf + 48, len), buf);
    REQUIRE(t.ok());
    auto m = stun::Message::parse(t->bytes);
    REQUIRE(m.ok());
    const auto* data = m->find(stun::attr::kData);
    REQUIRE(data != nullptr);
    CHECK(std::vector<uint8_t>(data->value.begin(), data->value.end()) == payload);
  }
}

TEST_CASE("turn CreatePermission refused: that peer fails, the allocation stays") {
  Harness h;
  h.server.permission_error = 403;
  h.start();
  h.pump();
  REQUIRE(h.client->add_peer(h.now, kPeer).ok());
  h.pump();
  REQUIRE(h.count(Kind::peer_failed) == 1);
  CHECK(error_text(h.last(Kind::peer_failed)->error).find("turn: 403") != std::string::npos);
  CHECK(h.client->allocated());
  CHECK_FALSE(h.client->can_send_to(kPeer));
}

TEST_CASE("turn 20 minutes in virtual time: allocation, permission and channel refreshed; close deallocates") {
  Harness h;
  h.start();
  REQUIRE(h.client->add_peer(h.now, kPeer).ok());  // queued until the allocation exists
  Timestamp t0 = h.now;
  h.run_until(t0 + Duration::seconds(20 * 60));
  CHECK(h.count(Kind::failed) == 0);
  // LIFETIME 600 s, refreshed 60 s early: at 540 s and 1080 s.
  CHECK(h.server.refreshes == 2);
  CHECK(h.client->stats().refreshes == 2);
  // Permissions every 240 s: at 0, 240, ..., 1200 s (6); channels every 540 s: 0, 540, 1080 (3).
  CHECK(h.server.permissions == 6);
  CHECK(h.server.channel_binds == 3);
  CHECK(h.client->can_send_to(kPeer));

  // A nonce going stale midway is answered with the new one.
  h.server.stale_next = 1;
  h.run_until(t0 + Duration::seconds(25 * 60));
  CHECK(h.client->stats().stale_nonces == 1);
  CHECK(h.count(Kind::failed) == 0);

  h.client->close(h.now);
  h.pump();
  CHECK(h.server.deallocated);
  CHECK(h.count(Kind::closed) == 1);
  CHECK_FALSE(h.client->allocated());
  CHECK(h.pump() == Timestamp::never());
}

TEST_CASE("turn responses: wrong transaction, wrong integrity or a stranger's address are dropped") {
  Harness h;
  h.start();
  h.deliver = false;
  h.pump();  // the first Allocate, unanswered
  REQUIRE(h.sent.size() == 1);
  auto req = stun::Message::parse(h.sent[0]);
  REQUIRE(req.ok());
  // A success for the request, but without MESSAGE-INTEGRITY after a challenge is in use:
  h.server.check_integrity = true;
  auto answer = h.server.handle(h.sent[0], h.local);  // 401 challenge
  CHECK(h.client->handle_datagram(h.now, answer, SocketAddr::v4(127, 0, 0, 1, 9)).verdict == Verdict::discarded);
  CHECK(h.client->handle_datagram(h.now, answer, h.server.addr).verdict == Verdict::accepted);
  h.pump();  // the authenticated Allocate, unanswered
  REQUIRE(h.sent.size() == 2);
  auto authed = stun::Message::parse(h.sent[1]);
  REQUIRE(authed.ok());
  uint8_t buf[256];
  stun::Builder forged(buf, stun::message_type(stun::kMethodAllocate, stun::Class::success), authed->transaction_id());
  forged.add_xor_address(stun::attr::kXorRelayedAddress, SocketAddr::v4(127, 0, 0, 66, 1));
  forged.add_message_integrity(crypto::HmacSha1(bytes_of("not the key")));
  CHECK(h.client->handle_datagram(h.now, *forged.finish(), h.server.addr).verdict == Verdict::discarded);
  CHECK_FALSE(h.client->allocated());
  auto real = h.server.handle(h.sent[1], h.local);
  CHECK(h.client->handle_datagram(h.now, real, h.server.addr).verdict == Verdict::accepted);
  CHECK(h.client->allocated());
  // The same response again: its transaction is over.
  CHECK(h.client->handle_datagram(h.now, real, h.server.addr).verdict == Verdict::discarded);
}

TEST_CASE("turn over TCP: the stream framer splits STUN and padded ChannelData (RFC 8656 §3.1, §12.5)") {
  // A STUN message (RFC 5769 §2.2 response), a ChannelData of 5 bytes padded
  // to 8, and one of 4 bytes (no padding), back to back on the stream.
  auto stun_msg = unhex(
      "0101003c2112a442b7e7a701bc34d686fa87dfae"
      "8022000b7465737420766563746f7220"
      "002000080001a147e112a643"
      "000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7"
      "80280004c07d4c96");
  auto cd1 = unhex("40000005" "0102030405" "000000");
  auto cd2 = unhex("4fff0004" "aabbccdd");
  std::vector<uint8_t> stream;
  for (const auto* part : {&stun_msg, &cd1, &cd2}) stream.insert(stream.end(), part->begin(), part->end());

  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{7}, stream.size()}) {
    CAPTURE(chunk);
    turn::StreamFramer f;
    std::vector<std::vector<uint8_t>> out;
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
      std::size_t n = std::min(chunk, stream.size() - at);
      REQUIRE(f.push(Bytes(stream.data() + at, n)) == n);
      for (;;) {
        auto m = f.next();
        REQUIRE(m.ok());
        if (m->empty()) break;
        out.emplace_back(m->begin(), m->end());
      }
    }
    REQUIRE(out.size() == 3);
    CHECK(out[0] == stun_msg);
    CHECK(out[1] == cd1);
    CHECK(out[2] == cd2);
    CHECK(f.buffered() == 0);
    auto parsed = turn::parse_channel_data(out[1]);  // the padding is not data
    REQUIRE(parsed.ok());
    CHECK(parsed->data.size() == 5);
  }
}

TEST_CASE("turn over TCP: a stream that is neither STUN nor ChannelData, or too large, breaks") {
  turn::StreamFramer f;
  auto junk = unhex("8000000000000000");  // RTP-like first byte: not allowed on a TURN stream
  REQUIRE(f.push(junk) == junk.size());
  CHECK_FALSE(f.next().ok());
  CHECK(f.broken());
  CHECK_FALSE(f.next().ok());  // stays broken
  CHECK(f.push(junk) == 0);

  turn::StreamFramer big;
  auto huge = unhex("0001fff02112a442000000000000000000000000");  // announces 65520 bytes
  big.push(huge);
  CHECK_FALSE(big.next().ok());

  // A full buffer takes no more until next() has handed out what is whole.
  turn::StreamFramer full;
  std::vector<uint8_t> msgs;
  for (int i = 0; i < 2000; ++i) {
    auto cd = unhex("40000004aabbccdd");
    msgs.insert(msgs.end(), cd.begin(), cd.end());
  }
  std::size_t taken = full.push(msgs);
  CHECK(taken == turn::StreamFramer::kCapacity);
  int frames = 0;
  std::size_t at = taken;
  for (int guard = 0; guard < 10000 && at <= msgs.size(); ++guard) {
    auto m = full.next();
    REQUIRE(m.ok());
    if (m->empty()) {
      if (at == msgs.size()) break;
      at += full.push(Bytes(msgs.data() + at, msgs.size() - at));
      continue;
    }
    ++frames;
  }
  CHECK(frames == 2000);
}

TEST_CASE("turn over TCP: ChannelData from the client is padded, requests are not retransmitted") {
  Harness h;
  h.config.transport = turn::Transport::tcp;
  h.start();
  REQUIRE(h.client->add_peer(h.now, kPeer).ok());
  h.pump();
  REQUIRE(h.count(Kind::channel_bound) == 1);
  uint8_t out[64];
  const uint8_t five[5] = {1, 2, 3, 4, 5};
  auto t = h.client->wrap(h.now, kPeer, five, out);
  REQUIRE(t.ok());
  CHECK(t->bytes.size() == 12);  // 4 + 5 + 3 padding

  Harness silent;
  silent.config.transport = turn::Transport::tcp;
  silent.deliver = false;
  silent.start();
  Timestamp t0 = silent.now;
  silent.run_until(t0 + Duration::seconds(60));
  CHECK(silent.sent.size() == 1);  // RFC 8489 §6.2.2: a reliable transport, sent once
  REQUIRE(silent.count(Kind::failed) == 1);
  CHECK(silent.last(Kind::failed)->error.code == Code::timeout);
}

TEST_CASE("turn URI (RFC 7065 §3.1): IP literals, default port 3478, transport, turns refused") {
  auto a = turn::parse_uri("turn:127.0.0.1:3479?transport=tcp");
  REQUIRE(a.ok());
  CHECK(a->server == SocketAddr::v4(127, 0, 0, 1, 3479));
  CHECK(a->transport == turn::Transport::tcp);
  auto b = turn::parse_uri("turn:127.0.0.1");
  REQUIRE(b.ok());
  CHECK(b->server.port == 3478);
  CHECK(b->transport == turn::Transport::udp);
  auto c = turn::parse_uri("turn:[::1]:5000?transport=udp");
  REQUIRE(c.ok());
  CHECK(c->server.family == Family::v6);
  CHECK(c->server.port == 5000);
  CHECK_FALSE(turn::parse_uri("turns:127.0.0.1:5349").ok());
  CHECK_FALSE(turn::parse_uri("stun:127.0.0.1").ok());
  CHECK_FALSE(turn::parse_uri("turn:turn.example.org:3478").ok());  // no name resolution in keyway
  CHECK_FALSE(turn::parse_uri("turn:127.0.0.1:0").ok());
  CHECK_FALSE(turn::parse_uri("turn:127.0.0.1:70000").ok());
  CHECK_FALSE(turn::parse_uri("turn:127.0.0.1:3478?transport=sctp").ok());
}

// Issue 14: RFC 8489 §9.2.2 keys on OpaqueString(password) (RFC 8265 §4.2).
// Before ice/turn/opaque_string.cpp the client hashed the password's bytes as
// given: a password typed with a no-break space derived a key the server
// (which prepares it) would not, and RFC 8489 Appendix B.1's unprepared
// password "The<U+00AD>M<U+00AA>tr<U+2168>" was accepted and silently hashed
// raw (this test failed there: set_user returned ok).
namespace {
std::string prepared(std::string_view in) {
  uint8_t out[256];
  auto n = turn::prepare_opaque_string(in, out);
  return n.ok() ? std::string(reinterpret_cast<const char*>(out), *n) : std::string("error: ") + n.error().detail;
}

// A request authenticated with `sender`'s key, checked with `checker`'s (both took the RFC 5769 challenge).
bool same_key(std::string_view sender_pass, std::string_view checker_pass) {
  auto challenge = unhex(
      "000100602112a44278ad3433c6ad72c029da412e"
      "00060012e3839ee38388e383aae38383e382afe382b90000"
      "0015001c662f2f3439396b39353464364f4c33346f4c39465354767936347341"
      "0014000b6578616d706c652e6f726700"
      "00080014f67024656dd64a3e02b8e0712e85c9a28ca89666");
  auto m = stun::Message::parse(challenge);
  turn::LongTermCredentials sender, checker;
  if (!m.ok() || !sender.set_user("alice", sender_pass).ok() || !checker.set_user("alice", checker_pass).ok() ||
      !sender.take_challenge(*m).ok() || !checker.take_challenge(*m).ok())
    return false;
  uint8_t buf[512];
  stun::Builder b(buf, stun::message_type(stun::kMethodAllocate, stun::Class::request), m->transaction_id());
  sender.authenticate(b);
  auto req = b.finish();
  auto parsed = req.ok() ? stun::Message::parse(*req) : Result<stun::Message>(req.error());
  return parsed.ok() && checker.verify(*parsed).ok();
}
}  // namespace

TEST_CASE("turn long-term key: the password goes through OpaqueString (RFC 8265 §4.2)") {
  // ASCII passes unchanged, spaces and symbols included.
  CHECK(prepared("s3cret") == "s3cret");
  CHECK(prepared("The Matrix ~!@#$%^&*()") == "The Matrix ~!@#$%^&*()");
  // Non-ASCII spaces become U+0020 (§4.2.1); U+00A0..U+02FF are NFC already and stay.
  CHECK(prepared("pass\xc2\xa0word") == "pass word");
  CHECK(prepared("caf\xc3\xa9\xe3\x80\x80x") == "caf\xc3\xa9 x");  // U+00E9, U+3000 IDEOGRAPHIC SPACE
  CHECK(same_key("pass\xc2\xa0word", "pass word"));
  CHECK(same_key("s3cret", "s3cret"));
  CHECK_FALSE(same_key("s3cret", "s3cre"));
  // Refused, with the reason: controls and ignorables (FreeformClass), what keyway
  // cannot NFC-normalise without tables, and bytes that are not UTF-8.
  CHECK(prepared("tab\there").find("control or ignorable") != std::string::npos);
  CHECK(prepared("e\xcc\x81").find("cannot NFC-normalise") != std::string::npos);  // e + U+0301 COMBINING ACUTE
  CHECK(prepared("\xff\xfe").find("not valid UTF-8") != std::string::npos);
  CHECK(prepared("\xc0\xaf").find("not valid UTF-8") != std::string::npos);  // overlong '/'
  turn::LongTermCredentials raw;
  auto s = raw.set_user("\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9",
                        "The\xc2\xadM\xc2\xaatr\xe2\x85\xa8");  // RFC 8489 B.1 before preparation
  REQUIRE_FALSE(s.ok());
  CHECK(std::string(s.error().detail).find("turn: password") != std::string::npos);
  // No password (a server without credentials) is still allowed.
  turn::LongTermCredentials none;
  CHECK(none.set_user("", "").ok());
}

TEST_CASE("turn long-term key: the REALM goes through OpaqueString too, and is echoed as received") {
  auto challenge = [](std::string_view realm, std::vector<uint8_t>& out) {
    out.assign(256, 0);
    stun::TransactionId id{};
    stun::Builder b(out, stun::message_type(stun::kMethodAllocate, stun::Class::error), id);
    b.add_error_code(401, "Unauthorized");
    b.add_text(stun::attr::kRealm, realm);
    b.add_text(stun::attr::kNonce, "nonce-1");
    out.resize(b.finish()->size());
    return stun::Message::parse(out);
  };
  std::vector<uint8_t> nbsp_buf, space_buf, bad_buf;
  auto nbsp = challenge("keyway\xc2\xa0test", nbsp_buf), space = challenge("keyway test", space_buf);
  REQUIRE(nbsp.ok());
  REQUIRE(space.ok());
  turn::LongTermCredentials sender, checker;
  REQUIRE(sender.set_user("alice", "s3cret").ok());
  REQUIRE(checker.set_user("alice", "s3cret").ok());
  REQUIRE(sender.take_challenge(*nbsp).ok());
  REQUIRE(checker.take_challenge(*space).ok());
  uint8_t buf[512];
  stun::Builder b(buf, stun::message_type(stun::kMethodAllocate, stun::Class::request), nbsp->transaction_id());
  sender.authenticate(b);
  auto req = b.finish();
  REQUIRE(req.ok());
  auto m = stun::Message::parse(*req);
  REQUIRE(m.ok());
  CHECK(checker.verify(*m).ok());                               // the same key
  CHECK(std::string(*m->text(stun::attr::kRealm)) == "keyway\xc2\xa0test");  // the REALM as the server sent it
  auto bad = challenge("e\xcc\x81", bad_buf);
  REQUIRE(bad.ok());
  turn::LongTermCredentials refused;
  REQUIRE(refused.set_user("alice", "s3cret").ok());
  auto s = refused.take_challenge(*bad);
  REQUIRE_FALSE(s.ok());
  CHECK(std::string(s.error().detail).find("REALM") != std::string::npos);
}
