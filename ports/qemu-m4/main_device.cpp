// SPDX-License-Identifier: Apache-2.0
// Image 4 (issue 17): the device's own role, for its flash footprint. A
// device answers a browser's (or an app's) offer: it is the answerer, with
// ICE-lite (RFC 8445 §2.5). The call image holds two endpoints and so links
// the offerer's code too (the SDP offer writer, set_remote_answer); this one
// calls only what an answering device calls, and --gc-sections keeps only
// what those calls reach. In the minimal profile this image links keyway's
// device variant (lib/profile.hpp kDevice): the full ICE agent and the DTLS
// server role are compiled out, and an offer with a=setup:active is refused.
// In the full profile they stay linked behind the runtime settings. It runs
// up to the answer and the first outputs: there is no second endpoint in this
// image to finish a handshake with (the call image does that). It boots as
// docs/embedding.md section 7 tells a device to: it loads a stored
// certificate and key (identity_test_only.cpp, TEST-ONLY) instead of
// generating them, so the X.509 writer and key generation are not linked
// (the call image generates, and times it: cert_gen_ms). Prints, last:
//   m4 device ok text_bytes=.. answer_bytes=.. heap_peak_bytes=.. stack_peak_bytes=..
#include <cstring>
#include <new>
#include <string_view>

#include "board.hpp"
#include "call.hpp"
#include "heap.hpp"
#include "identity_test_only.hpp"
#include "keyway/peer/connection.hpp"
#include "keyway/srtp/session.hpp"

using namespace keyway;

namespace {
m4::Identity g_device;
char g_answer[2048];
std::size_t g_answer_bytes = 0;
uint8_t g_scratch[1500];
const sdp::Codec kOpus[] = {{"opus", 48000, 2, 111, "minptime=10;useinbandfec=1", {}}};

// A browser-style audio offer (the shape of tests/sdp/corpus/pion-offer-av.sdp).
constexpr const char* kOffer =
    "v=0\r\n"
    "o=- 6217466328717366532 1732841263 IN IP4 0.0.0.0\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=fingerprint:sha-256 62:5A:7E:18:C3:9F:04:B6:DD:21:8E:70:5C:A3:49:F1:0B:6D:E2:97:3C:48:A5:1F:D0:7B:86:2E:C9:54:13:AF\r\n"
    "a=group:BUNDLE 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=ice-ufrag:kWBdPBxHYeNcWDHJ\r\n"
    "a=ice-pwd:sRfWVfwHhLWmZrLzPxbGLEJpLcDKSoTl\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=ssrc:3446617373 cname:pion-audio\r\n"
    "a=sendrecv\r\n"
    "a=candidate:2230180532 1 udp 2130706431 127.0.0.1 52117 typ host\r\n"
    "a=end-of-candidates\r\n";

// Runs the endpoint's outputs at `now` until it asks for a timeout.
int drain(peer::Connection& c, Timestamp now) {
  int sent = 0;
  c.handle_timeout(now);
  for (;;) {
    peer::Output out = c.poll_output(now, g_scratch);
    if (out.kind == peer::Output::Kind::timeout) return sent;
    if (out.kind == peer::Output::Kind::transmit) sent++;
  }
}

// The device variant (lib/profile.hpp kDevice) is the DTLS client only: an
// offer with a=setup:active, which would make it the server, is refused.
bool refuses_dtls_server(const peer::Config& c) {
  std::string_view offer = kOffer, actpass = "a=setup:actpass";
  std::size_t at = offer.find(actpass);
  static char active_offer[sizeof g_answer];
  std::string_view head = offer.substr(0, at), tail = offer.substr(at + actpass.size());
  std::string_view setup = "a=setup:active";
  if (at == std::string_view::npos || head.size() + setup.size() + tail.size() >= sizeof active_offer) return false;
  std::memcpy(active_offer, head.data(), head.size());
  std::memcpy(active_offer + head.size(), setup.data(), setup.size());
  std::memcpy(active_offer + head.size() + setup.size(), tail.data(), tail.size());
  std::string_view text(active_offer, head.size() + setup.size() + tail.size());
  auto* conn = new (std::nothrow) peer::Connection(c);
  if (conn == nullptr) return false;
  bool refused = conn->add_local_address(ice::SocketAddr::v4(127, 0, 0, 1, 50001)).ok() &&
                 !conn->accept_offer(text, g_answer).ok() && conn->state() == peer::State::failed;
  delete conn;
  return refused;
}

const char* run_device() {
  peer::Config c;
  c.role = peer::Role::answerer;
  c.ice_lite = true;
  c.identity = &g_device.cert;
  c.public_rng = &g_device.rng;
  c.secret_rng = &g_device.rng;
  c.audio_codecs = kOpus;
  c.audio_ssrc = 0xD0D0;
  auto* conn = new (std::nothrow) peer::Connection(c);
  if (conn == nullptr) return "out of memory";
  const char* failure = nullptr;
  Timestamp now = Timestamp::from_micros(1'000'000);
  auto answer = conn->add_local_address(ice::SocketAddr::v4(127, 0, 0, 1, 50001)).ok()
                    ? conn->accept_offer(kOffer, g_answer)
                    : Result<std::string_view>(make_error(Layer::peer, Code::invalid_argument, ""));
  if (!answer.ok() || answer->empty()) failure = "accept_offer";
  if (answer.ok()) g_answer_bytes = answer->size();
  // The answer names the stored certificate (its SHA-256, RFC 8122 §5).
  if (!failure && answer->find(test_only::stored_fingerprint_line()) == std::string_view::npos)
    failure = "answer lacks the stored certificate's fingerprint";
  drain(*conn, now);
  // A datagram from the browser's candidate that is not STUN: ICE has not
  // validated the address, so it is dropped (the trust rule), and media
  // cannot be sent before the keys exist.
  uint8_t junk[32] = {0x80, 111};
  conn->handle_datagram(now, MutableBytes(junk, sizeof junk), ice::SocketAddr::v4(127, 0, 0, 1, 52117),
                        ice::SocketAddr::v4(127, 0, 0, 1, 50001));
  uint8_t packet[64 + srtp::kMaxTrailerLen] = {0x80, 111};
  if (!failure && conn->send_rtp({packet, sizeof packet}, 64).ok()) failure = "send_rtp before keys";
  if (!failure && conn->send_rtcp({packet, sizeof packet}, 8).ok()) failure = "send_rtcp before keys";
  conn->close();
  drain(*conn, now + Duration::seconds(1));
  delete conn;
  if (!failure && profile::kDevice && !refuses_dtls_server(c)) failure = "a=setup:active offer accepted";
  return failure;
}
}  // namespace

int main() {
  if (!m4::load_identity(g_device, 1, test_only::stored_private_scalar(), test_only::stored_certificate_der())) {
    board::write("m4 device FAILED identity\n");
    return 1;
  }
  const char* failure = run_device();
  static board::Line line;
  line.text(failure ? "m4 device FAILED" : "m4 device ok");
  line.field("text_bytes", board::text_bytes()).field("answer_bytes", g_answer_bytes);
  line.field("heap_peak_bytes", heap::peak()).field("stack_peak_bytes", board::stack_peak_bytes());
  line.field("heap_in_use_after_bytes", heap::in_use());
#if KEYWAY_PROFILE_MINIMAL
  line.text(" profile=minimal");
#endif
  if (failure) line.text(" failure=").text(failure);
  line.text("\n");
  board::write(line.c_str());
  return failure ? 1 : 0;
}
