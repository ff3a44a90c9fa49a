// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the whole chain (issue 16). Two peer::Connections, A the
// offerer and B the answerer, negotiate over SDP text and then exchange
// STUN, DTLS, SRTP and SRTCP in virtual time; the fuzzer edits the SDP in
// transit and, step by step, decides what the wire does (deliver, corrupt,
// drop, reorder, inject its own datagram), how far time moves, and which API
// calls are made (media, trickled candidates, close). FuzzedDataProvider
// reads that structure from the bytes.
//
// An empty input is a clean call: once the bytes run out every step is
// "deliver the oldest datagram, or move time to the next deadline", so the
// fuzzer starts from connected calls and mutates from there. In fuzzing mode
// (lib/fuzzing.hpp) the DTLS and SRTP records need no valid MAC.
//
// Invariant checked: poll_output() reaches a timeout (no endless output).
// FuzzedDataProvider is clang's header; fuzz/peer/meson.build passes its path
// to a gcc build, which lacks it.
#ifdef KEYWAY_FDP_HEADER
#include KEYWAY_FDP_HEADER
#else
#include <fuzzer/FuzzedDataProvider.h>
#endif

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "keyway/dtls/x509/certificate.hpp"
#include "keyway/lib/bytes.hpp"
#include "keyway/lib/rng.hpp"
#include "keyway/peer/connection.hpp"

using namespace keyway;

namespace {

const sdp::Codec kAudio[] = {{"opus", 48000, 2, 111, "minptime=10;useinbandfec=1", {}, ""},
                             {"PCMU", 8000, 1, 0, "", {}, ""}};
const sdp::Codec kVideo[] = {{"VP8", 90000, 1, 96, "", {}, ""}};
const ice::SocketAddr kAddr[2] = {ice::SocketAddr::v4(127, 0, 0, 1, 40001), ice::SocketAddr::v4(127, 0, 0, 1, 40002)};
const ice::SocketAddr kStranger = ice::SocketAddr::v4(127, 0, 0, 1, 50000);
constexpr std::size_t kMaxInFlight = 64;
constexpr int kMaxSteps = 600;

dtls::Identity& identity(int which) {
  static std::unique_ptr<dtls::Identity> ids[2];
  if (!ids[which]) {
    ids[which] = std::make_unique<dtls::Identity>();
    SeededRng rng(0xF0 + static_cast<uint64_t>(which));
    (void)ids[which]->generate(rng, which == 0 ? "fuzz-a" : "fuzz-b", 1'790'000'000);
  }
  return *ids[which];
}

struct Datagram {
  int to = 0;  // 0: A, 1: B
  ice::SocketAddr from{}, to_addr{};
  std::vector<uint8_t> bytes;
};

struct Side {
  SeededRng public_rng{1}, secret_rng{2};
  std::unique_ptr<peer::Connection> conn;
  Timestamp deadline = Timestamp::never();
  uint16_t seq = 0;
};

class Call {
 public:
  Call(FuzzedDataProvider& in, uint8_t mode) : in_(in) {
    for (int i = 0; i < 2; ++i) {
      Side& s = side_[i];
      s.public_rng = SeededRng(mode * 4u + static_cast<uint64_t>(i));
      s.secret_rng = SeededRng(mode * 4u + 2 + static_cast<uint64_t>(i));
      peer::Config c;
      c.role = i == 0 ? peer::Role::offerer : peer::Role::answerer;
      c.identity = &identity(i);
      c.public_rng = &s.public_rng;
      c.secret_rng = &s.secret_rng;
      c.ice_lite = i == 1 && (mode & 1) != 0;
      c.setup_for_actpass = (mode & 2) != 0 ? sdp::Setup::passive : sdp::Setup::active;
      c.audio_codecs = kAudio;
      c.video_codecs = kVideo;
      c.audio_ssrc = 0x1000u + static_cast<uint32_t>(i);
      c.video_ssrc = 0x2000u + static_cast<uint32_t>(i);
      c.dtls_mtu = (mode & 4) != 0 ? 300 : 1200;  // small: fragmented flights
      s.conn = std::make_unique<peer::Connection>(c);
      (void)s.conn->add_local_address(kAddr[i]);
    }
  }

  // SDP offer/answer, each text possibly edited in transit.
  void negotiate(bool with_video) {
    static char offer_buf[8192], answer_buf[8192];
    auto offer = side_[0].conn->create_offer(offer_buf, with_video);
    if (!offer.ok()) return;
    std::string text(*offer);
    edit_text(text);
    auto answer = side_[1].conn->accept_offer(text, answer_buf);
    if (!answer.ok()) return;
    text.assign(*answer);
    edit_text(text);
    (void)side_[0].conn->set_remote_answer(text);
  }

  void run() {
    drain_both();
    for (int step = 0; step < kMaxSteps; ++step) {
      if (in_.remaining_bytes() == 0 && settled()) break;
      this->step(in_.ConsumeIntegralInRange<uint8_t>(0, 9));
    }
  }

  // KEYWAY_FUZZ_VERBOSE=1 fuzz_peer_connection FILE: where the input led.
  void report() const {
    if (std::getenv("KEYWAY_FUZZ_VERBOSE") == nullptr) return;
    for (int i = 0; i < 2; ++i) {
      const peer::Connection& c = *side_[i].conn;
      std::printf("%s: %s at %.3f s, rtp in %llu, rtcp in %llu, srtp auth failures %llu%s%s\n", i == 0 ? "A" : "B",
                  peer::to_string(c.state()), static_cast<double>(now_.as_micros()) / 1e6 - 1.0,
                  static_cast<unsigned long long>(c.stats().srtp.rtp_received),
                  static_cast<unsigned long long>(c.stats().srtp.rtcp_received),
                  static_cast<unsigned long long>(c.stats().srtp.auth_failures), *c.failure_text() ? ", " : "",
                  c.failure_text());
    }
  }

 private:
  // A few edits: overwrite a byte, cut a range, insert fuzzer text.
  void edit_text(std::string& text) {
    const int edits = in_.ConsumeIntegralInRange(0, 3);
    for (int i = 0; i < edits && !text.empty(); ++i) {
      const std::size_t at = in_.ConsumeIntegralInRange<std::size_t>(0, text.size() - 1);
      switch (in_.ConsumeIntegralInRange(0, 2)) {
        case 0: text[at] = in_.ConsumeIntegral<char>(); break;
        case 1: text.erase(at, in_.ConsumeIntegralInRange<std::size_t>(1, 64)); break;
        default: text.insert(at, in_.ConsumeRandomLengthString(256)); break;
      }
    }
  }

  void step(uint8_t op) {
    switch (op) {
      case 0: deliver_or_wait(); break;
      case 1: deliver_corrupted(); break;
      case 2: if (!wire_.empty()) wire_.pop_front(); break;  // loss
      case 3: reorder(); break;
      case 4: inject(); break;
      case 5: advance(Duration::millis(in_.ConsumeIntegralInRange(0, 40000))); break;
      case 6: send_media(in_.ConsumeIntegralInRange(0, 1)); break;
      case 7: trickle(in_.ConsumeIntegralInRange(0, 1)); break;
      case 8:
        side_[in_.ConsumeIntegralInRange(0, 1)].conn->close();
        drain_both();
        break;
      default: deliver_or_wait(); break;
    }
  }

  // Nothing in flight and nothing left to decide: both connected (and quiet)
  // or one of them gave up.
  bool settled() const {
    auto done = [](const Side& s) {
      peer::State st = s.conn->state();
      return st == peer::State::connected || st == peer::State::failed || st == peer::State::closed;
    };
    return wire_.empty() && done(side_[0]) && done(side_[1]);
  }

  void deliver_or_wait() {
    if (!wire_.empty()) return deliver(std::move(wire_.front()), true);
    Timestamp next = side_[0].deadline < side_[1].deadline ? side_[0].deadline : side_[1].deadline;
    if (next.is_never()) return;
    advance(next > now_ ? next - now_ : Duration::micros(0));
  }

  void deliver_corrupted() {
    if (wire_.empty()) return;
    Datagram d = std::move(wire_.front());
    wire_.pop_front();
    if (!d.bytes.empty()) {
      const std::size_t at = in_.ConsumeIntegralInRange<std::size_t>(0, d.bytes.size() - 1);
      if (in_.ConsumeBool()) d.bytes[at] ^= in_.ConsumeIntegralInRange<uint8_t>(1, 255);
      else d.bytes.resize(at);
    }
    deliver(std::move(d), false);
  }

  void reorder() {
    if (wire_.size() < 2) return;
    Datagram d = std::move(wire_.front());
    wire_.pop_front();
    wire_.push_back(std::move(d));
  }

  // A datagram of the fuzzer's own, from the peer's address or a stranger's.
  void inject() {
    Datagram d;
    d.to = in_.ConsumeIntegralInRange(0, 1);
    d.from = in_.ConsumeBool() ? kAddr[1 - d.to] : kStranger;
    d.to_addr = kAddr[d.to];
    const std::string bytes = in_.ConsumeRandomLengthString(1500);
    d.bytes.assign(bytes.begin(), bytes.end());
    deliver(std::move(d), false);
  }

  void deliver(Datagram d, bool from_front) {
    if (from_front) wire_.pop_front();
    Side& s = side_[d.to];
    s.conn->handle_datagram(now_, d.bytes, d.from, d.to_addr);
    drain(d.to);  // media events point into d.bytes
  }

  void advance(Duration by) {
    now_ = now_ + by;
    for (Side& s : side_) s.conn->handle_timeout(now_);
    drain_both();
  }

  // One RTP (or RTCP) packet whose header fields and payload the fuzzer picks.
  void send_media(int from) {
    static uint8_t buf[1500 + srtp::kMaxTrailerLen];
    Side& s = side_[from];
    ByteWriter w({buf, 1200});
    const bool rtcp = in_.ConsumeBool();
    if (rtcp) {
      w.write_u8(0x80);
      w.write_u8(201);  // receiver report (RFC 3550 §6.4.2)
      w.write_u16(1);
      w.write_u32(0x1000u + static_cast<uint32_t>(from));
    } else {
      w.write_u8(in_.ConsumeBool() ? 0x80 : in_.ConsumeIntegral<uint8_t>());
      w.write_u8(in_.ConsumeBool() ? 111 : in_.ConsumeIntegral<uint8_t>());
      w.write_u16(s.seq++);
      w.write_u32(static_cast<uint32_t>(s.seq) * 960u);
      w.write_u32(in_.ConsumeBool() ? 0x1000u + static_cast<uint32_t>(from) : in_.ConsumeIntegral<uint32_t>());
    }
    const std::string payload = in_.ConsumeRandomLengthString(1000);
    for (char c : payload) w.write_u8(static_cast<uint8_t>(c));
    auto t = rtcp ? s.conn->send_rtcp({buf, sizeof buf}, w.size()) : s.conn->send_rtp({buf, sizeof buf}, w.size());
    if (t.ok()) queue(1 - from, *t);
  }

  void trickle(int to) {
    const std::string text = in_.ConsumeBool() ? "candidate:1 1 udp 2130706431 127.0.0.1 40003 typ host"
                                               : in_.ConsumeRandomLengthString(200);
    (void)side_[to].conn->add_remote_candidate(text);
    drain_both();
  }

  void queue(int to, const peer::Transmit& t) {
    if (wire_.size() >= kMaxInFlight) wire_.pop_front();
    wire_.push_back(Datagram{to, t.from, t.to, std::vector<uint8_t>(t.bytes.begin(), t.bytes.end())});
  }

  void drain(int i) {
    static uint8_t scratch[2048];
    for (int guard = 0; guard < 10000; ++guard) {
      peer::Output o = side_[i].conn->poll_output(now_, scratch);
      if (o.kind == peer::Output::Kind::timeout) {
        side_[i].deadline = o.deadline;
        return;
      }
      if (o.kind == peer::Output::Kind::transmit) queue(1 - i, o.transmit);
    }
    __builtin_trap();  // poll_output must reach a timeout
  }
  void drain_both() {
    drain(0);
    drain(1);
  }

  FuzzedDataProvider& in_;
  Side side_[2];
  std::deque<Datagram> wire_;
  Timestamp now_ = Timestamp::from_micros(1'000'000);
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const uint8_t mode = in.ConsumeIntegral<uint8_t>();
  Call call(in, mode);
  call.negotiate((mode & 8) != 0);
  call.run();
  call.report();
  return 0;
}
