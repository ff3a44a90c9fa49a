// SPDX-License-Identifier: Apache-2.0
// `keyway answer` and `keyway offer`: one endpoint of a real call with an
// external peer (a browser, aiortc, another keyway), over UDP.
//
//   keyway answer [--setup active|passive] [--ice lite|full] [--dtls 1.2|1.3] [--bind ADDR] [--seconds N] [TURN]
//     reads an SDP offer on stdin (until EOF or an empty line), prints the
//     answer and an empty line, then runs the call: every received RTP
//     stream is echoed back (decrypted, re-protected) on keyway's own SSRC
//     for that media, and RTCP sender reports go out every second.
//   keyway offer [--video] [--ice full] [--dtls 1.2|1.3] [--bind ADDR] [--seconds N] [TURN]
//     prints an offer and an empty line, reads the answer on stdin, then
//     runs the call sending generated audio and echoing what it receives.
//   --dtls 1.3 (the default, peer::Config's) offers DTLS 1.3 and 1.2; --dtls 1.2
//     pins 1.2; --dtls13 is kept as another name for --dtls 1.3.
//   TURN = --turn 'turn:HOST:PORT?transport=udp|tcp' [--turn-user U] [--turn-pass P] [--relay-only]:
//     a relayed candidate from that TURN server (RFC 8656), gathered before
//     the SDP is written; --relay-only offers and uses nothing else.
// After N seconds (default 10) both print one JSON line of stats and exit
// 0, or exit 1 naming the layer and reason when the call failed.
#include <fmt/core.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "keyway/dtls/v13/hello_extensions.hpp"
#include "keyway/peer/connection.hpp"
#include "tools/call.hpp"
#include "tools/capture.hpp"
#include "tools/cli.hpp"
#include "tools/commands.hpp"
#include "tools/html_ladder.hpp"
#include "tools/identity.hpp"
#include "tools/os.hpp"

namespace keyway::tools {
namespace {

const std::string_view kNack[] = {"nack", "nack pli", "ccm fir", "goog-remb"};
const sdp::Codec kAudio[] = {
    {"opus", 48000, 2, 111, "minptime=10;useinbandfec=1", {}},
    {"PCMU", 8000, 1, 0, {}, {}},
};
const sdp::Codec kVideo[] = {
    {"VP8", 90000, 1, 96, {}, kNack},
    {"H264", 90000, 1, 102, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", kNack},
};

// Reads SDP from stdin until EOF or an empty line; keeps CRLF line ends.
std::string read_sdp_from_stdin() {
  std::string sdp, line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (sdp.empty()) continue;  // tolerate leading blank lines
      break;
    }
    sdp += line;
    sdp += "\r\n";
  }
  return sdp;
}

// Payload types listed on the m=<kind> lines of an SDP text.
std::vector<uint8_t> payload_types(std::string_view sdp, std::string_view kind) {
  std::vector<uint8_t> out;
  std::string prefix = "m=" + std::string(kind) + " ";
  std::size_t pos = 0;
  while ((pos = sdp.find(prefix, pos)) != std::string_view::npos) {
    std::size_t end = sdp.find('\n', pos);
    std::string line(sdp.substr(pos, end - pos));
    std::size_t field = 0, start = 0;
    for (std::size_t i = 0; i <= line.size(); ++i) {
      if (i == line.size() || line[i] == ' ' || line[i] == '\r') {
        if (field >= 3 && i > start) out.push_back(static_cast<uint8_t>(std::atoi(line.c_str() + start)));
        field++;
        start = i + 1;
      }
    }
    if (!line.empty() && line.find(' ') != std::string::npos) {
      // the port is the 2nd field: a rejected section has port 0
      if (line.substr(prefix.size(), 2) == "0 ") out.clear();
    }
    pos = end == std::string_view::npos ? sdp.size() : end;
  }
  return out;
}

std::string json_escape(std::string_view s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) o += c;
  }
  return o;
}

// The negotiated DTLS version ("1.3" or "1.2", issue 18), empty before the handshake completes.
const char* dtls_version(const dtls::Endpoint* d) {
  if (!d || !d->is_established()) return "";
  return d->version() == dtls::v13::kVersionDtls13 ? "1.3" : "1.2";
}

std::string stats_json(const peer::Connection& c, const std::string& error) {
  const auto& ice = c.ice();
  std::string pair = ice.has_selected() ? to_string(ice.selected_local()) + " -> " + to_string(ice.selected_remote()) : "";
  auto rtt = ice.selected_rtt();
  const peer::Summary sum = c.summary();
  const dtls::Endpoint* d = c.dtls();
  const char* dtls_state = !d ? "new" : d->is_established() ? "established" : c.state() == peer::State::failed ? "failed" : "connecting";
  const auto& s = c.stats().srtp;
  std::string out = fmt::format(
      "{{\"ice\":{{\"state\":\"{}\",\"selected_pair\":\"{}\",\"rtt_ms\":{:.2f},"
      "\"local_candidate_type\":\"{}\",\"remote_candidate_type\":\"{}\"}},"
      "\"dtls\":{{\"state\":\"{}\",\"role\":\"{}\",\"version\":\"{}\",\"cipher\":\"{}\",\"srtp_profile\":\"{}\"}},"
      "\"srtp\":{{\"rtp_sent\":{},\"rtp_received\":{},\"rtcp_sent\":{},\"rtcp_received\":{},\"auth_failures\":{},"
      "\"replays\":{}}},\"state\":\"{}\"",
      ice::to_string(ice.state()), pair, rtt ? static_cast<double>(rtt->as_micros()) / 1000.0 : 0.0,
      sum.local_candidate_type, sum.remote_candidate_type, dtls_state,
      c.dtls_client() ? "client" : "server", dtls_version(d), d && d->negotiated_suite() ? d->negotiated_suite()->iana_name : "",
      c.srtp_profile() ? srtp::profile_info(*c.srtp_profile()).name : "", s.rtp_sent, s.rtp_received, s.rtcp_sent,
      s.rtcp_received, s.auth_failures, s.replays, peer::to_string(c.state()));
  out += "," + turn_stats_json(sum);
  if (!error.empty()) out += fmt::format(",\"error\":\"{}\"", json_escape(error));
  return out + "}";
}

// Why a call that did not fail outright still did not come up.
std::string stall_reason(const peer::Connection& c) {
  if (c.state() == peer::State::failed) return c.failure_text();
  const auto& ice = c.ice();
  if (!ice.has_selected())
    return fmt::format("ice: no candidate pair selected ({} checks sent, {} responses, {} requests received)",
                       ice.stats().checks_sent, ice.stats().responses_received, ice.stats().requests_received);
  if (c.state() != peer::State::connected) return "dtls: handshake did not complete";
  return "";
}

struct CallOptions {
  bool answerer = true;
  bool video = false;
  bool lite = false;
  bool dtls13 = peer::Config{}.dtls_offer_dtls13;  // --dtls 1.2|1.3 (issue 18)
  sdp::Setup setup = sdp::Setup::active;
  std::string bind = "127.0.0.1:0";
  double seconds = 10;
  std::string pcap_file;  // --pcap: every datagram sent and received
  std::string keylog_file;  // --keylog: the DTLS association's NSS key log line (appended)
  std::string pcap_plain_file;  // --pcap-plain: the same capture with SRTP/SRTCP decrypted
  std::string html_file;  // --html: the call as an HTML sequence diagram (tools/html_ladder.hpp)
  TurnOptions turn;
};

int run_call(CallOptions& opt) {
  std::string error;
  Randomness rnd;
  dtls::Identity id;
  if (!seed_randomness(rnd, error) || !make_identity(id, rnd.secret_rng, error)) {
    fmt::print(stderr, "keyway: {}\n", error);
    return 1;
  }
  auto bind = parse_socket_addr(opt.bind);
  UdpSocket sock;
  if (!bind.ok() || !sock.open(*bind).ok()) {
    fmt::print(stderr, "keyway: cannot bind UDP socket on {}\n", opt.bind);
    return 1;
  }
  std::unique_ptr<CaptureFile> capture;  // written datagram by datagram
  if (!opt.pcap_file.empty() || !opt.pcap_plain_file.empty() || !opt.html_file.empty()) {
    capture = std::make_unique<CaptureFile>(opt.pcap_file);
    if (!opt.pcap_plain_file.empty() || !opt.html_file.empty()) capture->keep_datagrams();
    sock.set_capture(capture.get());
  }
  std::unique_ptr<HtmlLadder> html;  // --html: written when this function returns, whatever the outcome
  if (!opt.html_file.empty()) {
    html = std::make_unique<HtmlLadder>(opt.html_file, opt.answerer ? "keyway answer" : "keyway offer");
    html->lane("keyway", sock.local());
  }
  HtmlLadder::Tee trace(html.get(), "keyway", nullptr);
  peer::Config cfg;
  cfg.role = opt.answerer ? peer::Role::answerer : peer::Role::offerer;
  cfg.identity = &id;
  cfg.public_rng = &rnd.public_rng;
  cfg.secret_rng = &rnd.secret_rng;
  cfg.ice_lite = opt.lite;
  cfg.dtls_offer_dtls13 = opt.dtls13;
  // Read after the handshake: the key log, and the exporter (--pcap-plain, --html).
  cfg.dtls_keep_key_log = !opt.keylog_file.empty() || !opt.html_file.empty() || !opt.pcap_plain_file.empty();
  cfg.setup_for_actpass = opt.setup;
  cfg.audio_codecs = kAudio;
  cfg.video_codecs = kVideo;
  cfg.audio_ssrc = rnd.public_rng.next_u32();
  cfg.video_ssrc = rnd.public_rng.next_u32();
  if (html) cfg.trace = &trace;
  opt.turn.apply(cfg);
  peer::Connection conn(cfg);
  if (auto added = conn.add_local_address(sock.local()); !added.ok()) {
    char e[200];
    format_error(added.error(), e, sizeof e);
    fmt::print(stderr, "keyway: --bind {}: {}\n", opt.bind, e);
    return 1;
  }

  Party party{"keyway", &conn, &sock};
  TurnTcp turn_stream;  // ?transport=tcp: the connection to the TURN server
  if (!opt.turn.connect(turn_stream, party)) return 1;
  if (opt.turn.enabled() && !gather_candidates({&party}, 10)) {
    fmt::print(stderr, "keyway: TURN: no answer from {} within 10 s\n", opt.turn.uri);
    return 1;
  }
  if (conn.state() == peer::State::failed) {  // e.g. relay-only and the TURN server refused us
    fmt::print(stderr, "keyway: {}\n", conn.failure_text());
    fmt::print("{}\n", stats_json(conn, conn.failure_text()));
    return 1;
  }

  char text[16384];
  std::string remote;
  std::string_view local_sdp;
  if (opt.answerer) {
    remote = read_sdp_from_stdin();
    auto answer = conn.accept_offer(remote, text);
    if (!answer.ok()) {
      fmt::print(stderr, "keyway answer: {}\n", conn.failure_text());
      fmt::print("{}\n", stats_json(conn, conn.failure_text()));
      return 1;
    }
    local_sdp = *answer;
    if (html) {
      html->sdp("remote peer", "keyway", "SDP offer", remote);
      html->sdp("keyway", "remote peer", "SDP answer", local_sdp);
    }
    fmt::print("{}\n", local_sdp);
    std::fflush(stdout);
  } else {
    auto offer = conn.create_offer(text, opt.video);
    if (!offer.ok()) {
      char e[160];
      format_error(offer.error(), e, sizeof e);
      fmt::print(stderr, "keyway offer: {}\n", e);
      return 1;
    }
    local_sdp = *offer;
    fmt::print("{}\n", local_sdp);
    std::fflush(stdout);
    remote = read_sdp_from_stdin();
    if (html) {
      html->sdp("keyway", "remote peer", "SDP offer", local_sdp);
      html->sdp("remote peer", "keyway", "SDP answer", remote);
    }
    if (!conn.set_remote_answer(remote).ok()) {
      fmt::print(stderr, "keyway offer: {}\n", conn.failure_text());
      fmt::print("{}\n", stats_json(conn, conn.failure_text()));
      return 1;
    }
  }
  party.echo = true;
  party.echo_audio_ssrc = cfg.audio_ssrc;
  party.echo_video_ssrc = cfg.video_ssrc;
  party.video_payload_types = payload_types(local_sdp, "video");
  party.send_media = !opt.answerer;  // the offerer generates audio; the answerer echoes
  auto audio_pts = payload_types(opt.answerer ? local_sdp : std::string_view(remote), "audio");
  party.audio.ssrc = cfg.audio_ssrc;
  party.audio.seq = static_cast<uint16_t>(rnd.public_rng.next_u32());
  party.audio.timestamp = rnd.public_rng.next_u32();
  party.audio.payload_type = audio_pts.empty() ? 0 : audio_pts.front();
  party.audio.opus = party.audio.payload_type != 0;  // opus: a 3-byte silence frame
  CallLoop loop(1, Impairment{});
  loop.add(&party);
  if (html) loop.on_event = [&](Party&, const peer::Event& e) { html->event("keyway", e, conn); };
  Timestamp end = monotonic_now() + Duration::micros(static_cast<int64_t>(opt.seconds * 1e6));
  loop.run(end, [&] { return conn.state() == peer::State::failed; }, end);
  if (html) {  // the datagrams both ways, as the capture kept them
    if (conn.ice().has_selected()) html->lane("remote peer", conn.ice().selected_remote());
    for (const CaptureFile::Kept& k : capture->kept())
      html->datagram(k.from, k.to, Bytes(k.bytes.data(), k.bytes.size()), false, k.time_us);
  }
  if (!opt.keylog_file.empty()) write_key_log(conn, opt.keylog_file);
  if (!opt.pcap_plain_file.empty()) write_plain_capture(conn, *capture, opt.pcap_plain_file);
  std::string reason = stall_reason(conn);
  fmt::print("{}\n", stats_json(conn, reason));
  std::fflush(stdout);
  if (!reason.empty()) {
    fmt::print(stderr, "keyway: call failed: {}\n", reason);
    return 1;
  }
  return 0;
}

// --dtls 1.2|1.3 (and --dtls13, its older name for 1.3) into opt.dtls13;
// false on a value that is neither, or when the two disagree.
bool read_dtls_version(cli::Args& args, CallOptions& opt, std::string& error) {
  auto version = args.value("--dtls");
  bool alias13 = args.flag("--dtls13");
  if (version && *version != "1.2" && *version != "1.3") {
    error = "--dtls takes 1.2 or 1.3, not " + *version;
    return false;
  }
  if (alias13 && version && *version == "1.2") {
    error = "--dtls13 and --dtls 1.2 disagree";
    return false;
  }
  if (version) opt.dtls13 = *version == "1.3";
  if (alias13) opt.dtls13 = true;
  return true;
}

constexpr const char* kAnswerUsage =
    "usage: keyway answer [--setup active|passive] [--ice lite|full] [--dtls 1.2|1.3] [--bind ADDR] [--seconds N]\n"
    "                     [--pcap FILE] [--pcap-plain FILE] [--keylog FILE] [--html FILE]\n"
    "                     [--turn URI [--turn-user U] [--turn-pass P] [--relay-only]]\n"
    "  Reads an SDP offer on stdin (e.g. from `keyway offer` or a browser), prints the answer on stdout,\n"
    "  then runs the call on a UDP socket for N seconds (default 10), echoing the media it receives.\n"
    "  --setup: the DTLS role taken when the offer says actpass (active = DTLS client, the default);\n"
    "  --ice lite: answer as an ICE-lite agent (RFC 8445 §2.5); --bind ADDR: the local address (127.0.0.1:0).\n"
    "  --dtls 1.3 (the default): offer DTLS 1.3 and 1.2, 1.3 when the peer offers it; --dtls 1.2: 1.2 only\n"
    "  (--dtls13 is another name for --dtls 1.3).\n"
    "  --pcap/--pcap-plain/--keylog: captures for Wireshark and `keyway explain`; --html FILE: the call as\n"
    "  one self-contained page, a sequence diagram (see keyway demo --help).\n"
    "  --turn 'turn:HOST:PORT?transport=udp|tcp': gather a relayed candidate from that TURN server.\n";

constexpr const char* kOfferUsage =
    "usage: keyway offer [--video] [--ice full] [--dtls 1.2|1.3] [--bind ADDR] [--seconds N]\n"
    "                    [--pcap FILE] [--pcap-plain FILE] [--keylog FILE] [--html FILE]\n"
    "                    [--turn URI [--turn-user U] [--turn-pass P] [--relay-only]]\n"
    "  Prints an SDP offer on stdout (audio, and video with --video), reads the answer on stdin, then runs\n"
    "  the call on a UDP socket for N seconds (default 10). The offerer always runs full ICE.\n"
    "  --dtls 1.3 (the default): offer DTLS 1.3 and 1.2, 1.3 when the peer offers it; --dtls 1.2: 1.2 only\n"
    "  (--dtls13 is another name for --dtls 1.3).\n"
    "  --pcap/--pcap-plain/--keylog: captures for Wireshark and `keyway explain`; --html FILE: the call as\n"
    "  one self-contained page, a sequence diagram (see keyway demo --help).\n"
    "  --turn 'turn:HOST:PORT?transport=udp|tcp': gather a relayed candidate from that TURN server.\n";

}  // namespace

int run_answer(int argc, char** argv) {
  if (cli::wants_help(argc, argv, 2)) {
    fmt::print("{}", kAnswerUsage);
    return 0;
  }
  cli::Args args(argc, argv, 2);
  CallOptions opt;
  opt.answerer = true;
  auto setup = args.value("--setup");
  auto ice_mode = args.value("--ice");
  if (auto b = args.value("--bind")) opt.bind = *b;
  opt.pcap_file = args.value("--pcap").value_or("");
  opt.keylog_file = args.value("--keylog").value_or("");
  opt.pcap_plain_file = args.value("--pcap-plain").value_or("");
  opt.html_file = args.value("--html").value_or("");
  opt.seconds = args.number("--seconds", 10);
  auto turn = args.value("--turn"), turn_user = args.value("--turn-user"), turn_pass = args.value("--turn-pass");
  bool relay_only = args.flag("--relay-only");
  std::string error;
  if (!read_dtls_version(args, opt, error) || !args.finish(error) ||
      (setup && *setup != "active" && *setup != "passive") ||
      (ice_mode && *ice_mode != "lite" && *ice_mode != "full") ||
      !read_turn_options(turn, turn_user, turn_pass, relay_only, opt.turn, error)) {
    fmt::print(stderr, "keyway answer: {}\n", error.empty() ? "bad option value" : error);
    fmt::print(stderr, "{}", kAnswerUsage);
    return 2;
  }
  opt.setup = setup && *setup == "passive" ? sdp::Setup::passive : sdp::Setup::active;
  opt.lite = ice_mode && *ice_mode == "lite";
  return run_call(opt);
}

int run_offer(int argc, char** argv) {
  if (cli::wants_help(argc, argv, 2)) {
    fmt::print("{}", kOfferUsage);
    return 0;
  }
  cli::Args args(argc, argv, 2);
  CallOptions opt;
  opt.answerer = false;
  opt.video = args.flag("--video");
  auto ice_mode = args.value("--ice");
  if (auto b = args.value("--bind")) opt.bind = *b;
  opt.pcap_file = args.value("--pcap").value_or("");
  opt.keylog_file = args.value("--keylog").value_or("");
  opt.pcap_plain_file = args.value("--pcap-plain").value_or("");
  opt.html_file = args.value("--html").value_or("");
  opt.seconds = args.number("--seconds", 10);
  auto turn = args.value("--turn"), turn_user = args.value("--turn-user"), turn_pass = args.value("--turn-pass");
  bool relay_only = args.flag("--relay-only");
  std::string error;
  if (!read_dtls_version(args, opt, error) || !args.finish(error) || (ice_mode && *ice_mode != "full") ||
      !read_turn_options(turn, turn_user, turn_pass, relay_only, opt.turn, error)) {
    fmt::print(stderr, "keyway offer: {}\n", error.empty() ? "the offerer runs full ICE (--ice full)" : error);
    fmt::print(stderr, "{}", kOfferUsage);
    return 2;
  }
  return run_call(opt);
}

}  // namespace keyway::tools
