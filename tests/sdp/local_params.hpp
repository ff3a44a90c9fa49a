// SPDX-License-Identifier: Apache-2.0
// keyway's local parameters used by the negotiation tests.
#pragma once

#include <array>
#include <string_view>

#include "keyway/sdp/negotiate.hpp"

namespace keyway::test {

inline constexpr std::string_view kLocalFingerprint =
    "sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3A:5C:7F:41:E9:D6:29:18:7B:3F:F9:A5";
inline const std::array<std::string_view, 2> kLocalCandidates = {
    "1 1 udp 2130706431 127.0.0.1 40000 typ host",
    "2 1 udp 2130706175 ::1 40002 typ host",
};
inline const std::array<std::string_view, 3> kVideoFeedback = {"nack", "nack pli", "transport-cc"};
inline const std::array<std::string_view, 1> kAudioFeedback = {"transport-cc"};

inline const std::array<sdp::Codec, 3> kAudioPrefs = {{
    {"opus", 48000, 2, 111, "minptime=10;useinbandfec=1", kAudioFeedback},
    {"PCMU", 8000, 1, 0, "", {}},
    {"telephone-event", 8000, 1, 126, "", {}},
}};
inline const std::array<sdp::Codec, 3> kVideoPrefs = {{
    {"VP8", 90000, 1, 96, "", kVideoFeedback},
    {"H264", 90000, 1, 102, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", kVideoFeedback,
     "packetization-mode=1"},
    {"rtx", 90000, 1, 97, "apt=96", {}},
}};
inline const std::array<sdp::HeaderExtension, 3> kExtensions = {{
    {4, "urn:ietf:params:rtp-hdrext:sdes:mid"},
    {3, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"},
    {1, "urn:ietf:params:rtp-hdrext:ssrc-audio-level"},
}};

inline sdp::LocalTransport local_transport() {
  sdp::LocalTransport t;
  t.fingerprint = kLocalFingerprint;
  t.ice_ufrag = "kwUf";
  t.ice_pwd = "keywayPasswordOf24Chars";
  t.candidates = kLocalCandidates;
  t.end_of_candidates = true;
  return t;
}

inline sdp::AnswerOptions answer_options() {
  sdp::AnswerOptions o;
  o.session_id = 4242;
  o.transport = local_transport();
  o.audio_codecs = kAudioPrefs;
  o.video_codecs = kVideoPrefs;
  o.extensions = kExtensions;
  o.audio_sender = {0x11223344, 0, "keyway-cname", "kw-stream", "kw-audio"};
  o.video_sender = {0x55667788, 0x55667789, "keyway-cname", "kw-stream", "kw-video"};
  return o;
}

}  // namespace keyway::test
