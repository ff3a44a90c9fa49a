// SPDX-License-Identifier: Apache-2.0
// keyway-bench sdp: parse and write time, and heap allocations, for a
// typical Chrome audio+video offer (a real Chromium 156 offer captured over
// loopback, tests/sdp/corpus/chromium156-offer-av.sdp), plus view+answer time.
//
// Contract line (issue 4):
//   sdp parse_us=<n> write_us=<n> allocations=<n>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string_view>

#include "bench/benches.hpp"
#include "tests/support/counting_alloc.hpp"
#include "keyway/sdp/negotiate.hpp"
#include "keyway/sdp/parse.hpp"
#include "keyway/sdp/write.hpp"

namespace keyway::bench {
namespace {

constexpr std::string_view kChromeOffer = R"sdp(v=0
o=- 2773330953581717794 2 IN IP4 127.0.0.1
s=-
t=0 0
a=group:BUNDLE 0 1
a=extmap-allow-mixed
a=msid-semantic: WMS 8b94e4c2-ff58-4392-8b81-6ba64e7e2f1b
m=audio 52045 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126
c=IN IP4 127.0.0.1
a=rtcp:9 IN IP4 0.0.0.0
a=candidate:189518516 1 udp 2122260223 127.0.0.1 52045 typ host generation 0 network-id 1 network-cost 50
a=candidate:1971597356 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 0 network-id 1 network-cost 50
a=ice-ufrag:y408
a=ice-pwd:nV+nFTNhTAJij3ivxr6ipUgY
a=ice-options:trickle
a=fingerprint:sha-256 57:96:21:7D:95:20:FA:20:1E:4A:1D:3C:F7:D5:02:7C:AB:5C:01:87:07:66:47:0F:66:54:4E:38:B3:A5:9A:17
a=setup:actpass
a=mid:0
a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level
a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01
a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid
a=sendrecv
a=msid:8b94e4c2-ff58-4392-8b81-6ba64e7e2f1b ac6f818d-fb40-4d2d-9d1d-2dfa3effa978
a=rtcp-mux
a=rtcp-rsize
a=rtcp-xr:rcvr-rtt=all
a=rtpmap:111 opus/48000/2
a=rtcp-fb:111 transport-cc
a=fmtp:111 minptime=10;useinbandfec=1
a=rtpmap:63 red/48000/2
a=fmtp:63 111/111
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:13 CN/8000
a=rtpmap:110 telephone-event/48000
a=rtpmap:126 telephone-event/8000
a=ssrc:310009477 cname:rDuP7FW11yjCs8l9
a=ssrc:310009477 msid:8b94e4c2-ff58-4392-8b81-6ba64e7e2f1b ac6f818d-fb40-4d2d-9d1d-2dfa3effa978
m=video 55962 UDP/TLS/RTP/SAVPF 96 97 102 103 104 107 108 109 114 115 116 117 39 40 45 46 98 99 100 101 118 119 120
c=IN IP4 127.0.0.1
a=rtcp:9 IN IP4 0.0.0.0
a=candidate:189518516 1 udp 2122260223 127.0.0.1 55962 typ host generation 0 network-id 1 network-cost 50
a=candidate:1971597356 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 0 network-id 1 network-cost 50
a=ice-ufrag:y408
a=ice-pwd:nV+nFTNhTAJij3ivxr6ipUgY
a=ice-options:trickle
a=fingerprint:sha-256 57:96:21:7D:95:20:FA:20:1E:4A:1D:3C:F7:D5:02:7C:AB:5C:01:87:07:66:47:0F:66:54:4E:38:B3:A5:9A:17
a=setup:actpass
a=mid:1
a=extmap:14 urn:ietf:params:rtp-hdrext:toffset
a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
a=extmap:13 urn:3gpp:video-orientation
a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01
a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay
a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type
a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing
a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space
a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid
a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id
a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id
a=sendrecv
a=msid:8b94e4c2-ff58-4392-8b81-6ba64e7e2f1b 36249918-4b36-4d4c-a72d-d0566aecff24
a=rtcp-mux
a=rtcp-rsize
a=rtcp-xr:rcvr-rtt=all
a=rtpmap:96 VP8/90000
a=rtcp-fb:96 goog-remb
a=rtcp-fb:96 transport-cc
a=rtcp-fb:96 ccm fir
a=rtcp-fb:96 nack
a=rtcp-fb:96 nack pli
a=rtpmap:97 rtx/90000
a=fmtp:97 apt=96
a=rtpmap:102 H264/90000
a=rtcp-fb:102 goog-remb
a=rtcp-fb:102 transport-cc
a=rtcp-fb:102 ccm fir
a=rtcp-fb:102 nack
a=rtcp-fb:102 nack pli
a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f
a=rtpmap:103 rtx/90000
a=fmtp:103 apt=102
a=rtpmap:104 H264/90000
a=rtcp-fb:104 goog-remb
a=rtcp-fb:104 transport-cc
a=rtcp-fb:104 ccm fir
a=rtcp-fb:104 nack
a=rtcp-fb:104 nack pli
a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f
a=rtpmap:107 rtx/90000
a=fmtp:107 apt=104
a=rtpmap:108 H264/90000
a=rtcp-fb:108 goog-remb
a=rtcp-fb:108 transport-cc
a=rtcp-fb:108 ccm fir
a=rtcp-fb:108 nack
a=rtcp-fb:108 nack pli
a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f
a=rtpmap:109 rtx/90000
a=fmtp:109 apt=108
a=rtpmap:114 H264/90000
a=rtcp-fb:114 goog-remb
a=rtcp-fb:114 transport-cc
a=rtcp-fb:114 ccm fir
a=rtcp-fb:114 nack
a=rtcp-fb:114 nack pli
a=fmtp:114 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f
a=rtpmap:115 rtx/90000
a=fmtp:115 apt=114
a=rtpmap:116 H264/90000
a=rtcp-fb:116 goog-remb
a=rtcp-fb:116 transport-cc
a=rtcp-fb:116 ccm fir
a=rtcp-fb:116 nack
a=rtcp-fb:116 nack pli
a=fmtp:116 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f
a=rtpmap:117 rtx/90000
a=fmtp:117 apt=116
a=rtpmap:39 H264/90000
a=rtcp-fb:39 goog-remb
a=rtcp-fb:39 transport-cc
a=rtcp-fb:39 ccm fir
a=rtcp-fb:39 nack
a=rtcp-fb:39 nack pli
a=fmtp:39 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=4d001f
a=rtpmap:40 rtx/90000
a=fmtp:40 apt=39
a=rtpmap:45 AV1/90000
a=rtcp-fb:45 goog-remb
a=rtcp-fb:45 transport-cc
a=rtcp-fb:45 ccm fir
a=rtcp-fb:45 nack
a=rtcp-fb:45 nack pli
a=fmtp:45 level-idx=5;profile=0;tier=0
a=rtpmap:46 rtx/90000
a=fmtp:46 apt=45
a=rtpmap:98 VP9/90000
a=rtcp-fb:98 goog-remb
a=rtcp-fb:98 transport-cc
a=rtcp-fb:98 ccm fir
a=rtcp-fb:98 nack
a=rtcp-fb:98 nack pli
a=fmtp:98 profile-id=0
a=rtpmap:99 rtx/90000
a=fmtp:99 apt=98
a=rtpmap:100 VP9/90000
a=rtcp-fb:100 goog-remb
a=rtcp-fb:100 transport-cc
a=rtcp-fb:100 ccm fir
a=rtcp-fb:100 nack
a=rtcp-fb:100 nack pli
a=fmtp:100 profile-id=2
a=rtpmap:101 rtx/90000
a=fmtp:101 apt=100
a=rtpmap:118 red/90000
a=rtpmap:119 rtx/90000
a=fmtp:119 apt=118
a=rtpmap:120 ulpfec/90000
a=ssrc-group:FID 2600777794 3271828093
a=ssrc:2600777794 cname:rDuP7FW11yjCs8l9
a=ssrc:2600777794 msid:8b94e4c2-ff58-4392-8b81-6ba64e7e2f1b 36249918-4b36-4d4c-a72d-d0566aecff24
a=ssrc:3271828093 cname:rDuP7FW11yjCs8l9
a=ssrc:3271828093 msid:8b94e4c2-ff58-4392-8b81-6ba64e7e2f1b 36249918-4b36-4d4c-a72d-d0566aecff24
)sdp";

double now_us() {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

constexpr std::array<std::string_view, 1> kCandidates = {"1 1 udp 2130706431 127.0.0.1 40000 typ host"};
constexpr std::array<std::string_view, 2> kFeedback = {"nack", "nack pli"};
const std::array<sdp::Codec, 2> kAudio = {{{"opus", 48000, 2, 111, "", {}, ""}, {"PCMU", 8000, 1, 0, "", {}, ""}}};
const std::array<sdp::Codec, 2> kVideo = {{{"VP8", 90000, 1, 96, "", kFeedback, ""}, {"rtx", 90000, 1, 97, "", {}, ""}}};

}  // namespace

int run_sdp(int, char**) {
  static std::array<std::byte, 64 * 1024> memory;
  static std::array<char, 16 * 1024> out;
  sdp::AnswerOptions o;
  o.transport.fingerprint = "sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3A:5C:7F:41:E9:D6:29:18:7B:3F:F9:A5";
  o.transport.ice_ufrag = "kwUf";
  o.transport.ice_pwd = "keywayPasswordOf24Chars";
  o.transport.candidates = kCandidates;
  o.audio_codecs = kAudio;
  o.video_codecs = kVideo;

  const int rounds = 5000;
  double best_parse = 1e30, best_write = 1e30, best_answer = 1e30;
  long news = 0;
  std::size_t arena_bytes = 0, lines = 0;
  for (int trial = 0; trial < 5; ++trial) {
    const uint64_t before = keyway::testing::operator_new_count();
    sdp::Arena arena(memory);
    double t0 = now_us();
    for (int i = 0; i < rounds; ++i) {
      arena.reset();
      if (!sdp::parse(kChromeOffer, arena).ok()) { std::fprintf(stderr, "sdp: parse failed\n"); return 1; }
    }
    double t1 = now_us();
    arena.reset();
    auto desc = sdp::parse(kChromeOffer, arena);
    for (int i = 0; i < rounds; ++i)
      if (!sdp::write(*desc, out).ok()) { std::fprintf(stderr, "sdp: write failed\n"); return 1; }
    double t2 = now_us();
    for (int i = 0; i < rounds; ++i)
      if (!sdp::create_answer(*desc, o, out).ok()) { std::fprintf(stderr, "sdp: answer failed\n"); return 1; }
    double t3 = now_us();
    news = static_cast<long>(keyway::testing::operator_new_count() - before);
    arena_bytes = arena.used();
    lines = desc->lines.size();
    best_parse = std::min(best_parse, (t1 - t0) / rounds);
    best_write = std::min(best_write, (t2 - t1) / rounds);
    best_answer = std::min(best_answer, (t3 - t2) / rounds);
  }
  std::printf("sdp parse_us=%.2f write_us=%.2f allocations=%ld\n", best_parse, best_write, news);
  std::printf("sdp answer_us=%.2f offer_bytes=%zu lines=%zu arena_bytes=%zu (best of 5 x %d)\n", best_answer,
              kChromeOffer.size(), lines, arena_bytes, rounds);
  return news == 0 ? 0 : 1;
}

}  // namespace keyway::bench
