// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <string>

#include "keyway/sdp/webrtc.hpp"
#include "tests/sdp/support.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using namespace keyway::sdp;
using keyway::test::crlf;
using keyway::test::Parsed;

TEST_CASE("a=fingerprint: any hash, upper or lower case, length checked (RFC 8122 §5)") {
  auto fp = parse_fingerprint("sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3A:5C:7F:41:E9:D6:29:18:7B:3F:F9:A5");
  REQUIRE(fp.ok());
  CHECK(fp->hash == HashFunction::sha_256);
  CHECK(fp->length == 32);
  CHECK(test::hex(fp->bytes()) == "4aadb9b13f82183b540212df3e5d496b19e57cab3a5c7f41e9d629187b3ff9a5");
  auto sha1 = parse_fingerprint("SHA-1 4a:ad:b9:b1:3f:82:18:3b:54:02:12:df:3e:5d:49:6b:19:e5:7c:ab");
  REQUIRE(sha1.ok());
  CHECK(sha1->hash == HashFunction::sha_1);
  std::string hex512;
  for (int i = 0; i < 64; ++i) hex512 += (i ? ":" : "") + std::string("AB");
  auto sha512 = parse_fingerprint("sha-512 " + hex512);
  REQUIRE(sha512.ok());
  CHECK(sha512->length == 64);
  auto other = parse_fingerprint("blake3 01:02:03");
  REQUIRE(other.ok());
  CHECK(other->hash == HashFunction::other);
  CHECK(other->length == 3);
  const char* bad[] = {
      "sha-256",                         // no fingerprint
      "sha-256 ",                        // empty
      "sha-256 4A:AD",                   // wrong length for sha-256
      "sha-1 4A-AD-B9",                  // wrong separator
      "sha-1 4A:A",                      // odd digit count
      "sha-1 4A:GG",                     // not hex
      "sha-1 4AAD",                      // missing ':'
      "sha-1 4A:AD:",                    // trailing ':'
      "bad/name 4A",                     // hash name not a token
  };
  for (const char* b : bad) CHECK_MESSAGE(!parse_fingerprint(b).ok(), b);
  CHECK_FALSE(parse_fingerprint("sha-512 " + hex512 + ":AB").ok());  // longer than 64 bytes

  char out[200];
  auto text = format_fingerprint("sha-256", fp->bytes(), out);
  REQUIRE(text.ok());
  CHECK(*text == "sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3A:5C:7F:41:E9:D6:29:18:7B:3F:F9:A5");
  CHECK_FALSE(format_fingerprint("sha-256", fp->bytes(), std::span<char>(out, 20)).ok());
  CHECK_FALSE(format_fingerprint("sha-256", {}, out).ok());
}

TEST_CASE("a=setup and directions") {
  CHECK(*parse_setup("actpass") == Setup::actpass);
  CHECK(*parse_setup("active") == Setup::active);
  CHECK(*parse_setup("passive") == Setup::passive);
  CHECK(*parse_setup("holdconn") == Setup::holdconn);
  CHECK_FALSE(parse_setup("ACTIVE").ok());
  CHECK_FALSE(parse_setup("").ok());
  Direction d{};
  CHECK(parse_direction("recvonly", d));
  CHECK(d == Direction::recvonly);
  CHECK_FALSE(parse_direction("sendreceive", d));
  CHECK(reverse(Direction::sendonly) == Direction::recvonly);
  CHECK(reverse(Direction::sendrecv) == Direction::sendrecv);
  CHECK(std::string(to_string(Setup::passive)) == "passive");
}

TEST_CASE("a=ice-ufrag / a=ice-pwd lengths and characters (RFC 8839 §5.4)") {
  CHECK(check_ice_ufrag("QYwq").ok());
  CHECK(check_ice_ufrag("a+/9").ok());
  CHECK_FALSE(check_ice_ufrag("abc").ok());
  CHECK_FALSE(check_ice_ufrag("ab-d").ok());
  CHECK(check_ice_ufrag(std::string(256, 'a')).ok());
  CHECK_FALSE(check_ice_ufrag(std::string(257, 'a')).ok());
  CHECK(check_ice_pwd("WR6X7syNltbYfptA9IvXpo").ok());
  CHECK_FALSE(check_ice_pwd("WR6X7syNltbYfptA9IvXp").ok());  // 21
  CHECK_FALSE(check_ice_pwd("WR6X7syNltbYfptA9IvXp=").ok());
  CHECK_FALSE(check_ice_pwd(std::string(257, 'a')).ok());
  CHECK(has_ice_option("trickle renomination", "renomination"));
  CHECK_FALSE(has_ice_option("trickles", "trickle"));
}

// RFC 8839 §5.5: ice-pacing-att = "ice-pacing:" 1*10DIGIT (milliseconds);
// anything else is taken as absent (the 50 ms default), not as an error.
TEST_CASE("sdp: a=ice-pacing value") {
  CHECK(parse_ice_pacing("25") == 25);
  CHECK(parse_ice_pacing("0050") == 50);
  CHECK(parse_ice_pacing("4294967295") == 4294967295u);
  CHECK(parse_ice_pacing("4294967296") == 0);
  CHECK(parse_ice_pacing("12345678901") == 0);
  CHECK(parse_ice_pacing("") == 0);
  CHECK(parse_ice_pacing("25ms") == 0);
  CHECK(parse_ice_pacing("-5") == 0);
}

TEST_CASE("a=rtpmap, a=fmtp, a=rtcp-fb") {
  auto opus = parse_rtpmap("111 opus/48000/2");
  REQUIRE(opus.ok());
  CHECK(opus->payload_type == 111);
  CHECK(opus->encoding == "opus");
  CHECK(opus->clock_rate == 48000);
  CHECK(opus->channels == 2);
  auto vp8 = parse_rtpmap("96 VP8/90000");
  REQUIRE(vp8.ok());
  CHECK(vp8->channels == 1);
  CHECK_FALSE(vp8->has_channels);
  for (const char* b : {"128 x/8000", "96 VP8", "96 VP8/0", "96 VP8/abc", "x VP8/90000", "96 /90000", "96 a/8000/0", "96"})
    CHECK_MESSAGE(!parse_rtpmap(b).ok(), b);
  auto f = parse_fmtp("111 minptime=10;useinbandfec=1");
  REQUIRE(f.ok());
  CHECK(f->payload_type == 111);
  CHECK(f->parameters == "minptime=10;useinbandfec=1");
  CHECK(parse_fmtp("101").ok());
  CHECK_FALSE(parse_fmtp("abc x=1").ok());
  auto fb = parse_rtcp_fb("96 nack pli");
  REQUIRE(fb.ok());
  CHECK(fb->type == "nack");
  CHECK(fb->parameter == "pli");
  auto any = parse_rtcp_fb("* transport-cc");
  REQUIRE(any.ok());
  CHECK(any->any_payload);
  CHECK(any->parameter.empty());
  CHECK_FALSE(parse_rtcp_fb("96").ok());
  CHECK_FALSE(parse_rtcp_fb("200 nack").ok());
}

TEST_CASE("a=extmap with direction and id ranges (RFC 8285 §5)") {
  auto e = parse_extmap("2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level");
  REQUIRE(e.ok());
  CHECK(e->id == 2);
  CHECK(e->has_direction);
  CHECK(e->direction == Direction::recvonly);
  CHECK(e->uri == "urn:ietf:params:rtp-hdrext:csrc-audio-level");
  auto attrs = parse_extmap("5 urn:x extra attributes");
  REQUIRE(attrs.ok());
  CHECK(attrs->attributes == "extra attributes");
  CHECK(parse_extmap("4096 urn:x").ok());
  for (const char* b : {"0 urn:x", "256 urn:x", "4352 urn:x", "1/sideways urn:x", "1", "1 ", "x urn:x"})
    CHECK_MESSAGE(!parse_extmap(b).ok(), b);
}

TEST_CASE("a=ssrc, a=ssrc-group, a=msid, a=group, a=crypto") {
  auto s = parse_ssrc("1573542812 msid:stream track");
  REQUIRE(s.ok());
  CHECK(s->ssrc == 1573542812u);
  CHECK(s->attribute == "msid");
  CHECK(s->value == "stream track");
  CHECK(parse_ssrc("1 cname").ok());
  CHECK_FALSE(parse_ssrc("4294967296 cname:x").ok());
  CHECK_FALSE(parse_ssrc("1").ok());
  auto g = parse_ssrc_group("FID 2540713454 2703275960");
  REQUIRE(g.ok());
  CHECK(g->count == 2);
  CHECK(g->ssrcs[1] == 2703275960u);
  CHECK_FALSE(parse_ssrc_group("FID").ok());
  CHECK_FALSE(parse_ssrc_group("FID x").ok());
  CHECK_FALSE(parse_ssrc_group("SIM 1 2 3 4 5 6 7 8 9").ok());
  auto m = parse_msid("stream track");
  REQUIRE(m.ok());
  CHECK(m->track == "track");
  CHECK(parse_msid("-").ok());
  CHECK_FALSE(parse_msid("").ok());
  CHECK_FALSE(parse_msid(std::string(65, 'a')).ok());
  auto b = parse_group("BUNDLE 0 1 audio");
  REQUIRE(b.ok());
  CHECK(b->contains("audio"));
  CHECK_FALSE(b->contains("2"));
  CHECK(b->first() == "0");
  CHECK(parse_group("BUNDLE").ok());
  auto c = parse_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32");
  REQUIRE(c.ok());
  CHECK(c->suite == "AES_CM_128_HMAC_SHA1_80");
  CHECK_FALSE(parse_crypto("x AES inline:y").ok());
}

TEST_CASE("view_media: session-level fallbacks, flags, numbers, candidates") {
  std::string text = crlf(
      "v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nt=0 0\n"
      "a=group:BUNDLE a v\na=ice-lite\na=ice-ufrag:sess\na=ice-pwd:sessionpasswordsession1\n"
      "a=fingerprint:sha-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB\n"
      "a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3A:5C:7F:41:E9:D6:29:18:7B:3F:F9:A5\n"
      "a=setup:passive\na=sendonly\na=extmap-allow-mixed\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 0\nc=IN IP4 0.0.0.0\na=mid:a\na=rtcp-mux\na=rtcp-mux-only\na=rtcp-rsize\n"
      "a=candidate:1 1 udp 1 127.0.0.1 5000 typ host\na=candidate:2 1 udp 1 127.0.0.1 5001 typ host\na=end-of-candidates\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96\nc=IN IP4 0.0.0.0\na=mid:v\na=ice-ufrag:medi\na=ice-pwd:mediapasswordmediapass\n"
      "a=ice-options:trickle\na=inactive\na=setup:active\n"
      "a=fingerprint:sha-512 " + std::string("AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:"
                                             "AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB") + "\n"
      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\nc=IN IP4 0.0.0.0\na=mid:d\na=sctp-port:5000\na=max-message-size:262144\n");
  Parsed p(text);
  REQUIRE_MESSAGE(p.ok(), p.error());
  auto a = view_media(p.desc(), 0);
  REQUIRE(a.ok());
  CHECK(a->mid == "a");
  CHECK(a->in_bundle);
  CHECK(a->direction == Direction::sendonly);
  CHECK(a->rtcp_mux);
  CHECK(a->rtcp_mux_only);
  CHECK(a->rtcp_rsize);
  CHECK(a->extmap_allow_mixed);
  CHECK(a->transport.ice_ufrag == "sess");
  CHECK(a->transport.ice_lite);
  CHECK_FALSE(a->transport.ice_trickle);
  CHECK(a->transport.fingerprint_count == 2);
  CHECK(a->transport.fingerprints[0].hash == HashFunction::sha_1);
  CHECK(a->transport.setup == Setup::passive);
  CHECK(a->transport.end_of_candidates);
  CHECK(candidates(a->transport).count() == 2);
  CHECK(*candidates(a->transport).begin() == "1 1 udp 1 127.0.0.1 5000 typ host");
  auto v = view_media(p.desc(), 1);
  REQUIRE(v.ok());
  CHECK(v->transport.ice_ufrag == "medi");
  CHECK(v->transport.ice_trickle);
  CHECK(v->direction == Direction::inactive);
  CHECK(v->transport.setup == Setup::active);
  CHECK(v->transport.fingerprint_count == 1);  // media level replaces session level
  CHECK(v->transport.fingerprints[0].hash == HashFunction::sha_512);
  CHECK(candidates(v->transport).count() == 0);
  auto d = view_media(p.desc(), 2);
  REQUIRE(d.ok());
  CHECK(d->sctp_port == 5000);
  CHECK(d->max_message_size == 262144u);
  CHECK_FALSE(d->in_bundle);
  CHECK_FALSE(view_media(p.desc(), 3).ok());
  std::string_view mids[4];
  CHECK(read_mids(p.desc(), mids) == 3);
  CHECK(mids[2] == "d");
}

TEST_CASE("view_media: each malformed WebRTC attribute is reported") {
  const std::string head = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\n";
  const char* bad[] = {
      "a=ice-ufrag:abc", "a=ice-pwd:short", "a=fingerprint:sha-256 00", "a=setup:both", "a=rtpmap:0 PCMU",
      "a=fmtp:x y", "a=rtcp-fb:0", "a=extmap:0 urn:x", "a=ssrc:x cname:y", "a=ssrc-group:FID x",
      "a=msid:", "a=crypto:1", "a=sctp-port:70000", "a=max-message-size:big", "a=mid:a b",
  };
  for (const char* line : bad) {
    Parsed p(head + line + "\r\n", Mode::lenient);
    REQUIRE_MESSAGE(p.ok(), p.error());
    CHECK_MESSAGE(!view_media(p.desc(), 0).ok(), line);
  }
  std::string five;
  for (int i = 0; i < 5; ++i) five += "a=fingerprint:sha-1 01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14\r\n";
  Parsed p(head + five);
  REQUIRE(p.ok());
  auto r = view_media(p.desc(), 0);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Code::capacity);
}

TEST_CASE("check_bundle_extmaps: an id naming two URIs in one BUNDLE group is reported") {
  std::string base = crlf(
      "v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nt=0 0\na=group:BUNDLE 0 1\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 0\nc=IN IP4 0.0.0.0\na=mid:0\na=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\na=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96\nc=IN IP4 0.0.0.0\na=mid:1\na=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\na=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\n");
  Parsed p(base);
  REQUIRE(p.ok());
  ExtmapConflict c;
  auto s = check_bundle_extmaps(p.desc(), &c);
  REQUIRE_FALSE(s.ok());
  CHECK(std::string(s.error().detail).find("BUNDLE") != std::string::npos);
  CHECK(c.id == 2);
  CHECK(c.first_uri == "urn:ietf:params:rtp-hdrext:ssrc-audio-level");
  CHECK(c.second_uri == "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time");
  CHECK(c.first_section == 0);
  CHECK(c.second_section == 1);
  // Not bundled: separate transports may reuse ids.
  std::string unbundled = base;
  unbundled.replace(unbundled.find("a=group:BUNDLE 0 1\r\n"), 20, "");
  Parsed q(unbundled);
  REQUIRE(q.ok());
  CHECK(check_bundle_extmaps(q.desc()).ok());
}
