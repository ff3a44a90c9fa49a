// SPDX-License-Identifier: Apache-2.0
// `keyway sdp check FILE` and `keyway sdp answer < offer` (issue 4): SDP for
// people studying it. check parses strictly and prints the WebRTC view (or
// the error with its line); answer prints an answer with a freshly
// generated certificate's fingerprint and fresh ICE credentials.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "keyway/dtls/x509/certificate.hpp"
#include "keyway/ice/credentials.hpp"
#include "keyway/sdp/negotiate.hpp"
#include "keyway/sdp/parse.hpp"
#include "keyway/sdp/webrtc.hpp"
#include "tools/cli.hpp"
#include "tools/commands.hpp"
#include "tools/identity.hpp"
#include "tools/sdp_check.hpp"

namespace keyway::tools {
namespace {

using namespace keyway::sdp;

const std::array<std::string_view, 3> kVideoFb = {"nack", "nack pli", "transport-cc"};
const std::array<Codec, 3> kAudio = {{{"opus", 48000, 2, 111, "minptime=10;useinbandfec=1", {}, ""},
                                      {"PCMU", 8000, 1, 0, "", {}, ""},
                                      {"telephone-event", 8000, 1, 126, "", {}, ""}}};
const std::array<Codec, 4> kVideo = {{{"VP8", 90000, 1, 96, "", kVideoFb, ""},
                                      {"rtx", 90000, 1, 97, "apt=96", {}, ""},
                                      {"H264", 90000, 1, 102,
                                       "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", kVideoFb,
                                       "packetization-mode=1"},
                                      {"rtx", 90000, 1, 103, "apt=102", {}, ""}}};

std::string read_all(std::istream& in) {
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The answerer `sdp check` measures an offer against: `sdp answer`'s codecs
// and a placeholder transport (only the offer's side is being judged).
AnswerOptions checking_answerer() {
  static const std::string kFingerprint =
      "sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
  AnswerOptions o;
  o.transport.fingerprint = kFingerprint;
  o.transport.ice_ufrag = "chek";
  o.transport.ice_pwd = "placeholderplaceholder";
  o.transport.end_of_candidates = false;
  o.audio_codecs = kAudio;
  o.video_codecs = kVideo;
  o.audio_sender = {1, 0, "keyway", "keyway-stream", "keyway-audio"};
  o.video_sender = {2, 0, "keyway", "keyway-stream", "keyway-video"};
  return o;
}

int answer(const std::string& text, bool passive) {
  Randomness rnd;
  dtls::Identity id;
  std::string error;
  if (!seed_randomness(rnd, error) || !make_identity(id, rnd.secret_rng, error)) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    return 1;
  }
  dtls::Fingerprint fp = dtls::fingerprint(dtls::FingerprintHash::sha256, id.certificate_der());
  char fp_text[160] = "sha-256 ";
  dtls::format_fingerprint(fp, fp_text + 8, sizeof fp_text - 8);
  ice::Credentials creds = ice::Credentials::random(rnd.public_rng);
  LocalTransport t;
  t.fingerprint = fp_text;
  t.ice_ufrag = creds.ufrag_view();
  t.ice_pwd = creds.pwd_view();
  t.end_of_candidates = false;  // no sockets here: candidates would be trickled
  AnswerOptions o;
  o.session_id = rnd.public_rng.next_u64() >> 2;
  o.transport = t;
  o.setup_for_actpass = passive ? Setup::passive : Setup::active;
  o.audio_codecs = kAudio;
  o.video_codecs = kVideo;
  o.audio_sender = {rnd.public_rng.next_u32(), 0, "keyway", "keyway-stream", "keyway-audio"};
  o.video_sender = {rnd.public_rng.next_u32(), 0, "keyway", "keyway-stream", "keyway-video"};
  return print_sdp_answer(text, o);
}

}  // namespace

constexpr const char* kSdpUsage =
    "usage: keyway sdp check [FILE]        parse strictly, print the WebRTC view or the error with its line,\n"
    "                                      and what an answerer would refuse in an offer (and why)\n"
    "       keyway sdp answer [--setup=passive] < offer   answer with a fresh certificate and ICE credentials\n"
    "  FILE defaults to stdin. sdp check exits 0 when the text parses and its transport can be read, 1 otherwise.\n";

int run_sdp(int argc, char** argv) {
  if (cli::wants_help(argc, argv, 2)) {
    std::fputs(kSdpUsage, stdout);
    return 0;
  }
  std::string cmd = argc > 2 ? argv[2] : "";
  if (cmd == "check" && argc <= 4) {
    const AnswerOptions answerer = checking_answerer();
    if (argc > 3) {
      std::ifstream f(argv[3], std::ios::binary);
      if (!f) {
        std::fprintf(stderr, "keyway sdp check: cannot read %s\n", argv[3]);
        return 2;
      }
      return print_sdp_check(read_all(f), &answerer);
    }
    return print_sdp_check(read_all(std::cin), &answerer);
  }
  bool passive = argc == 4 && std::string(argv[3]) == "--setup=passive";
  if (cmd == "answer" && (argc == 3 || passive)) return answer(read_all(std::cin), passive);
  std::fputs(kSdpUsage, stderr);
  return 2;
}

}  // namespace keyway::tools
