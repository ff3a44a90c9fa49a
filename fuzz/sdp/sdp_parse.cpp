// SPDX-License-Identifier: Apache-2.0
// Fuzz target: sdp::parse in both modes, then everything that reads a parsed
// description (WebRTC view, remote transport, BUNDLE extmap check) and
// create_answer. Any answer keyway writes must pass its own strict parser.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "keyway/sdp/negotiate.hpp"
#include "keyway/sdp/parse.hpp"

using namespace keyway;

namespace {

constexpr std::array<std::string_view, 1> kCandidates = {"1 1 udp 2130706431 127.0.0.1 40000 typ host"};
constexpr std::array<std::string_view, 2> kFeedback = {"nack", "nack pli"};
const std::array<sdp::Codec, 3> kAudio = {{{"opus", 48000, 2, 111, "", {}, ""}, {"PCMU", 8000, 1, 0, "", {}, ""},
                                           {"telephone-event", 8000, 1, 126, "", {}, ""}}};
const std::array<sdp::Codec, 3> kVideo = {{{"VP8", 90000, 1, 96, "", kFeedback, ""},
                                           {"H264", 90000, 1, 102, "", kFeedback, "packetization-mode=1"},
                                           {"rtx", 90000, 1, 97, "", {}, ""}}};
const std::array<sdp::HeaderExtension, 2> kExtensions = {{{0, "urn:ietf:params:rtp-hdrext:sdes:mid"},
                                                          {0, "urn:ietf:params:rtp-hdrext:ssrc-audio-level"}}};

sdp::AnswerOptions options() {
  sdp::AnswerOptions o;
  o.transport.fingerprint = "sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3A:5C:7F:41:E9:D6:29:18:7B:3F:F9:A5";
  o.transport.ice_ufrag = "kwUf";
  o.transport.ice_pwd = "keywayPasswordOf24Chars";
  o.transport.candidates = kCandidates;
  o.audio_codecs = kAudio;
  o.video_codecs = kVideo;
  o.extensions = kExtensions;
  o.audio_sender = {1, 0, "cname", "stream", "audio"};
  o.video_sender = {2, 3, "cname", "stream", "video"};
  return o;
}

std::array<std::byte, 1 << 20> g_memory;
std::array<std::byte, 1 << 18> g_check_memory;
std::array<char, 1 << 17> g_answer;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (sdp::arena_bytes_for(text) > g_memory.size()) return 0;
  for (sdp::Mode mode : {sdp::Mode::strict, sdp::Mode::lenient}) {
    sdp::Arena arena(g_memory);
    sdp::ErrorLocation where;
    auto desc = sdp::parse(text, arena, {mode, {}}, &where);
    if (!desc.ok()) {
      char msg[300];
      sdp::format_parse_error(desc.error(), where, msg, sizeof msg);
      continue;
    }
    for (std::size_t i = 0; i < desc->media.size(); ++i) (void)sdp::view_media(*desc, i);
    (void)sdp::check_bundle_extmaps(*desc);
    auto remote = sdp::read_remote(*desc);
    if (remote.ok()) {
      for (std::string_view c : sdp::candidates(remote->transport)) (void)c;
    }
    sdp::AnswerSummary summary;
    auto answer = sdp::create_answer(*desc, options(), g_answer, &summary);
    if (!answer.ok()) continue;
    sdp::Arena check_arena(g_check_memory);
    auto parsed = sdp::parse(*answer, check_arena, {sdp::Mode::strict, {}});
    if (!parsed.ok()) std::abort();  // keyway wrote an answer its own strict parser refuses
    if (parsed->media.size() != desc->media.size()) std::abort();  // RFC 3264 §6: one answer section per offer section
    if (!sdp::check_bundle_extmaps(*parsed).ok()) std::abort();
  }
  return 0;
}
