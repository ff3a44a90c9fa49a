// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "keyway/sdp/lexer.hpp"
#include "tests/sdp/local_params.hpp"
#include "tests/sdp/support.hpp"

using namespace keyway;
using namespace keyway::sdp;
using keyway::test::crlf;
using keyway::test::Parsed;

namespace {

struct Offer {
  std::array<LocalMedia, 2> media{};
  OfferOptions options{};
  Offer() {
    media[0].kind = MediaKind::audio;
    media[0].mid = "0";
    media[0].codecs = test::kAudioPrefs;
    media[0].extensions = std::span<const HeaderExtension>(test::kExtensions.data(), 3);
    media[0].sender = {1111, 0, "cname1", "stream", "audio-track"};
    media[1].kind = MediaKind::video;
    media[1].mid = "1";
    media[1].codecs = test::kVideoPrefs;
    media[1].extensions = std::span<const HeaderExtension>(test::kExtensions.data(), 2);
    media[1].sender = {2222, 3333, "cname1", "stream", "video-track"};
    options.session_id = 7;
    options.transport = test::local_transport();
    options.media = media;
  }
  Result<std::string_view> create(std::string& out) const {
    out.assign(8192, '\0');
    return create_offer(options, std::span<char>(out.data(), out.size()));
  }
};

std::string answer_to(const std::string& offer_text, const AnswerOptions& o, AnswerSummary* s = nullptr) {
  Parsed offer(offer_text, Mode::lenient);
  REQUIRE_MESSAGE(offer.ok(), offer.error());
  std::string out(16384, '\0');
  auto a = create_answer(offer.desc(), o, std::span<char>(out.data(), out.size()), s);
  REQUIRE_MESSAGE(a.ok(), std::string(a.error().detail));
  return std::string(*a);
}

std::string answer_error(const std::string& offer_text, const AnswerOptions& o) {
  Parsed offer(offer_text, Mode::lenient);
  REQUIRE_MESSAGE(offer.ok(), offer.error());
  std::string out(16384, '\0');
  auto a = create_answer(offer.desc(), o, std::span<char>(out.data(), out.size()));
  REQUIRE(!a.ok());
  return a.error().detail;
}

bool has_line(const std::string& text, const std::string& line) { return text.find(line + "\r\n") != std::string::npos; }

const std::string kOfferHead = crlf(
    "v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nt=0 0\na=group:BUNDLE 0\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\nc=IN IP4 0.0.0.0\na=mid:0\n"
    "a=ice-ufrag:abcd\na=ice-pwd:abcdefghijklmnopqrstuvwx\n"
    "a=fingerprint:sha-256 19:E2:1C:3B:4B:9F:81:E6:B8:5C:F4:A5:A8:D8:73:04:BB:05:2F:70:9F:04:A9:0E:05:E9:26:33:E8:70:88:A2\n"
    "a=rtcp-mux\na=rtpmap:111 opus/48000/2\na=rtpmap:0 PCMU/8000\n");

std::string with(const std::string& base, const std::string& find, const std::string& replace) {
  std::string s = base;
  auto at = s.find(find);
  REQUIRE_MESSAGE(at != std::string::npos, find);
  s.replace(at, find.size(), replace);
  return s;
}

}  // namespace

TEST_CASE("create_offer: BUNDLE, rtcp-mux, actpass; passes strict parsing; read back") {
  Offer o;
  std::string out;
  auto text = o.create(out);
  REQUIRE_MESSAGE(text.ok(), text.error().detail);
  std::string s(*text);
  Parsed p(s);
  REQUIRE_MESSAGE(p.ok(), p.error());
  CHECK(has_line(s, "a=group:BUNDLE 0 1"));
  CHECK(has_line(s, "m=audio 9 UDP/TLS/RTP/SAVPF 111 0 126"));
  CHECK(has_line(s, "m=video 9 UDP/TLS/RTP/SAVPF 96 102 97"));
  CHECK(has_line(s, "a=rtpmap:111 opus/48000/2"));
  CHECK(has_line(s, "a=fmtp:111 minptime=10;useinbandfec=1"));
  CHECK(has_line(s, "a=rtcp-fb:96 nack pli"));
  CHECK(has_line(s, "a=fmtp:97 apt=96"));
  CHECK(has_line(s, "a=ssrc-group:FID 2222 3333"));
  CHECK(has_line(s, "a=ssrc:1111 cname:cname1"));
  CHECK(has_line(s, "a=msid:stream video-track"));
  CHECK(has_line(s, "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level"));
  CHECK(has_line(s, "a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host"));
  CHECK(has_line(s, "a=end-of-candidates"));
  auto r = read_remote(p.desc());
  REQUIRE(r.ok());
  CHECK(r->bundle);
  CHECK(r->transport.setup == Setup::actpass);
  CHECK(r->transport.ice_pwd == "keywayPasswordOf24Chars");
  CHECK(r->transport.ice_trickle);
  CHECK(candidates(r->transport).count() == 2);
  CHECK(check_bundle_extmaps(p.desc()).ok());
  for (std::size_t i = 0; i < 2; ++i) {
    auto v = view_media(p.desc(), i);
    REQUIRE(v.ok());
    CHECK(v->rtcp_mux);
    CHECK(v->in_bundle);
    CHECK(v->direction == Direction::sendrecv);
  }
}

TEST_CASE("create_offer: keyway answers its own offer") {
  Offer o;
  std::string out;
  auto text = o.create(out);
  REQUIRE(text.ok());
  AnswerSummary s;
  std::string answer = answer_to(std::string(*text), test::answer_options(), &s);
  CHECK(Parsed(answer).ok());
  CHECK(s.accepted == 2);
  CHECK(s.local_setup == Setup::active);
  CHECK(has_line(answer, "m=audio 9 UDP/TLS/RTP/SAVPF 111 0 126"));
  CHECK(has_line(answer, "m=video 9 UDP/TLS/RTP/SAVPF 96 102 97"));
}

TEST_CASE("create_offer: bad parameters are refused with a reason") {
  struct Case {
    const char* what;
    void (*mutate)(Offer&);
  };
  static const std::array<HeaderExtension, 1> clash = {{{1, "urn:ietf:params:rtp-hdrext:sdes:mid"}}};
  static const std::array<Codec, 2> dup = {{{"opus", 48000, 2, 111, "", {}}, {"PCMU", 8000, 1, 111, "", {}}}};
  static const std::array<Codec, 1> bad_pt = {{{"opus", 48000, 2, 200, "", {}}}};
  static const std::array<Codec, 1> bad_fmtp = {{{"opus", 48000, 2, 111, "a\r\nb", {}}}};
  const Case cases[] = {
      {"two URIs", [](Offer& o) { o.media[1].extensions = clash; }},
      {"mid used twice", [](Offer& o) { o.media[1].mid = "0"; }},
      {"mid must be", [](Offer& o) { o.media[1].mid = "a b"; }},
      {"no codecs", [](Offer& o) { o.media[1].codecs = {}; }},
      {"used twice in one section", [](Offer& o) { o.media[0].codecs = dup; }},
      {"0..127", [](Offer& o) { o.media[0].codecs = bad_pt; }},
      {"line break", [](Offer& o) { o.media[0].codecs = bad_fmtp; }},
      {"ice-ufrag", [](Offer& o) { o.options.transport.ice_ufrag = "abc"; }},
      {"ice-pwd", [](Offer& o) { o.options.transport.ice_pwd = "tooshort"; }},
      {"no certificate fingerprint", [](Offer& o) { o.options.transport.fingerprint = ""; }},
      {"fingerprint is not", [](Offer& o) { o.options.transport.fingerprint = "sha-256 zz"; }},
      {"no media", [](Offer& o) { o.options.media = {}; }},
      {"session id", [](Offer& o) { o.options.session_id = ~uint64_t{0}; }},
      {"cname", [](Offer& o) { o.media[0].sender.cname = ""; }},
      {"rtx ssrc", [](Offer& o) { o.media[1].sender.rtx_ssrc = 2222; }},
  };
  for (const Case& c : cases) {
    Offer o;
    c.mutate(o);
    std::string out;
    auto r = o.create(out);
    REQUIRE_FALSE_MESSAGE(r.ok(), c.what);
    CHECK_MESSAGE(std::string(r.error().detail).find(c.what) != std::string::npos, r.error().detail);
  }
  static const std::array<std::string_view, 1> bad_cand = {"candidate:1 1 udp 1 127.0.0.1 1 typ host"};
  Offer o;
  o.options.transport.candidates = bad_cand;
  std::string out;
  CHECK_FALSE(o.create(out).ok());
  Offer small;
  char tiny[100];
  auto r = create_offer(small.options, tiny);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Code::buffer_too_small);
}

TEST_CASE("create_answer: DTLS role (RFC 8842 §3)") {
  AnswerOptions o = test::answer_options();
  AnswerSummary s;
  std::string a = answer_to(kOfferHead, o, &s);  // no a=setup: treated as actpass
  CHECK(has_line(a, "a=setup:active"));
  CHECK(s.local_setup == Setup::active);
  o.setup_for_actpass = Setup::passive;
  CHECK(has_line(answer_to(kOfferHead + "a=setup:actpass\r\n", o), "a=setup:passive"));
  CHECK(has_line(answer_to(kOfferHead + "a=setup:active\r\n", o), "a=setup:passive"));
  o.setup_for_actpass = Setup::active;
  CHECK(has_line(answer_to(kOfferHead + "a=setup:passive\r\n", o), "a=setup:active"));
  CHECK(has_line(answer_to(kOfferHead + "a=setup:active\r\n", o), "a=setup:passive"));
  CHECK(answer_error(kOfferHead + "a=setup:holdconn\r\n", o).find("holdconn") != std::string::npos);
  o.setup_for_actpass = Setup::actpass;
  CHECK(answer_error(kOfferHead + "a=setup:actpass\r\n", o).find("active or passive") != std::string::npos);
  CHECK(answer_setup(Setup::passive, Setup::passive).value() == Setup::active);
}

TEST_CASE("create_answer: codecs chosen by preference, payload types kept, rtx follows its codec") {
  std::string offer = crlf(
      "v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nt=0 0\na=group:BUNDLE v\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 100 101 120 121 122 123\nc=IN IP4 0.0.0.0\na=mid:v\n"
      "a=ice-ufrag:abcd\na=ice-pwd:abcdefghijklmnopqrstuvwx\n"
      "a=fingerprint:sha-256 19:E2:1C:3B:4B:9F:81:E6:B8:5C:F4:A5:A8:D8:73:04:BB:05:2F:70:9F:04:A9:0E:05:E9:26:33:E8:70:88:A2\n"
      "a=setup:actpass\na=rtcp-mux\na=recvonly\n"
      "a=rtpmap:100 H264/90000\na=fmtp:100 packetization-mode=0;profile-level-id=42e01f\n"
      "a=rtpmap:101 rtx/90000\na=fmtp:101 apt=100\n"
      "a=rtpmap:120 h264/90000\na=fmtp:120 profile-level-id=42e01f; packetization-mode=1\n"
      "a=rtpmap:121 rtx/90000\na=fmtp:121 apt=120\n"
      "a=rtpmap:122 VP8/90000\na=rtcp-fb:122 nack\na=rtcp-fb:122 nack pli\na=rtcp-fb:122 goog-remb\n"
      "a=rtpmap:123 rtx/90000\na=fmtp:123 apt=122;rtx-time=3000\n");
  std::string a = answer_to(offer, test::answer_options());
  CHECK(has_line(a, "m=video 9 UDP/TLS/RTP/SAVPF 122 120 121 123"));
  CHECK(has_line(a, "a=rtpmap:120 h264/90000"));
  CHECK(has_line(a, "a=fmtp:120 profile-level-id=42e01f; packetization-mode=1"));
  CHECK(has_line(a, "a=fmtp:123 apt=122;rtx-time=3000"));
  CHECK(has_line(a, "a=rtcp-fb:122 nack pli"));
  CHECK_FALSE(has_line(a, "a=rtcp-fb:122 goog-remb"));  // not in our feedback list
  CHECK(has_line(a, "a=sendonly"));                      // offer recvonly, we send video
  CHECK(has_line(a, "a=ssrc-group:FID 1432778632 1432778633"));
  CHECK(Parsed(a).ok());
  // Static payload type without rtpmap (RFC 3551).
  std::string pcmu = with(kOfferHead, "a=rtpmap:0 PCMU/8000\r\n", "");
  pcmu = with(pcmu, "a=rtpmap:111 opus/48000/2\r\n", "");
  std::string b = answer_to(pcmu, test::answer_options());
  CHECK(has_line(b, "m=audio 9 UDP/TLS/RTP/SAVPF 0"));
  CHECK(has_line(b, "a=rtpmap:0 PCMU/8000"));
}

TEST_CASE("create_answer: rejected sections keep their place with port 0; BUNDLE follows") {
  std::string offer = crlf(
      "v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nt=0 0\na=group:BUNDLE d 0 t\n"
      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\nc=IN IP4 0.0.0.0\na=mid:d\n"
      "a=ice-ufrag:abcd\na=ice-pwd:abcdefghijklmnopqrstuvwx\n"
      "a=fingerprint:sha-256 19:E2:1C:3B:4B:9F:81:E6:B8:5C:F4:A5:A8:D8:73:04:BB:05:2F:70:9F:04:A9:0E:05:E9:26:33:E8:70:88:A2\n"
      "a=setup:actpass\na=sctp-port:5000\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\nc=IN IP4 0.0.0.0\na=mid:0\na=rtcp-mux\na=rtcp-mux-only\na=rtpmap:111 opus/48000/2\n"
      "a=ssrc:42 cname:theirs\na=msid:theirs track\na=candidate:9 1 udp 1 127.0.0.1 9999 typ host\n"
      "m=text 9 UDP/TLS/RTP/SAVPF 98\nc=IN IP4 0.0.0.0\na=mid:t\na=rtcp-mux\na=rtpmap:98 t140/1000\n"
      "m=video 0 UDP/TLS/RTP/SAVPF 96\nc=IN IP4 0.0.0.0\na=mid:old\na=rtcp-mux\na=rtpmap:96 VP8/90000\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96\nc=IN IP4 0.0.0.0\na=mid:nomux\na=rtpmap:96 VP8/90000\n");
  AnswerSummary s;
  std::string a = answer_to(offer, test::answer_options(), &s);
  Parsed p(a);
  REQUIRE_MESSAGE(p.ok(), p.error());
  CHECK(s.accepted == 1);
  CHECK(s.rejected == 4);
  CHECK(has_line(a, "a=group:BUNDLE 0"));
  CHECK(has_line(a, "m=application 0 UDP/DTLS/SCTP webrtc-datachannel"));
  CHECK(has_line(a, "m=text 0 UDP/TLS/RTP/SAVPF 98"));
  CHECK(has_line(a, "m=video 0 UDP/TLS/RTP/SAVPF 96"));
  REQUIRE(p.desc().media.size() == 5);
  std::string_view mids[5];
  read_mids(p.desc(), mids);
  CHECK(mids[0] == "d");
  CHECK(mids[3] == "old");
  CHECK(mids[4] == "nomux");
  CHECK(p.desc().media[4].rejected());
  // The accepted section is tagged and carries the transport; nothing of theirs is echoed.
  const MediaDescription& audio = p.desc().media[1];
  CHECK(audio.find("ice-ufrag")->value == "kwUf");
  CHECK(audio.find("setup")->value == "active");
  CHECK_FALSE(audio.has("rtcp-mux-only"));
  CHECK(a.find("theirs") == std::string::npos);
  CHECK(a.find("9999") == std::string::npos);
  CHECK(a.find("abcdefghijklmnopqrstuvwx") == std::string::npos);
  CHECK(a.find("sctp-port") == std::string::npos);
  CHECK_FALSE(p.desc().media[0].has("ice-ufrag"));
}

TEST_CASE("create_answer: ICE/DTLS in every accepted section, candidates only in the tagged one") {
  Parsed chrome(test::read_text(test::sdp_dir() / "corpus/chrome-offer-av-nocand.sdp"));
  REQUIRE(chrome.ok());
  std::string out(16384, '\0');
  auto a = create_answer(chrome.desc(), test::answer_options(), std::span<char>(out.data(), out.size()));
  REQUIRE(a.ok());
  Parsed p{std::string(*a)};
  REQUIRE(p.ok());
  CHECK(p.desc().media[0].has("fingerprint"));
  CHECK(p.desc().media[0].has("candidate"));
  CHECK(p.desc().media[1].has("fingerprint"));  // aiortc requires these in every section
  CHECK(p.desc().media[1].has("ice-ufrag"));
  CHECK(p.desc().media[1].find("setup")->value == "active");
  CHECK_FALSE(p.desc().media[1].has("candidate"));
  CHECK(p.desc().media[1].has("rtcp-mux"));
  CHECK(p.desc().has("extmap-allow-mixed"));
  CHECK(has_line(std::string(*a), "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid"));
  CHECK(has_line(std::string(*a), "a=rtcp-rsize"));
  // Without BUNDLE every accepted section carries the transport.
  Parsed ast(test::read_text(test::sdp_dir() / "corpus/asterisk-offer-nobundle.sdp"));
  REQUIRE(ast.ok());
  auto b = create_answer(ast.desc(), test::answer_options(), std::span<char>(out.data(), out.size()));
  REQUIRE(b.ok());
  Parsed q{std::string(*b)};
  REQUIRE(q.ok());
  CHECK_FALSE(q.desc().has("group"));
  CHECK(q.desc().media[0].has("candidate"));
  CHECK(q.desc().media[1].has("candidate"));
}

TEST_CASE("create_answer: directions (RFC 3264 §6.1)") {
  AnswerOptions o = test::answer_options();
  CHECK(has_line(answer_to(kOfferHead + "a=sendrecv\r\n", o), "a=sendrecv"));
  CHECK(has_line(answer_to(kOfferHead + "a=sendonly\r\n", o), "a=recvonly"));
  CHECK(has_line(answer_to(kOfferHead + "a=recvonly\r\n", o), "a=sendonly"));
  CHECK(has_line(answer_to(kOfferHead + "a=inactive\r\n", o), "a=inactive"));
  std::string sendonly = answer_to(kOfferHead + "a=sendonly\r\n", o);
  CHECK(sendonly.find("a=ssrc:") == std::string::npos);  // we do not send into a sendonly offer
  o.audio_sender = {};
  CHECK(has_line(answer_to(kOfferHead + "a=sendrecv\r\n", o), "a=recvonly"));
  CHECK(has_line(answer_to(kOfferHead + "a=recvonly\r\n", o), "a=inactive"));
}

TEST_CASE("create_answer: extmap ids reused for two URIs are dropped from the answer") {
  Parsed aiortc(test::read_text(test::sdp_dir() / "corpus/aiortc-offer-av.sdp"));
  REQUIRE(aiortc.ok());
  static const std::array<HeaderExtension, 3> exts = {{{0, "urn:ietf:params:rtp-hdrext:sdes:mid"},
                                                       {0, "urn:ietf:params:rtp-hdrext:ssrc-audio-level"},
                                                       {0, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"}}};
  AnswerOptions o = test::answer_options();
  o.extensions = exts;
  std::string out(16384, '\0');
  AnswerSummary s;
  auto a = create_answer(aiortc.desc(), o, std::span<char>(out.data(), out.size()), &s);
  REQUIRE(a.ok());
  CHECK(s.extmap_conflict);
  std::string text(*a);
  CHECK(has_line(text, "a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level"));
  CHECK(text.find("abs-send-time") == std::string::npos);
  Parsed p(text);
  REQUIRE(p.ok());
  CHECK(check_bundle_extmaps(p.desc()).ok());
  // Direction of an extmap is reversed (RFC 8285 §7).
  std::string dir = answer_to(kOfferHead + "a=extmap:4/sendonly urn:ietf:params:rtp-hdrext:sdes:mid\r\n", test::answer_options());
  CHECK(has_line(dir, "a=extmap:4/recvonly urn:ietf:params:rtp-hdrext:sdes:mid"));
}

TEST_CASE("create_answer: bundle-only sections are accepted (JSEP §5.2.1)") {
  Parsed offer(test::read_text(test::sdp_dir() / "corpus/jsep-offer-bundle-only.sdp"));
  REQUIRE(offer.ok());
  std::string out(16384, '\0');
  AnswerSummary s;
  auto a = create_answer(offer.desc(), test::answer_options(), std::span<char>(out.data(), out.size()), &s);
  REQUIRE(a.ok());
  CHECK(s.accepted == 2);
  CHECK(has_line(std::string(*a), "a=group:BUNDLE a1 v1"));
  CHECK(has_line(std::string(*a), "m=video 9 UDP/TLS/RTP/SAVPF 100 101"));
}

TEST_CASE("create_answer: every error path") {
  AnswerOptions o = test::answer_options();
  CHECK(answer_error(with(kOfferHead, "a=rtcp-mux\r\n", ""), o).find("rtcp-mux") != std::string::npos);
  CHECK(answer_error(with(kOfferHead, "m=audio 9", "m=audio 0"), o).find("no active m= section") != std::string::npos);
  CHECK(answer_error(with(kOfferHead, "m=audio", "m=image"), o).find("no audio or video section") != std::string::npos);
  CHECK(answer_error(with(kOfferHead, "UDP/TLS/RTP/SAVPF", "RTP/SAVPF"), o).find("unsupported transport profile") != std::string::npos);
  CHECK(answer_error(with(kOfferHead, "a=ice-pwd:abcdefghijklmnopqrstuvwx", "a=ice-pwd:short"), o).find("ice-pwd") != std::string::npos);
  CHECK(answer_error(with(kOfferHead, "a=mid:0", "a=mid:0\r\na=ssrc:x"), o).find("a=ssrc") != std::string::npos);
  CHECK(answer_error(kOfferHead + "m=video 0 RTP/AVP@ 0\r\nc=IN IP4 0.0.0.0\r\n", o).find("proto") != std::string::npos);
  CHECK(answer_error(kOfferHead + "m=vid@eo 0 RTP/AVP 0\r\nc=IN IP4 0.0.0.0\r\n", o).find("media type") != std::string::npos);
  CHECK(answer_error(kOfferHead + "m=video 0 RTP/AVP 0\r\nc=IN IP4 0.0.0.0\r\na=mid:a@b\r\n", o).find("a=mid") != std::string::npos);
  CHECK(answer_error(with(kOfferHead, "111 0\r\n", "111 0 x@\r\n"), o).find("format") != std::string::npos);
  CHECK(answer_error(kOfferHead + "m=video 0 RTP/AVP 0\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n", o).find("used by two sections") != std::string::npos);
  AnswerOptions bad = o;
  bad.transport.ice_pwd = "x";
  CHECK(answer_error(kOfferHead, bad).find("ice-pwd") != std::string::npos);
  bad = o;
  bad.audio_sender.cname = "two words";
  CHECK(answer_error(kOfferHead, bad).find("cname") != std::string::npos);
  Parsed offer(kOfferHead);
  REQUIRE(offer.ok());
  char tiny[64];
  auto r = create_answer(offer.desc(), o, tiny);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Code::buffer_too_small);
  // SDES next to DTLS: the section is refused by its a=crypto only if the profile is not DTLS-SRTP.
  std::string mixed = with(kOfferHead, "a=rtcp-mux", "a=rtcp-mux\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR");
  CHECK(answer_to(mixed, o).find("crypto") == std::string::npos);
}

TEST_CASE("create_answer: a second section with SDES or a non-DTLS profile is rejected with port 0") {
  std::string offer = kOfferHead +
                      "m=video 9 RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\n"
                      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n"
                      "m=video 9 RTP/AVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\na=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\n";
  AnswerSummary s;
  std::string a = answer_to(offer, test::answer_options(), &s);
  CHECK(s.accepted == 1);
  CHECK(s.rejected == 2);
  CHECK(has_line(a, "m=video 0 RTP/SAVPF 96"));
  CHECK(has_line(a, "m=video 0 RTP/AVPF 96"));
  CHECK(a.find("crypto") == std::string::npos);
  // When nothing is usable the first refused section's reason is the error.
  std::string none = with(offer, "a=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n", "a=rtpmap:111 speex/16000\r\na=rtpmap:0 x/8000\r\n");
  CHECK(answer_error(none, test::answer_options()).find("no codec in common") != std::string::npos);
  std::string sdes_first = with(none, "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\na=mid:0", "m=audio 0 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\na=mid:0");
  CHECK(answer_error(sdes_first, test::answer_options()).find("SDES") != std::string::npos);
}

TEST_CASE("create_answer: work stays linear for an offer full of extmap lines") {
  // 2000 extmap lines in a BUNDLE group: a quadratic check would take seconds.
  std::string offer = kOfferHead;
  for (int i = 0; i < 2000; ++i) offer += "a=extmap:" + std::to_string(1 + i % 255) + " urn:x:" + std::to_string(i % 255) + "\r\n";
  auto start = std::chrono::steady_clock::now();
  AnswerSummary s;
  std::string a = answer_to(offer, test::answer_options(), &s);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  CHECK_FALSE(s.extmap_conflict);
  CHECK(ms < 500);
  offer += "a=extmap:7 urn:other\r\n";
  answer_to(offer, test::answer_options(), &s);
  CHECK(s.extmap_conflict);
  CHECK(s.conflict.id == 7);
}

TEST_CASE("read_remote: a malformed session-level attribute is reported") {
  Parsed p(with(kOfferHead, "a=group:BUNDLE 0", "a=group:BUNDLE 0\r\na=msid:"), Mode::lenient);
  REQUIRE(p.ok());
  auto r = read_remote(p.desc());
  REQUIRE_FALSE(r.ok());
  CHECK(std::string(r.error().detail).find("a=msid") != std::string::npos);
}

TEST_CASE("read_remote: reads an answer's transport for peer/") {
  Parsed ff(test::read_text(test::sdp_dir() / "corpus/firefox-answer-av.sdp"));
  REQUIRE(ff.ok());
  auto r = read_remote(ff.desc());
  REQUIRE(r.ok());
  CHECK(r->transport.setup == Setup::active);
  CHECK(r->transport.ice_ufrag == "f3c81d27");
  CHECK(r->transport_index == 0);
  Parsed none(crlf("v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nt=0 0\n"));
  REQUIRE(none.ok());
  CHECK_FALSE(read_remote(none.desc()).ok());
}
