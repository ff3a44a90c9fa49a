// SPDX-License-Identifier: Apache-2.0
// Two peer::Connections joined by sim::Netem in virtual time: the harness of
// tests/peer/, tests/robustness/ and `keyway-bench call`. Node 1 is the
// offerer (A), node 2 the answerer (B). The stepping and routing are the
// shared sim::CallDriver's; this adds the test bookkeeping (events, counters,
// times) and a simple media source. Deterministic from the seed.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "keyway/dtls/x509/certificate.hpp"
#include "keyway/lib/rng.hpp"
#include "keyway/peer/connection.hpp"
#include "keyway/srtp/session.hpp"
#include "tests/support/call_driver.hpp"
#include "tests/support/netem.hpp"

namespace keyway::peer_test {

using ice::SocketAddr;

inline const sdp::Codec kAudio[] = {{"opus", 48000, 2, 111, "minptime=10;useinbandfec=1", {}}, {"PCMU", 8000, 1, 0, {}, {}}};

// ECDSA P-256 identities are slow to make: one per seed is plenty.
inline dtls::Identity& test_identity(int which) {
  static std::unique_ptr<dtls::Identity> ids[2];
  auto& slot = ids[which & 1];
  if (!slot) {
    slot = std::make_unique<dtls::Identity>();
    SeededRng rng(0x1D0 + static_cast<uint64_t>(which));
    (void)slot->generate(rng, which == 0 ? "keyway-a" : "keyway-b", 1'700'000'000);
  }
  return *slot;
}

struct Options {
  uint64_t seed = 1;
  sim::LinkConfig link{};
  bool ice_lite = false;                          // answerer
  sdp::Setup setup_for_actpass = sdp::Setup::active;  // answerer's DTLS role
  std::vector<uint16_t> offer_profiles{0x0007, 0x0001, 0x0008, 0x0002};
  std::vector<uint16_t> answer_profiles{0x0007, 0x0001, 0x0008, 0x0002};
  bool record_events = true;
  // > 0: each side sends an RTP packet this often once SRTP is ready.
  Duration media_interval = Duration::micros(0);
  // Prints every datagram sent and delivered, with virtual time (replaying a seed).
  bool verbose = false;
  ice::Timing ice_timing = peer::call_ice_timing();
  std::size_t dtls_mtu = 1200;  // peer::Config::dtls_mtu of both sides
  // Called with every decrypted media packet (node that received it).
  std::function<void(int node, bool rtcp, Bytes data)> on_media;
  // true: the datagram this node sends vanishes before the link.
  std::function<bool(int node, Bytes datagram)> drop_sent;
  // Edits a side's peer::Config before its Connection is made (node 1 = A, 2 = B).
  std::function<void(int node, peer::Config&)> configure;
  // peer::Config::dtls_keep_key_log on both sides: the exporter still
  // answers after SRTP is keyed (check_keys_equal compares its output).
  bool dtls_keep_key_log = false;
};

struct Side {
  int node = 0;
  SocketAddr addr{};
  SeededRng public_rng{1}, secret_rng{2};
  std::unique_ptr<peer::Connection> conn;
  std::vector<peer::EventKind> events;
  std::vector<Error> failures;
  uint64_t rtp_received = 0, rtcp_received = 0;
  std::vector<uint8_t> last_rtp;
  Timestamp srtp_ready_at = Timestamp::never();
  Timestamp first_media_at = Timestamp::never();
  Timestamp ice_connected_at = Timestamp::never();
  uint64_t datagrams_sent = 0;
  uint64_t dtls_bytes_sent = 0;
  // Sent to an address that is not the other side's (nobody is there: never delivered).
  uint64_t bytes_to_strangers = 0;
  std::vector<Timestamp> dtls_sent;  // when each DTLS datagram left
  uint32_t ssrc = 0;
  uint16_t seq = 0;
  Timestamp next_media = Timestamp::never();
  bool has(peer::EventKind k) const {
    for (auto e : events)
      if (e == k) return true;
    return false;
  }
};

class CallSim {
 public:
  explicit CallSim(const Options& opt) : opt_(opt), net_(opt.seed), driver_(net_, kStart) {
    net_.configure_both(1, 2, opt.link);
    init(a_, 1, peer::Role::offerer, opt.offer_profiles, 0);
    init(b_, 2, peer::Role::answerer, opt.answer_profiles, 1);
    hook_up();
  }
  CallSim(const CallSim&) = delete;
  CallSim& operator=(const CallSim&) = delete;

  Side& a() { return a_; }
  Side& b() { return b_; }
  sim::Netem& net() { return net_; }
  Timestamp now() const { return driver_.now(); }
  sim::CallDriver& driver() { return driver_; }
  std::string offer, answer;

  // SDP offer/answer; a hook may edit the offer or the answer in transit.
  template <typename OfferHook, typename AnswerHook>
  bool negotiate(OfferHook on_offer, AnswerHook on_answer) {
    char buf[8192];
    auto o = a_.conn->create_offer(buf);
    if (!o.ok()) return false;
    offer = std::string(*o);
    on_offer(offer);
    char abuf[8192];
    auto an = b_.conn->accept_offer(offer, abuf);
    if (!an.ok()) return false;
    answer = std::string(*an);
    on_answer(answer);
    return a_.conn->set_remote_answer(answer).ok();
  }
  bool negotiate() {
    return negotiate([](std::string&) {}, [](std::string&) {});
  }

  // Runs virtual time until done() or the limit. Returns done().
  template <typename Done>
  bool run_until(Done done, Duration limit) {
    return driver_.run_until(done, limit);
  }

  bool connected() const {
    return a_.conn->state() == peer::State::connected && b_.conn->state() == peer::State::connected;
  }
  bool any_failed() const {
    return a_.conn->state() == peer::State::failed || b_.conn->state() == peer::State::failed;
  }

  // Sends one RTP packet (PT 111, 100-byte payload) from s; false if refused.
  Result<peer::Transmit> send_rtp(Side& s, std::size_t payload = 100) {
    uint8_t* buf = media_buf_;
    ByteWriter w({buf, 1400});
    w.write_u8(0x80);
    w.write_u8(111);
    w.write_u16(s.seq++);
    w.write_u32(static_cast<uint32_t>(s.seq) * 960u);
    w.write_u32(s.ssrc);
    for (std::size_t i = 0; i < payload; ++i) w.write_u8(static_cast<uint8_t>(i));
    auto t = s.conn->send_rtp({buf, sizeof media_buf_}, w.size());
    if (t.ok()) driver_.transmit(s.node, *t);
    return t;
  }
  // An RTCP receiver report with no blocks (RFC 3550 §6.4.2).
  Result<peer::Transmit> send_rtcp(Side& s) {
    uint8_t* buf = media_buf_;
    ByteWriter w({buf, 1400});
    w.write_u8(0x80);
    w.write_u8(201);
    w.write_u16(1);
    w.write_u32(s.ssrc);
    auto t = s.conn->send_rtcp({buf, sizeof media_buf_}, w.size());
    if (t.ok()) driver_.transmit(s.node, *t);
    return t;
  }
  // Puts raw bytes on the wire from s (e.g. media protected with other keys).
  void inject(Side& s, const uint8_t* data, std::size_t len) { net_.send(now(), s.node, other(s).node, data, len); }

  // A datagram from any address (e.g. a spoofed one) reaches s now.
  void inject_from(Side& s, const SocketAddr& from, const std::vector<uint8_t>& bytes) {
    std::vector<uint8_t> copy = bytes;
    driver_.receive(s.node, MutableBytes(copy.data(), copy.size()), from);
  }

  Side& other(Side& s) { return &s == &a_ ? b_ : a_; }

 private:
  static constexpr Timestamp kStart = Timestamp::from_micros(1'000'000);
  Side& side(int node) { return node == 1 ? a_ : b_; }

  void init(Side& s, int node, peer::Role role, const std::vector<uint16_t>& profiles, int id) {
    s.node = node;
    s.addr = SocketAddr::v4(127, 0, 0, 1, static_cast<uint16_t>(40000 + node));
    s.public_rng = SeededRng(opt_.seed * 4 + static_cast<uint64_t>(node));
    s.secret_rng = SeededRng(opt_.seed * 4 + 2 + static_cast<uint64_t>(node));
    s.ssrc = 0x1000 * static_cast<uint32_t>(node) + 7;
    s.seq = static_cast<uint16_t>(100 * node);
    peer::Config c;
    c.role = role;
    c.identity = &test_identity(id);
    c.public_rng = &s.public_rng;
    c.secret_rng = &s.secret_rng;
    c.ice_lite = opt_.ice_lite;
    c.ice_timing = opt_.ice_timing;
    c.setup_for_actpass = opt_.setup_for_actpass;
    c.dtls_mtu = opt_.dtls_mtu;
    c.dtls_keep_key_log = opt_.dtls_keep_key_log;
    c.srtp_profile_count = 0;
    for (uint16_t p : profiles)
      if (c.srtp_profile_count < c.srtp_profiles.size()) c.srtp_profiles[c.srtp_profile_count++] = p;
    c.audio_codecs = kAudio;
    c.audio_ssrc = s.ssrc;
    if (opt_.configure) opt_.configure(node, c);
    if (opt_.verbose) c.trace = node == 1 ? &trace_a_ : &trace_b_;
    s.conn = std::make_unique<peer::Connection>(c);
    (void)s.conn->add_local_address(s.addr);
    driver_.add(node, s.conn.get(), s.addr);
  }

  void hook_up() {
    driver_.on_transmit = [this](int node, const peer::Transmit& t) { on_transmit(side(node), t); };
    driver_.on_unrouted = [this](int node, const peer::Transmit& t) { side(node).bytes_to_strangers += t.bytes.size(); };
    if (opt_.drop_sent) driver_.drop_sent = opt_.drop_sent;
    driver_.on_event = [this](int node, const peer::Event& e) { on_event(side(node), e); };
    driver_.on_tick = [this](int node) {
      auto_media(side(node));
      return side(node).next_media;
    };
    if (opt_.verbose)
      driver_.on_sent = [this](int node, const peer::Transmit&, bool lost) {
        if (lost) std::printf("%9.3f ms  %s    (lost on the link)\n", ms(now()), node == 1 ? "A" : "B");
      };
    if (opt_.verbose)
      driver_.on_deliver = [this](const sim::Datagram& d) {
        std::printf("%9.3f ms  %s <- recv %-5s %4zu bytes\n", ms(now()), d.to == 1 ? "A" : "B",
                    peer::to_string(peer::classify(d.bytes)), d.bytes.size());
      };
  }

  double ms(Timestamp t) const { return static_cast<double>(t.as_micros()) / 1000.0 - 1000.0; }

  void auto_media(Side& s) {
    if (opt_.media_interval.as_micros() <= 0) return;
    if (s.conn->state() != peer::State::connected) {
      s.next_media = Timestamp::never();
      return;
    }
    if (s.next_media.is_never()) s.next_media = now();
    while (s.next_media <= now()) {
      (void)send_rtp(s);
      s.next_media = s.next_media + opt_.media_interval;
    }
  }

  // Bookkeeping of every Transmit; the driver then routes it.
  void on_transmit(Side& s, const peer::Transmit& t) {
    s.datagrams_sent++;
    if (opt_.verbose)
      std::printf("%9.3f ms  %s -> send %-5s %4zu bytes\n", ms(now()), s.node == 1 ? "A" : "B",
                  peer::to_string(peer::classify(t.bytes)), t.bytes.size());
    if (opt_.record_events && peer::classify(t.bytes) == peer::PacketKind::dtls) s.dtls_sent.push_back(now());
    if (peer::classify(t.bytes) == peer::PacketKind::dtls) s.dtls_bytes_sent += t.bytes.size();
  }

  void on_event(Side& s, const peer::Event& e) {
    if (opt_.record_events) s.events.push_back(e.kind);
    switch (e.kind) {
      case peer::EventKind::rtp_received:
        s.rtp_received++;
        if (s.first_media_at.is_never()) s.first_media_at = now();
        if (opt_.record_events) s.last_rtp.assign(e.data.begin(), e.data.end());
        if (opt_.on_media) opt_.on_media(s.node, false, e.data);
        break;
      case peer::EventKind::rtcp_received:
        s.rtcp_received++;
        if (opt_.on_media) opt_.on_media(s.node, true, e.data);
        break;
      case peer::EventKind::srtp_ready: s.srtp_ready_at = now(); break;
      case peer::EventKind::ice_connected: s.ice_connected_at = now(); break;
      case peer::EventKind::failed: s.failures.push_back(e.error); break;
      default: break;
    }
  }

  // Verbose replays print what each side's layers say, in virtual time.
  struct Trace final : TraceSink {
    const CallSim* sim = nullptr;
    const char* name = "";
    Trace(const CallSim* s, const char* n) : sim(s), name(n) {}
    void trace(Layer layer, const char* line) override {
      std::printf("%9.3f ms  %s    %s: %s\n", sim->ms(sim->now()), name, to_string(layer), line);
    }
  };

  Options opt_;
  Trace trace_a_{this, "A"}, trace_b_{this, "B"};
  sim::Netem net_;
  sim::CallDriver driver_;
  Side a_, b_;
  uint8_t media_buf_[1500 + srtp::kMaxTrailerLen] = {};
};

}  // namespace keyway::peer_test
