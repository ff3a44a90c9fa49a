// SPDX-License-Identifier: Apache-2.0
// `keyway dtls client|server`: one DTLS 1.2 (+ use_srtp) association over
// UDP, for interop harnesses (issue 3); with --dtls 1.3 it offers DTLS 1.3
// and 1.2 and speaks what the peer chooses (issue 18).
//
//   keyway dtls client --connect HOST:PORT [options]
//   keyway dtls server --listen HOST:PORT [options]
// Options and output: kHelp below (`keyway dtls --help`). The output lines
// cipher=, srtp_profile=, peer_fingerprint=, exporter= and received= are a
// contract: tests and interop harnesses parse them. dtls_version= (1.2 or
// 1.3, the version negotiated) is a line of its own, printed before them.
//
// The server with --cookie on (the default) sits on dtls::Listener: until a
// client returns a valid cookie nothing is kept, so spoofed ClientHellos
// cannot claim the run (issue 12, defect 6). With --dtls 1.3 the Listener
// answers a hello offering 1.3 with a HelloRetryRequest carrying its
// stateless cookie (RFC 9147 §5.1) and a 1.2-only hello with a
// HelloVerifyRequest. With --cookie off the first address that sends
// anything is the peer.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/dtls/listener.hpp"
#include "keyway/lib/crypto/ct.hpp"
#include "keyway/lib/hex.hpp"
#include "keyway/srtp/profile.hpp"
#include "tools/capture.hpp"
#include "tools/cli.hpp"
#include "tools/commands.hpp"
#include "tools/identity.hpp"
#include "tools/os.hpp"
#include "tools/pem.hpp"
#include "tools/srtp_names.hpp"
#include "tools/udp.hpp"

namespace keyway::tools {
namespace {

struct NamedId {
  const char* name;
  uint16_t id;
};

// RFC 8422 §5.1.1 / RFC 7919 named groups.
const NamedId kGroupNames[] = {
    {"x25519", 29}, {"secp256r1", 23}, {"secp384r1", 24}, {"X25519", 29}, {"P-256", 23}, {"P-384", 24},
};

const char* kExporterLabel = "EXTRACTOR-dtls_srtp";

const char* kHelp =
    "usage: keyway dtls client --connect HOST:PORT [options]\n"
    "       keyway dtls server --listen HOST:PORT [options]\n"
    "One DTLS 1.2 (+ use_srtp) association over UDP, for interop harnesses.\n"
    "  --dtls 1.2|1.3         1.2 (default): DTLS 1.2 only. 1.3: offer DTLS 1.3 and 1.2 (supported_versions)\n"
    "                         and speak what the peer chooses: 1.3 when it offers 1.3 too, else 1.2\n"
    "  --srtp-profiles LIST   OpenSSL names, colon-separated, preference order\n"
    "                         (default SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM; \"none\": no use_srtp)\n"
    "  --cipher-suites LIST   IANA names (default: every suite keyway supports)\n"
    "  --groups LIST          x25519:secp256r1:secp384r1 (default: all three)\n"
    "  --mtu N                largest datagram sent (default 1200)\n"
    "  --cookie on|off        server only. on (default): every ClientHello without a valid cookie\n"
    "                         gets a stateless HelloVerifyRequest (RFC 6347 4.2.1), or under --dtls 1.3\n"
    "                         a HelloRetryRequest with a cookie when the hello offers 1.3 (RFC 9147 5.1); the server\n"
    "                         commits to the first client that returns a valid cookie.\n"
    "                         off: no cookie exchange; the server commits to the first address\n"
    "                         that sends it anything and ignores every other address.\n"
    "  --cert FILE --key FILE PEM certificate and EC P-256 key (default: a fresh one)\n"
    "  --export-length N      exporter bytes (default: 2*(key+salt) of the negotiated profile)\n"
    "  --timeout SECONDS      whole run (default 10)\n"
    "  --pcap FILE            write every datagram sent and received (real addresses) as a pcap,\n"
    "                         for Wireshark or `keyway explain FILE`\n"
    "  --keylog FILE          append the association's keys in the NSS key log format (CLIENT_RANDOM,\n"
    "                         Wireshark's \"(Pre)-Master-Secret log\"; `keyway explain --keylog FILE`)\n"
    "After the handshake it prints dtls_version= (1.2 or 1.3), cipher=, srtp_profile=,\n"
    "peer_fingerprint= and exporter= lines, sends one line of application data, waits up to 3 s for the peer's line\n"
    "(received=) or its close_notify, sends close_notify and exits 0.\n"
    "Failures print \"error: <layer>: <reason>\" and exit 1; bad options exit 2.\n";

struct Options {
  bool help = false;
  bool server = false;
  ice::SocketAddr addr{};
  dtls::Config config;
  std::string cert_file, key_file;
  long export_length = -1;
  double timeout_s = 10;
  std::string pcap_file;  // --pcap: every datagram sent and received
  std::string keylog_file;  // --keylog: the NSS key log line is appended there
};

std::vector<std::string> split_colons(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ':'))
    if (!item.empty()) out.push_back(item);
  return out;
}

bool parse_named_list(const std::string& text, std::span<const NamedId> table, const char* what,
                      dtls::SmallList<uint16_t>& out, std::string& error) {
  for (const std::string& name : split_colons(text)) {
    bool found = false;
    for (const NamedId& n : table)
      if (name == n.name) {
        out.push(n.id);
        found = true;
        break;
      }
    if (!found) {
      error = std::string("unknown ") + what + ": " + name;
      return false;
    }
  }
  return true;
}

bool parse_suites(const std::string& text, dtls::SmallList<uint16_t>& out, std::string& error) {
  std::vector<NamedId> table;
  for (const dtls::SuiteInfo& s : dtls::kSuites) table.push_back({s.iana_name, static_cast<uint16_t>(s.suite)});
  return parse_named_list(text, table, "cipher suite", out, error);
}

// SRTP profiles by OpenSSL's or the RFC name (tools/srtp_names.hpp).
bool parse_profiles(const std::string& text, dtls::SmallList<uint16_t>& out, std::string& error) {
  for (const std::string& name : split_colons(text)) {
    uint16_t id = srtp_profile_id(name);
    if (id == 0) {
      error = "unknown SRTP profile: " + name;
      return false;
    }
    out.push(id);
  }
  return true;
}

bool parse_numbers(cli::Args& args, Options& o, std::string& error) {
  if (auto v = args.value("--mtu")) {
    long mtu = std::strtol(v->c_str(), nullptr, 10);
    if (mtu < 200 || mtu > 65507) {
      error = "--mtu must be between 200 and 65507";
      return false;
    }
    o.config.mtu = static_cast<std::size_t>(mtu);
  }
  if (auto v = args.value("--export-length")) {
    o.export_length = std::strtol(v->c_str(), nullptr, 10);
    if (o.export_length <= 0 || o.export_length > 1024) {
      error = "--export-length must be between 1 and 1024";
      return false;
    }
  }
  o.timeout_s = args.number("--timeout", 10);
  if (auto v = args.value("--dtls")) {  // the spelling of keyway demo/answer/offer --dtls
    if (*v != "1.2" && *v != "1.3") {
      error = "--dtls takes 1.2 or 1.3, not " + *v;
      return false;
    }
    o.config.offer_dtls13 = *v == "1.3";
  }
  if (auto v = args.value("--cookie")) {
    if (*v != "on" && *v != "off") {
      error = "--cookie takes on or off";
      return false;
    }
    o.config.cookie_exchange = *v == "on";
  }
  return true;
}

bool parse_options(int argc, char** argv, Options& o, std::string& error) {
  for (int i = 2; i < argc; ++i)
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      o.help = true;
      return true;
    }
  if (argc < 3 || (std::string(argv[2]) != "client" && std::string(argv[2]) != "server")) {
    error = "usage: keyway dtls client --connect HOST:PORT | server --listen HOST:PORT [options]";
    return false;
  }
  o.server = std::string(argv[2]) == "server";
  o.config.role = o.server ? dtls::Role::server : dtls::Role::client;
  cli::Args args(argc, argv, 3);
  auto where = args.value(o.server ? "--listen" : "--connect");
  std::string profiles = args.value("--srtp-profiles").value_or("SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM");
  auto suites = args.value("--cipher-suites");
  auto groups = args.value("--groups");
  o.cert_file = args.value("--cert").value_or("");
  o.key_file = args.value("--key").value_or("");
  o.pcap_file = args.value("--pcap").value_or("");
  o.keylog_file = args.value("--keylog").value_or("");
  if (!parse_numbers(args, o, error) || !args.finish(error)) return false;
  if (!where) {
    error = o.server ? "missing --listen HOST:PORT" : "missing --connect HOST:PORT";
    return false;
  }
  auto addr = parse_socket_addr(*where);
  if (!addr.ok()) {
    error = "bad address: " + *where;
    return false;
  }
  o.addr = addr.value();
  if (o.cert_file.empty() != o.key_file.empty()) {
    error = "--cert and --key go together";
    return false;
  }
  if (profiles != "none" && !parse_profiles(profiles, o.config.srtp_profiles, error))
    return false;
  if (suites && !parse_suites(*suites, o.config.cipher_suites, error)) return false;
  return !groups || parse_named_list(*groups, kGroupNames, "group", o.config.groups, error);
}

bool read_text_file(const std::string& path, std::string& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + path;
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

std::string error_text(const Error& e) {
  char text[200];
  format_error(e, text, sizeof text);
  return text;
}

bool load_identity(const Options& o, dtls::Identity& id, Rng& rng, std::string& error) {
  if (o.cert_file.empty()) return make_identity(id, rng, error);
  std::string cert_pem, key_pem;
  std::vector<uint8_t> der;
  uint8_t scalar[32];
  if (!read_text_file(o.cert_file, cert_pem, error) || !read_text_file(o.key_file, key_pem, error) ||
      !pem_decode(cert_pem, "CERTIFICATE", der, error) || !p256_scalar_from_pem(key_pem, scalar, error))
    return false;
  Status st = id.load(scalar, der);
  crypto::secure_zero(scalar, sizeof scalar);
  if (!st.ok()) {
    error = "--cert/--key: " + error_text(st.error());
    return false;
  }
  return true;
}

// One association driven by the real clock over one UDP socket.
class Session {
 public:
  Session(Options& o, dtls::Identity& id, Rng& rng) : o_(o) {
    o_.config.identity = &id;
    o_.config.rng = &rng;
  }

  int run() {
    if (!open_socket()) return 1;
    end_ = monotonic_now() + Duration::millis(static_cast<int64_t>(o_.timeout_s * 1000));
    if (!o_.server) start_endpoint(o_.addr);
    if (o_.server && o_.config.cookie_exchange) start_listener();
    while (!done_) {
      Timestamp deadline = ep_ ? drain() : Timestamp::never();
      if (failed_) return 1;
      if (done_) break;
      if (monotonic_now() >= end_) return fail_with("timeout", timeout_reason());
      if (!want_close_ && monotonic_now() >= data_deadline_) {  // a silent peer (s_server without stdin)
        std::fprintf(stderr, "note: no application data from the peer; closing\n");
        want_close_ = true;
        continue;
      }
      Timestamp wake = std::min({deadline, end_, data_deadline_});
      int fds[1] = {sock_.fd()};
      if (wait_readable(fds, wake) == 0) receive();
      if (ep_) ep_->handle_timeout(monotonic_now());
    }
    return 0;
  }

 private:
  bool open_socket() {
    ice::SocketAddr bind_addr = o_.addr;
    if (!o_.server) {  // the client binds an ephemeral port of the same family
      bind_addr = ice::SocketAddr{};
      bind_addr.family = o_.addr.family;
    }
    Status st = sock_.open(bind_addr);
    if (!o_.pcap_file.empty()) {
      capture_ = std::make_unique<CaptureFile>(o_.pcap_file);
      sock_.set_capture(capture_.get());
    }
    if (!st.ok()) {
      fail_with("socket", error_text(st.error()));
      return false;
    }
    if (o_.server) std::printf("listening=%s\n", to_string(sock_.local()).c_str());
    std::fflush(stdout);
    return true;
  }

  // The bytes a cookie binds: the client's address and port (RFC 6347 §4.2.1).
  static Bytes address_bytes(const ice::SocketAddr& a, uint8_t (&out)[18]) {
    std::memcpy(out, a.ip, 16);
    out[16] = static_cast<uint8_t>(a.port >> 8);
    out[17] = static_cast<uint8_t>(a.port);
    return Bytes(out, sizeof out);
  }

  // Client, or server with --cookie off: one Endpoint for a known peer.
  void start_endpoint(const ice::SocketAddr& peer) {
    peer_ = peer;
    peer_known_ = true;
    o_.config.peer_address = address_bytes(peer, peer_bytes_);
    own_ep_ = std::make_unique<dtls::Endpoint>(o_.config);
    ep_ = own_ep_.get();
  }

  // Server with --cookie on: no peer until a client returns a valid cookie.
  // One association per run, so one slot (a second verified client would
  // have nowhere to go: this run is already committed).
  void start_listener() {
    dtls::ListenerConfig lc;
    lc.server = o_.config;
    lc.cookie_exchange = true;
    lc.capacity = 1;
    lc.max_pending = 1;
    listener_ = std::make_unique<dtls::Listener>(lc);
  }

  void receive() {
    ice::SocketAddr from{};
    while (auto n = sock_.recv_from(buf_, from)) {
      MutableBytes datagram(buf_, *n);
      if (!peer_known_ && listener_) {
        listen(from, datagram);
        continue;
      }
      if (!peer_known_) start_endpoint(from);   // --cookie off: the first sender is the peer
      if (!(from == peer_)) continue;            // anyone else is ignored
      ep_->handle_datagram(monotonic_now(), datagram);
      drain();  // application data is decrypted in place in buf_: take it before the next recv
    }
  }

  // RFC 6347 §4.2.1: a ClientHello without a valid cookie gets a stateless
  // HelloVerifyRequest and changes nothing here; junk is dropped. The first
  // client that returns a valid cookie (its Endpoint created by the
  // Listener) is the peer for the rest of the run.
  void listen(const ice::SocketAddr& from, MutableBytes datagram) {
    uint8_t addr[18];
    dtls::Dispatch d = listener_->handle_datagram(monotonic_now(), address_bytes(from, addr), datagram, scratch_);
    if (d.kind == dtls::Dispatch::Kind::hello_verify) {
      sock_.send_to(from, d.transmit);
    } else if (d.kind == dtls::Dispatch::Kind::endpoint) {
      peer_ = from;
      peer_known_ = true;
      ep_ = d.endpoint;
      drain();
    }
  }

  // Sends every pending datagram and handles events; returns the next deadline.
  Timestamp drain() {
    for (int guard = 0; guard < 10000 && !failed_; ++guard) {
      dtls::Output out = ep_->poll_output(monotonic_now(), scratch_);
      if (out.kind == dtls::Output::Kind::transmit) {
        sock_.send_to(peer_, out.transmit);
        continue;
      }
      if (out.kind == dtls::Output::Kind::event) {
        on_event(out.event);
        continue;
      }
      if (want_close_ && !close_sent_) {  // our close_notify goes out on the next poll
        ep_->close();
        close_sent_ = true;
        continue;
      }
      if (close_sent_) done_ = true;
      return out.deadline;
    }
    return Timestamp::never();
  }

  void on_event(const dtls::Event& e) {
    switch (e.kind) {
      case dtls::EventKind::peer_certificate:
        // No SDP here: the fingerprint is printed instead, and the certificate
        // this event shows is accepted (it is the one the handshake holds).
        (void)ep_->accept_peer_certificate(e.data);
        break;
      case dtls::EventKind::handshake_complete: on_complete(e); break;
      case dtls::EventKind::application_data: {
        std::string line(e.data.begin(), e.data.end());
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
        std::printf("received=%s\n", line.c_str());
        std::fflush(stdout);
        want_close_ = true;
        break;
      }
      case dtls::EventKind::alert_received:
        if (e.alert_level == dtls::AlertLevel::fatal)
          fail_with("dtls", "fatal alert received: " + std::to_string(static_cast<int>(e.alert)));
        break;
      case dtls::EventKind::alert_sent: break;
      case dtls::EventKind::closed:
        if (!complete_) {
          fail_with("dtls", "peer closed before the handshake completed");
          break;
        }
        std::printf("peer_closed=1\n");
        std::fflush(stdout);
        want_close_ = true;
        break;
      case dtls::EventKind::failure: fail_with("dtls", error_text(e.error)); break;
    }
  }

  void on_complete(const dtls::Event& e) {
    complete_ = true;
    data_deadline_ = monotonic_now() + kPeerDataWait;
    const char* suite = ep_->suite_name();  // a 1.2 or a 1.3 suite's IANA name
    std::size_t len = 60;  // no use_srtp: as much as SRTP_AES128_CM_SHA1_80 needs
    if (auto p = srtp::profile_from_dtls_id(e.srtp_profile); p.ok()) len = 2 * srtp::master_material_len(p.value());
    if (o_.export_length > 0) len = static_cast<std::size_t>(o_.export_length);
    std::vector<uint8_t> km(len);
    Status st = ep_->export_keying_material(kExporterLabel, km);
    if (!st.ok()) {
      fail_with("dtls", "exporter: " + error_text(st.error()));
      return;
    }
    if (!o_.keylog_file.empty()) write_key_log();
    dtls::Fingerprint fp = dtls::fingerprint(dtls::FingerprintHash::sha256, e.data);  // the peer certificate
    char fp_text[200];
    dtls::format_fingerprint(fp, fp_text, sizeof fp_text);
    std::printf("dtls_version=%s\n", ep_->version() == dtls::kVersionDtls12 ? "1.2" : "1.3");
    std::printf("cipher=%s\nsrtp_profile=%s\npeer_fingerprint=sha-256 %s\nexporter=%s\n",
                suite ? suite : "?", srtp_profile_openssl_name(e.srtp_profile), fp_text, upper_hex(km).c_str());
    std::fflush(stdout);
    std::string line = std::string("hello from keyway ") + (o_.server ? "server" : "client") + "\n";
    auto sent = ep_->send_application_data(Bytes(reinterpret_cast<const uint8_t*>(line.data()), line.size()), scratch_);
    if (!sent.ok()) fail_with("dtls", "send: " + error_text(sent.error()));
    else sock_.send_to(peer_, *sent);
  }

  // --keylog: appended, as SSLKEYLOGFILE is, so one file serves many runs.
  void write_key_log() {
    char line[dtls::Endpoint::kKeyLogMaxSize];
    if (!ep_->format_key_log(line, sizeof line).ok()) return;
    std::ofstream f(o_.keylog_file, std::ios::app);
    f << line;
    if (!f) std::fprintf(stderr, "keyway dtls: cannot write the key log %s\n", o_.keylog_file.c_str());
  }

  static std::string upper_hex(const std::vector<uint8_t>& b) {
    static const char* digits = "0123456789ABCDEF";
    std::string s;
    for (uint8_t x : b) {
      s += digits[x >> 4];
      s += digits[x & 15];
    }
    return s;
  }

  std::string timeout_reason() const {
    if (!ep_ && listener_ && listener_->stats().hello_verify_sent + listener_->stats().hello_retry_sent > 0) {
      std::string reason = "no client returned a valid cookie (" + std::to_string(listener_->stats().hello_verify_sent) +
                           " HelloVerifyRequests";
      if (listener_->stats().hello_retry_sent > 0)  // --dtls 1.3 only: the 1.2 text stays as it was
        reason += ", " + std::to_string(listener_->stats().hello_retry_sent) + " HelloRetryRequests";
      return reason + " sent)";
    }
    if (!ep_) return "no datagram from a client";
    if (!complete_) return std::string("handshake not complete (") + ep_->last_timeout_reason() + ")";
    return "no application data or close_notify from the peer";
  }

  int fail_with(const std::string& layer, const std::string& reason) {
    std::printf("error: %s: %s\n", layer.c_str(), reason.c_str());
    std::fflush(stdout);
    failed_ = true;
    return 1;
  }

  Options& o_;
  std::unique_ptr<CaptureFile> capture_;  // --pcap (written when the session ends)
  UdpSocket sock_;
  std::unique_ptr<dtls::Listener> listener_;  // server, --cookie on
  std::unique_ptr<dtls::Endpoint> own_ep_;    // client, or server with --cookie off
  dtls::Endpoint* ep_ = nullptr;              // the association: own_ep_ or the Listener's
  ice::SocketAddr peer_{};
  bool peer_known_ = false;
  uint8_t peer_bytes_[18] = {};
  Timestamp end_ = Timestamp::never();
  Timestamp data_deadline_ = Timestamp::never();  // wait this long for the peer's line
  static constexpr Duration kPeerDataWait = Duration::seconds(3);
  bool complete_ = false, want_close_ = false, close_sent_ = false, done_ = false, failed_ = false;
  uint8_t scratch_[2048];
  uint8_t buf_[65536];
};

}  // namespace

int run_dtls(int argc, char** argv) {
  Options o;
  std::string error;
  if (!parse_options(argc, argv, o, error)) {
    std::fprintf(stderr, "keyway dtls: %s\n", error.c_str());
    return 2;
  }
  if (o.help) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  Randomness rand;
  auto id = std::make_unique<dtls::Identity>();
  if (!seed_randomness(rand, error) || !load_identity(o, *id, rand.secret_rng, error)) {
    std::printf("error: setup: %s\n", error.c_str());
    return 1;
  }
  auto session = std::make_unique<Session>(o, *id, rand.secret_rng);
  return session->run();
}

}  // namespace keyway::tools
