// SPDX-License-Identifier: Apache-2.0
// sdp_tool: a small command-line front end to sdp/ for people studying SDP
// and for the Chromium interop test.
//
//   sdp_tool check [FILE]         parse strictly (stdin without FILE) and print
//                                 the WebRTC view, or the error with its line
//   sdp_tool answer [passive]     read an offer on stdin, print keyway's answer
//   sdp_tool offer                print a keyway audio+video offer
//
// The fingerprint is a fixed test value (no certificate behind it): these
// answers are for checking SDP acceptance, not for connecting.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "keyway/sdp/negotiate.hpp"
#include "keyway/sdp/parse.hpp"
#include "keyway/sdp/webrtc.hpp"
#include "tools/sdp_check.hpp"

using namespace keyway;
using namespace keyway::sdp;

namespace {

constexpr std::string_view kFingerprint =
    "sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3A:5C:7F:41:E9:D6:29:18:7B:3F:F9:A5";
const std::array<std::string_view, 1> kCandidates = {"1 1 udp 2130706431 127.0.0.1 40000 typ host"};
const std::array<std::string_view, 3> kVideoFb = {"nack", "nack pli", "transport-cc"};
const std::array<std::string_view, 1> kAudioFb = {"transport-cc"};
const std::array<Codec, 3> kAudio = {{{"opus", 48000, 2, 111, "minptime=10;useinbandfec=1", kAudioFb, ""},
                                      {"PCMU", 8000, 1, 0, "", {}, ""},
                                      {"telephone-event", 8000, 1, 126, "", {}, ""}}};
const std::array<Codec, 4> kVideo = {{{"VP8", 90000, 1, 96, "", kVideoFb, ""},
                                      {"rtx", 90000, 1, 97, "apt=96", {}, ""},
                                      {"H264", 90000, 1, 102, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
                                       kVideoFb, "packetization-mode=1"},
                                      {"rtx", 90000, 1, 103, "apt=102", {}, ""}}};
const std::array<HeaderExtension, 4> kExtensions = {{{1, "urn:ietf:params:rtp-hdrext:ssrc-audio-level"},
                                                     {2, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"},
                                                     {3, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"},
                                                     {4, "urn:ietf:params:rtp-hdrext:sdes:mid"}}};

LocalTransport transport() {
  LocalTransport t;
  t.fingerprint = kFingerprint;
  t.ice_ufrag = "kwUf";
  t.ice_pwd = "keywayPasswordOf24Chars";
  t.candidates = kCandidates;
  t.end_of_candidates = true;
  return t;
}

std::string read_all(std::istream& in) { return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()); }

int fail(const Error& e) {
  std::fprintf(stderr, "error: %s: %s: %s\n", to_string(e.layer), to_string(e.code), e.detail);
  return 1;
}

int answer(const std::string& text, bool passive) {
  AnswerOptions o;
  o.session_id = 1;
  o.transport = transport();
  o.setup_for_actpass = passive ? Setup::passive : Setup::active;
  o.audio_codecs = kAudio;
  o.video_codecs = kVideo;
  o.extensions = kExtensions;
  o.audio_sender = {0x11223344, 0, "keyway", "keyway-stream", "keyway-audio"};
  o.video_sender = {0x55667788, 0x55667789, "keyway", "keyway-stream", "keyway-video"};
  return tools::print_sdp_answer(text, o);
}

int offer() {
  std::array<LocalMedia, 2> media{};
  media[0] = {MediaKind::audio, "0", Direction::sendrecv, kAudio, std::span<const HeaderExtension>(kExtensions.data(), 4),
              {0x11223344, 0, "keyway", "keyway-stream", "keyway-audio"}};
  media[1] = {MediaKind::video, "1", Direction::sendrecv, kVideo, std::span<const HeaderExtension>(kExtensions.data() + 1, 3),
              {0x55667788, 0x55667789, "keyway", "keyway-stream", "keyway-video"}};
  OfferOptions o;
  o.session_id = 1;
  o.transport = transport();
  o.media = media;
  std::string out(65536, '\0');
  auto r = create_offer(o, std::span<char>(out.data(), out.size()));
  if (!r.ok()) return fail(r.error());
  std::fwrite(r->data(), 1, r->size(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "check") {
    if (argc > 2) {
      std::ifstream f(argv[2], std::ios::binary);
      if (!f) { std::fprintf(stderr, "cannot read %s\n", argv[2]); return 2; }
      return keyway::tools::print_sdp_check(read_all(f));
    }
    return keyway::tools::print_sdp_check(read_all(std::cin));
  }
  if (cmd == "answer") return answer(read_all(std::cin), argc > 2 && std::string(argv[2]) == "passive");
  if (cmd == "offer") return offer();
  std::fprintf(stderr, "usage: sdp_tool check [FILE] | answer [passive] < offer | offer\n");
  return 2;
}
