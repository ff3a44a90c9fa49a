// SPDX-License-Identifier: Apache-2.0
// Every SDP of tests/sdp/corpus/ (captured from aiortc here, written from the
// documented formats of Chrome, Firefox, Safari, Janus, mediasoup, pion,
// Asterisk and the JSEP examples): parsed strictly and leniently, written
// back byte for byte, its WebRTC view read, and answered when it is an offer.
#include <doctest/doctest.h>

#include <string>

#include "keyway/sdp/lexer.hpp"
#include "keyway/sdp/webrtc.hpp"
#include "tests/sdp/local_params.hpp"
#include "tests/sdp/support.hpp"

using namespace keyway;
using namespace keyway::sdp;
using keyway::test::Parsed;
using keyway::test::write_text;

namespace {

void check_answer(const std::string& name, const SessionDescription& offer) {
  std::string out(16384, '\0');
  AnswerSummary summary;
  auto answer = create_answer(offer, test::answer_options(), std::span<char>(out.data(), out.size()), &summary);
  REQUIRE_MESSAGE(answer.ok(), name, ": ", answer.error().detail);
  Parsed a{std::string(*answer)};
  REQUIRE_MESSAGE(a.ok(), name, ": our answer fails strict parsing: ", a.error());
  // Chromium's checks (interop.md §6): mids echo in order, rtcp-mux, ICE
  // credential lengths, a sha-256 fingerprint, setup active/passive, a codec the offer had.
  REQUIRE(a.desc().media.size() == offer.media.size());
  std::string_view offer_mids[64], answer_mids[64];
  std::size_t n = read_mids(offer, offer_mids);
  REQUIRE(read_mids(a.desc(), answer_mids) == n);
  for (std::size_t i = 0; i < n; ++i) CHECK(offer_mids[i] == answer_mids[i]);
  auto remote = read_remote(a.desc());
  REQUIRE_MESSAGE(remote.ok(), name, ": ", remote.error().detail);
  CHECK(remote->transport.fingerprints[0].hash == HashFunction::sha_256);
  CHECK(remote->transport.ice_ufrag == "kwUf");
  CHECK((remote->transport.setup == Setup::active || remote->transport.setup == Setup::passive));
  CHECK(check_bundle_extmaps(a.desc()).ok());
  for (std::size_t i = 0; i < a.desc().media.size(); ++i) {
    const MediaDescription& m = a.desc().media[i];
    if (m.rejected()) continue;
    CHECK(m.has("rtcp-mux"));
    Tokens formats(m.formats);
    std::string_view pt;
    while (formats.next(pt)) {
      std::string want = " " + std::string(pt);
      std::string offered = " " + std::string(offer.media[i].formats) + " ";
      CHECK_MESSAGE(offered.find(want + " ") != std::string::npos, name, ": answer format ", pt, " was not offered");
    }
    CHECK_FALSE(m.has("crypto"));
    CHECK_FALSE(m.has("rid"));
    CHECK_FALSE(m.has("simulcast"));
    CHECK_FALSE(m.has("rtcp-mux-only"));
  }
  CHECK(summary.accepted >= 1);
}

}  // namespace

TEST_CASE("sdp corpus: parse, round trip, WebRTC view, negotiate") {
  auto files = test::sdp_files("corpus");
  REQUIRE(files.size() >= 15);
  for (const auto& path : files) {
    std::string name = path.filename().string();
    CAPTURE(name);
    std::string text = test::read_text(path);
    Parsed strict(text);
    REQUIRE_MESSAGE(strict.ok(), name, ": ", strict.error());
    Parsed lenient(text, Mode::lenient);
    REQUIRE(lenient.ok());
    CHECK(strict.desc().same_content(lenient.desc()));
    CHECK_MESSAGE(write_text(strict.desc()) == text, name, ": round trip changed the bytes");
    for (std::size_t i = 0; i < strict.desc().media.size(); ++i) {
      auto v = view_media(strict.desc(), i);
      CHECK_MESSAGE(v.ok(), name, " section ", i, ": ", v.ok() ? "" : v.error().detail);
    }
    auto remote = read_remote(strict.desc());
    REQUIRE_MESSAGE(remote.ok(), name, ": ", remote.error().detail);
    CHECK(remote->transport.fingerprint_count >= 1);
    CHECK(check_ice_ufrag(remote->transport.ice_ufrag).ok());
    if (name.find("offer") != std::string::npos) check_answer(name, strict.desc());
  }
}

TEST_CASE("sdp corpus: what the real and documented offers contain") {
  Parsed chrome(test::read_text(test::sdp_dir() / "corpus/chrome-offer-av-simulcast.sdp"));
  REQUIRE(chrome.ok());
  auto r = read_remote(chrome.desc());
  REQUIRE(r.ok());
  CHECK(r->bundle);
  CHECK(r->transport.ice_ufrag == "QYwq");
  CHECK(r->transport.ice_trickle);
  CHECK(r->transport.setup == Setup::actpass);
  CHECK(candidates(r->transport).count() == 2);  // udp host + tcp active
  CHECK(check_bundle_extmaps(chrome.desc()).ok());

  // aiortc's own audio+video offer reuses extmap id 2 (interop.md, issue 4).
  Parsed aiortc(test::read_text(test::sdp_dir() / "corpus/aiortc-offer-av.sdp"));
  REQUIRE(aiortc.ok());
  ExtmapConflict c;
  CHECK_FALSE(check_bundle_extmaps(aiortc.desc(), &c).ok());
  CHECK(c.id == 2);
  std::string out(16384, '\0');
  AnswerSummary summary;
  auto answer = create_answer(aiortc.desc(), test::answer_options(), std::span<char>(out.data(), out.size()), &summary);
  REQUIRE(answer.ok());
  CHECK(summary.extmap_conflict);
  CHECK(summary.conflict.id == 2);

  // Firefox puts the fingerprint at session level.
  Parsed firefox(test::read_text(test::sdp_dir() / "corpus/firefox-offer-av.sdp"));
  REQUIRE(firefox.ok());
  auto fr = read_remote(firefox.desc());
  REQUIRE(fr.ok());
  CHECK(fr->transport.fingerprint_count == 1);
  CHECK(fr->transport.ice_ufrag == "6a8f31c2");

  // mediasoup: ice-lite, sha-512, answer with setup active.
  Parsed ms(test::read_text(test::sdp_dir() / "corpus/mediasoup-answer-av.sdp"));
  REQUIRE(ms.ok());
  auto mr = read_remote(ms.desc());
  REQUIRE(mr.ok());
  CHECK(mr->transport.ice_lite);
  CHECK(mr->transport.fingerprints[0].hash == HashFunction::sha_512);
  CHECK(mr->transport.setup == Setup::active);
  CHECK(candidates(mr->transport).count() == 2);
}

TEST_CASE("sdp corpus: unusable offers get errors that name the reason") {
  struct Case {
    const char* file;
    const char* reason;
  };
  const Case cases[] = {
      {"sdes-offer.sdp", "SDES keying is not supported, use DTLS-SRTP"},
      {"plain-rtp-offer.sdp", "unsupported transport profile"},
      {"no-fingerprint-offer.sdp", "no a=fingerprint"},
      {"no-ice-offer.sdp", "no ICE credentials"},
      {"no-common-codec-offer.sdp", "no codec in common"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.file);
    Parsed p(test::read_text(test::sdp_dir() / "bad" / c.file));
    REQUIRE_MESSAGE(p.ok(), p.error());
    std::string out(8192, '\0');
    auto answer = create_answer(p.desc(), test::answer_options(), std::span<char>(out.data(), out.size()));
    REQUIRE_FALSE(answer.ok());
    CHECK(answer.error().layer == Layer::sdp);
    CHECK_MESSAGE(std::string(answer.error().detail).find(c.reason) != std::string::npos, answer.error().detail);
  }
}
