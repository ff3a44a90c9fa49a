// SPDX-License-Identifier: Apache-2.0
// What a device does with a browser, in one file: one UDP socket, one
// poll() loop, one peer::Connection. It answers an SDP offer read from
// stdin, prints the answer, and then echoes every RTP and RTCP packet it
// receives back to the caller (on its own SSRC), until N seconds have passed
// or the call closes.
//
//   poll_echo 127.0.0.1:0 [SECONDS]      (port 0: the kernel picks one)
//     stdin:  the offer, up to EOF or an empty line
//     stdout: the answer, then an empty line
//     stderr: progress, and a last line "poll_echo: ... rtp_echoed=N rtcp_echoed=M"
//   exit 0 when the call connected and did not fail, 1 otherwise.
//
// The platform supplies four things, all visible below: a monotonic clock
// (clock_gettime), entropy (getentropy) to seed the DRBGs, the Unix time for
// the certificate (time), and datagram I/O (a UDP socket). keyway itself
// never touches any of them (docs/embedding.md).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string_view>

#include "keyway/dtls/x509/certificate.hpp"
#include "keyway/lib/crypto/drbg.hpp"
#include "keyway/peer/connection.hpp"
#include "keyway/srtp/session.hpp"

using namespace keyway;

namespace {

// --- what the platform supplies ----------------------------------------------

Timestamp monotonic_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return Timestamp::from_micros(static_cast<uint64_t>(ts.tv_sec) * 1'000'000u +
                                static_cast<uint64_t>(ts.tv_nsec) / 1000u);
}

// A CTR-DRBG seeded with 48 bytes from the OS (entropy + nonce).
bool seed(crypto::DrbgRng& rng, std::string_view personalization) {
  uint8_t entropy[48];
  if (getentropy(entropy, sizeof entropy) != 0) return false;
  auto p = reinterpret_cast<const uint8_t*>(personalization.data());
  return rng.instantiate(entropy, {p, personalization.size()}).ok();
}

// keyway's SocketAddr <-> the BSD socket address.
socklen_t to_sockaddr(const SocketAddr& addr, sockaddr_storage& ss) {
  ss = {};
  if (addr.family == Family::v4) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(addr.port);
    std::memcpy(&a->sin_addr, addr.ip, 4);
    return sizeof *a;
  }
  auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
  a->sin6_family = AF_INET6;
  a->sin6_port = htons(addr.port);
  std::memcpy(&a->sin6_addr, addr.ip, 16);
  return sizeof *a;
}

SocketAddr from_sockaddr(const sockaddr_storage& ss) {
  SocketAddr a;
  if (ss.ss_family == AF_INET) {
    const auto* s = reinterpret_cast<const sockaddr_in*>(&ss);
    a.family = Family::v4;
    std::memcpy(a.ip, &s->sin_addr, 4);
    a.port = ntohs(s->sin_port);
  } else {
    const auto* s = reinterpret_cast<const sockaddr_in6*>(&ss);
    a.family = Family::v6;
    std::memcpy(a.ip, &s->sin6_addr, 16);
    a.port = ntohs(s->sin6_port);
  }
  return a;
}

// "127.0.0.1:5000" or "[::1]:5000" -> a bound, non-blocking UDP socket;
// `bound` gets the port the kernel chose for port 0.
int open_udp(const char* text, SocketAddr& bound) {
  std::string_view s(text);
  std::size_t colon = s.rfind(':');
  if (colon == std::string_view::npos) return -1;
  std::string_view host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  auto addr = SocketAddr::parse_ip(host, static_cast<uint16_t>(std::atoi(text + colon + 1)));
  if (!addr.ok()) return -1;
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(*addr, ss);
  int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) return -1;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return -1;
  bound = from_sockaddr(ss);
  return fd;
}

void send_to(int fd, const Transmit& t) {
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(t.to, ss);
  // UDP: a datagram the kernel refuses is simply lost; ICE and DTLS retransmit.
  (void)sendto(fd, t.bytes.data(), t.bytes.size(), 0, reinterpret_cast<sockaddr*>(&ss), len);
}

// The offer: stdin up to EOF or an empty line, lines ended with CRLF (RFC 8866 §5).
std::size_t read_offer(char* out, std::size_t cap) {
  char line[4096];
  std::size_t n = 0;
  while (std::fgets(line, sizeof line, stdin)) {
    std::size_t len = std::strcspn(line, "\r\n");
    if (len == 0) {
      if (n == 0) continue;  // blank lines before the offer
      break;
    }
    if (n + len + 2 > cap) return 0;
    std::memcpy(out + n, line, len);
    std::memcpy(out + n + len, "\r\n", 2);
    n += len + 2;
  }
  return n;
}

// --- the echo ------------------------------------------------------------------

struct Echo {
  int fd = -1;
  peer::Connection* conn = nullptr;
  uint32_t ssrc = 0;  // ours, announced in the answer (a=ssrc)
  uint64_t rtp = 0, rtcp = 0;
  bool connected = false, done = false;
};

// Sends a decrypted packet back, protected again with our SSRC: an RTP
// packet's SSRC is bytes 8..11 (RFC 3550 §5.1), an RTCP packet's sender
// SSRC bytes 4..7 (§6.4). A real device would send its own media and
// reports here; echoing them keeps the example short.
void echo(Echo& e, Bytes packet, bool rtcp) {
  std::size_t at = rtcp ? 4 : 8;
  uint8_t buf[1500 + srtp::kMaxTrailerLen];  // room for the SRTP tag after the packet
  if (packet.size() < at + 4 || packet.size() > 1500) return;
  std::memcpy(buf, packet.data(), packet.size());
  for (int i = 0; i < 4; ++i) buf[at + static_cast<std::size_t>(i)] = static_cast<uint8_t>(e.ssrc >> (24 - 8 * i));
  auto t = rtcp ? e.conn->send_rtcp(buf, packet.size()) : e.conn->send_rtp(buf, packet.size());
  if (!t.ok()) return;  // e.g. consent lost: nothing to send on
  send_to(e.fd, *t);
  (rtcp ? e.rtcp : e.rtp)++;
}

// The poll_output contract: call it until it gives a Timeout, doing what
// each output asks; that Timeout is when to call handle_timeout next.
Timestamp drain(Echo& e, Timestamp now) {
  uint8_t scratch[2048];  // a Transmit's bytes live here until the next poll_output
  for (;;) {
    peer::Output out = e.conn->poll_output(now, scratch);
    switch (out.kind) {
      case peer::Output::Kind::timeout:
        return out.deadline;
      case peer::Output::Kind::transmit:
        send_to(e.fd, out.transmit);
        break;
      case peer::Output::Kind::event:
        switch (out.event.kind) {
          case peer::EventKind::rtp_received:
            echo(e, out.event.data, false);
            break;
          case peer::EventKind::rtcp_received:
            echo(e, out.event.data, true);
            break;
          case peer::EventKind::srtp_ready:
            e.connected = true;
            std::fprintf(stderr, "poll_echo: connected (%s, %s)\n", e.conn->summary().cipher_suite,
                         e.conn->summary().srtp_profile);
            break;
          case peer::EventKind::failed:
            std::fprintf(stderr, "poll_echo: call failed: %s\n", e.conn->failure_text());
            e.done = true;
            break;
          case peer::EventKind::closed:
            std::fprintf(stderr, "poll_echo: the caller closed the call\n");
            e.done = true;
            break;
          default:
            std::fprintf(stderr, "poll_echo: %s\n", peer::to_string(out.event.kind));
            break;
        }
        break;
    }
  }
}

// Milliseconds poll() may sleep before `deadline` (rounded up, at most 1 s).
int wait_ms(Timestamp now, Timestamp deadline) {
  if (deadline <= now) return 0;
  int64_t ms = (deadline - now).as_micros() / 1000 + 1;
  return ms > 1000 ? 1000 : static_cast<int>(ms);
}

// The event loop: sleep in poll() until a datagram arrives or keyway's next
// deadline; feed what happened; drain the outputs. Until `end` or the call ends.
void run(Echo& e, const SocketAddr& local, Timestamp end) {
  static uint8_t rx[2048];  // a received packet is decrypted in place, here
  Timestamp now = monotonic_now();
  Timestamp deadline = drain(e, now);
  while (!e.done && now < end) {
    pollfd p{e.fd, POLLIN, 0};
    poll(&p, 1, wait_ms(now, deadline < end ? deadline : end));
    now = monotonic_now();
    sockaddr_storage ss{};
    socklen_t ss_len = sizeof ss;
    ssize_t n;
    while (!e.done && (n = recvfrom(e.fd, rx, sizeof rx, 0, reinterpret_cast<sockaddr*>(&ss), &ss_len)) >= 0) {
      (void)e.conn->handle_datagram(now, {rx, static_cast<std::size_t>(n)}, from_sockaddr(ss), local);
      deadline = drain(e, now);  // before rx is reused: media events point into it
      ss_len = sizeof ss;
    }
    if (now >= deadline) {  // keyway's timer: retransmissions, ICE checks, consent
      e.conn->handle_timeout(now);
      deadline = drain(e, now);
    }
  }
}

const sdp::Codec kAudio[] = {
    {"opus", 48000, 2, 111, "minptime=10;useinbandfec=1", {}},
    {"PCMU", 8000, 1, 0, {}, {}},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: poll_echo ADDR:PORT [SECONDS] < offer\n");
    return 2;
  }
  double seconds = argc > 2 ? std::atof(argv[2]) : 10.0;

  // Randomness: one DRBG for public values (ICE credentials, transaction
  // ids), one for secrets (DTLS randoms, ECDHE, signatures).
  static crypto::DrbgRng public_rng, secret_rng;
  static dtls::Identity identity;  // key and certificate: ~1.5 KB, kept off the stack
  if (!seed(public_rng, "pub") || !seed(secret_rng, "sec")) return 1;
  // A fresh self-signed ECDSA P-256 certificate; a device may load a stored
  // one instead (identity.load, docs/embedding.md). Its validity starts from
  // the Unix time the platform gives.
  if (!identity.generate(secret_rng, "poll_echo", static_cast<int64_t>(std::time(nullptr))).ok()) return 1;

  SocketAddr local;
  int fd = open_udp(argv[1], local);
  if (fd < 0) {
    std::fprintf(stderr, "poll_echo: cannot bind a UDP socket on %s\n", argv[1]);
    return 1;
  }

  Echo e;
  e.fd = fd;
  public_rng.fill({reinterpret_cast<uint8_t*>(&e.ssrc), sizeof e.ssrc});
  peer::Config config;
  config.role = peer::Role::answerer;
  config.identity = &identity;
  config.public_rng = &public_rng;
  config.secret_rng = &secret_rng;
  config.audio_codecs = kAudio;  // no video codecs: a video section is rejected in the answer
  config.audio_ssrc = e.ssrc;
  static peer::Connection conn(config);  // tens of KB during the handshake: not on the stack
  e.conn = &conn;
  if (!conn.add_local_address(local).ok()) {  // our one host candidate
    std::fprintf(stderr, "poll_echo: %s is not an address a peer can reach\n", argv[1]);
    return 1;
  }

  // Signalling: offer in, answer out. A device gets these from its own
  // channel (HTTP, MQTT, a WebSocket); here it is stdin and stdout.
  static char offer[32 * 1024], answer[16 * 1024];
  std::size_t offer_len = read_offer(offer, sizeof offer);
  auto text = conn.accept_offer({offer, offer_len}, answer);
  if (!text.ok()) {
    std::fprintf(stderr, "poll_echo: cannot answer: %s\n", conn.failure_text());
    return 1;
  }
  std::printf("%.*s\n", static_cast<int>(text->size()), text->data());
  std::fflush(stdout);

  Timestamp end = monotonic_now() + Duration::micros(static_cast<int64_t>(seconds * 1e6));
  run(e, local, end);

  if (!e.done) conn.close();  // sends close_notify (RFC 5246 §7.2.1)
  drain(e, monotonic_now());
  bool ok = e.connected && conn.state() != peer::State::failed;
  std::fprintf(stderr, "poll_echo: %s state=%s rtp_echoed=%llu rtcp_echoed=%llu\n", ok ? "ok" : "FAILED",
               peer::to_string(conn.state()), static_cast<unsigned long long>(e.rtp),
               static_cast<unsigned long long>(e.rtcp));
  ::close(fd);
  return ok ? 0 : 1;
}
