// Two peer::Connections joined by sim::Netem in virtual time: the harness of
// tests/peer/ and of `keyway-bench call`. Node 1 is the offerer (A), node 2 the
// answerer (B). Everything is deterministic from the seed.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dtls/x509/certificate.hpp"
#include "lib/rng.hpp"
#include "peer/connection.hpp"
#include "srtp/session.hpp"
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
  explicit CallSim(const Options& opt) : opt_(opt), net_(opt.seed) {
    net_.configure_both(1, 2, opt.link);
    init(a_, 1, peer::Role::offerer, opt.offer_profiles, 0);
    init(b_, 2, peer::Role::answerer, opt.answer_profiles, 1);
  }

  Side& a() { return a_; }
  Side& b() { return b_; }
  sim::Netem& net() { return net_; }
  Timestamp now() const { return now_; }
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
    Timestamp end = now_ + limit;
    for (int guard = 0; guard < 2'000'000; ++guard) {
      deliver_due();
      for (Side* s : {&a_, &b_}) {
        s->conn->handle_timeout(now_);
        drain(*s);
        auto_media(*s);
      }
      if (done()) return true;
      Timestamp next = earliest(earliest(deadline_[0], deadline_[1]), net_.next_delivery());
      next = earliest(next, earliest(a_.next_media, b_.next_media));
      if (next <= now_) next = now_ + Duration::micros(1);
      if (next > end) {
        now_ = end;
        return done();
      }
      now_ = next;
    }
    return done();
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
    if (t.ok()) transmit(s, *t);
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
    if (t.ok()) transmit(s, *t);
    return t;
  }
  // Puts raw bytes on the wire from s (e.g. media protected with other keys).
  void inject(Side& s, const uint8_t* data, std::size_t len) { net_.send(now_, s.node, other(s).node, data, len); }

  // A datagram from any address (e.g. a spoofed one) reaches s now.
  void inject_from(Side& s, const SocketAddr& from, const std::vector<uint8_t>& bytes) {
    std::size_t n = bytes.size() < sizeof rx_buf_ ? bytes.size() : sizeof rx_buf_;
    std::copy(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n), rx_buf_);
    s.conn->handle_datagram(now_, MutableBytes(rx_buf_, n), from, s.addr);
    drain(s);
  }

  Side& other(Side& s) { return &s == &a_ ? b_ : a_; }

 private:
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
    c.srtp_profile_count = 0;
    for (uint16_t p : profiles)
      if (c.srtp_profile_count < c.srtp_profiles.size()) c.srtp_profiles[c.srtp_profile_count++] = p;
    c.audio_codecs = kAudio;
    c.audio_ssrc = s.ssrc;
    s.conn = std::make_unique<peer::Connection>(c);
    (void)s.conn->add_local_address(s.addr);
  }

  double ms(Timestamp t) const { return static_cast<double>(t.as_micros()) / 1000.0 - 1000.0; }

  void auto_media(Side& s) {
    if (opt_.media_interval.as_micros() <= 0) return;
    if (s.conn->state() != peer::State::connected) {
      s.next_media = Timestamp::never();
      return;
    }
    if (s.next_media.is_never()) s.next_media = now_;
    while (s.next_media <= now_) {
      (void)send_rtp(s);
      s.next_media = s.next_media + opt_.media_interval;
    }
  }

  void transmit(Side& s, const peer::Transmit& t) {
    s.datagrams_sent++;
    if (opt_.verbose)
      std::printf("%9.3f ms  %s -> send %-5s %4zu bytes\n", ms(now_), s.node == 1 ? "A" : "B",
                  peer::to_string(peer::classify(t.bytes)), t.bytes.size());
    if (opt_.record_events && peer::classify(t.bytes) == peer::PacketKind::dtls) s.dtls_sent.push_back(now_);
    if (peer::classify(t.bytes) == peer::PacketKind::dtls) s.dtls_bytes_sent += t.bytes.size();
    if (!(t.to == other(s).addr)) {
      s.bytes_to_strangers += t.bytes.size();
      return;
    }
    if (opt_.drop_sent && opt_.drop_sent(s.node, t.bytes)) return;
    net_.send(now_, s.node, other(s).node, t.bytes.data(), t.bytes.size());
  }

  void drain(Side& s) {
    uint8_t scratch[2048];
    for (int guard = 0; guard < 10000; ++guard) {
      peer::Output o = s.conn->poll_output(now_, scratch);
      if (o.kind == peer::Output::Kind::timeout) {
        deadline_[s.node - 1] = o.deadline;
        return;
      }
      if (o.kind == peer::Output::Kind::transmit) {
        transmit(s, o.transmit);
        continue;
      }
      const peer::Event& e = o.event;
      if (opt_.record_events) s.events.push_back(e.kind);
      switch (e.kind) {
        case peer::EventKind::rtp_received:
          s.rtp_received++;
          if (s.first_media_at.is_never()) s.first_media_at = now_;
          if (opt_.record_events) s.last_rtp.assign(e.data.begin(), e.data.end());
          if (opt_.on_media) opt_.on_media(s.node, false, e.data);
          break;
        case peer::EventKind::rtcp_received:
          s.rtcp_received++;
          if (opt_.on_media) opt_.on_media(s.node, true, e.data);
          break;
        case peer::EventKind::srtp_ready: s.srtp_ready_at = now_; break;
        case peer::EventKind::ice_connected: s.ice_connected_at = now_; break;
        case peer::EventKind::failed: s.failures.push_back(e.error); break;
        default: break;
      }
    }
  }

  void deliver_due() {
    while (auto d = net_.receive(now_)) {
      Side& to = d->to == 1 ? a_ : b_;
      Side& from = d->from == 1 ? a_ : b_;
      std::size_t n = d->bytes.size() < sizeof rx_buf_ ? d->bytes.size() : sizeof rx_buf_;
      if (opt_.verbose)
        std::printf("%9.3f ms  %s <- recv %-5s %4zu bytes\n", ms(now_), to.node == 1 ? "A" : "B",
                    peer::to_string(peer::classify(d->bytes)), d->bytes.size());
      std::copy(d->bytes.begin(), d->bytes.begin() + static_cast<std::ptrdiff_t>(n), rx_buf_);
      to.conn->handle_datagram(now_, MutableBytes(rx_buf_, n), from.addr, to.addr);
      drain(to);  // media events point into rx_buf_
    }
  }

  Options opt_;
  sim::Netem net_;
  Side a_, b_;
  Timestamp now_ = Timestamp::from_micros(1'000'000);
  Timestamp deadline_[2] = {Timestamp::never(), Timestamp::never()};
  uint8_t rx_buf_[2048] = {};
  uint8_t media_buf_[1500 + srtp::kMaxTrailerLen] = {};
};

}  // namespace keyway::peer_test
