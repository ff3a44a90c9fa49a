// SPDX-License-Identifier: Apache-2.0
// peer::Connection: the whole WebRTC media chain for one call, sans-IO.
//
//   SDP offer/answer ──> ICE (RFC 8445) finds a path
//                          │ selected pair, RTT
//                          v
//                        DTLS 1.2 (RFC 6347) over that path, role from a=setup (RFC 8842)
//                          │ peer certificate == remote a=fingerprint (RFC 8122)?
//                          v   no: fatal bad_certificate, no keys ever exist
//                        exporter "EXTRACTOR-dtls_srtp" (RFC 5705, RFC 5764 §4.2)
//                          │ client key | server key | client salt | server salt
//                          v
//                        SRTP/SRTCP sessions, one per direction (RFC 3711, RFC 7714)
//
// One UDP flow carries everything (BUNDLE + rtcp-mux); handle_datagram()
// demultiplexes by first byte (RFC 7983). Like every keyway engine it never
// touches a socket or a clock:
//
//   Connection c(config);
//   c.add_local_address(addr);                      // each socket the caller bound
//   offerer:  c.create_offer(text_buf) -> signal -> c.set_remote_answer(answer)
//   answerer: c.accept_offer(offer, text_buf) -> signal the answer
//   loop:
//     out = c.poll_output(now, scratch) until out.kind == timeout:
//       transmit -> sendto(out.transmit.to) from the socket bound to out.transmit.from
//       event    -> connected, media received (decrypted in place), failure with layer and reason ...
//     wait for a datagram or out.deadline; then handle_datagram() or handle_timeout()
//   media: c.send_rtp(buffer, len) protects in place and returns the Transmit to send.
//
// A received media packet is decrypted in the caller's datagram buffer and
// reported by the next poll_output() as an Event (rtp_received /
// rtcp_received) whose bytes point into that buffer: poll before reusing it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "keyway/dtls/alert.hpp"
#include "keyway/dtls/endpoint.hpp"
#include "keyway/dtls/x509/certificate.hpp"
#include "keyway/ice/agent.hpp"
#include "keyway/lib/bytes.hpp"
#include "keyway/lib/result.hpp"
#include "keyway/lib/rng.hpp"
#include "keyway/lib/sans_io.hpp"
#include "keyway/lib/time.hpp"
#include "keyway/lib/trace.hpp"
#include "keyway/peer/demux.hpp"
#include "keyway/sdp/negotiate.hpp"
#include "keyway/srtp/session.hpp"

namespace keyway::peer {

using ice::SocketAddr;

enum class Role : uint8_t { offerer, answerer };

// A TURN server: its URI (RFC 7065, "turn:127.0.0.1:3478?transport=udp",
// an IP literal) and long-term credentials. The strings need only outlive
// add_local_address (the agent copies them).
// Room a datagram needs in front of it to be wrapped for a TURN server
// (a Send indication: header, XOR-PEER-ADDRESS for IPv6, DATA header).
constexpr std::size_t kTurnHeadroom = 48;

struct TurnServerConfig {
  std::string_view uri{};
  std::string_view username{};
  std::string_view password{};
};

// ICE timing for calls: RFC 8445 §14.3 lets the check RTO be configured
// (its default floor is 500 ms). A lost first check then cost 500 ms of a
// ~175 ms setup; with 250 ms, keyway-bench call measures p95 at 10% loss and
// 50 ms RTT go from 775 ms to 525 ms.
// Ta 25 ms is proposed with a=ice-pacing (RFC 8445 §14.2, RFC 8839 §5.5) and
// used only if the peer proposes 25 ms or less too (the larger value wins; a
// peer that says nothing means 50 ms). Story (issue 12): DTLS waits for our
// own check to validate the pair; when our first check or its answer is lost,
// the triggered check that replaces it waited for the next 50 ms slot, and
// the peer's ClientHello (held) for its answer: keyway-bench call loss=0.1
// p50 195 -> 200 ms. A check slot every 25 ms is 40 checks/s of ~110 bytes
// while checking. Everything else stays at the defaults.
inline ice::Timing call_ice_timing() {
  ice::Timing t;
  t.min_rto = Duration::millis(250);
  t.ta = Duration::millis(25);
  return t;
}

struct Config {
  Role role = Role::offerer;
  dtls::Identity* identity = nullptr;  // our certificate (required)
  Rng* public_rng = nullptr;           // ICE credentials, tie-breaker, transaction ids (required)
  Rng* secret_rng = nullptr;           // DTLS randoms, ECDHE, signatures (required)
  bool ice_lite = false;               // answerer only (RFC 8445 §2.5)
  ice::Timing ice_timing = call_ice_timing();  // Ta, check RTO, consent (ice/timing.hpp)
  // Our DTLS role when the offer says actpass (RFC 8842 §3): active = client.
  sdp::Setup setup_for_actpass = sdp::Setup::active;
  // DTLS-SRTP protection profiles (RFC 5764 §4.1.2 ids), preference order.
  std::array<uint16_t, 4> srtp_profiles{srtp::kDtlsSrtpAeadAes128Gcm, srtp::kDtlsSrtpAes128CmSha1_80,
                                         srtp::kDtlsSrtpAeadAes256Gcm, srtp::kDtlsSrtpAes128CmSha1_32};
#if KEYWAY_PROFILE_MINIMAL
  std::size_t srtp_profile_count = 1;  // the minimal profile (meson -Dprofile=minimal): AEAD_AES_128_GCM only
#else
  std::size_t srtp_profile_count = 4;
#endif
  // Media: what to offer / accept, and our sending SSRCs.
  std::span<const sdp::Codec> audio_codecs;
  std::span<const sdp::Codec> video_codecs;  // empty: no video offered / video sections rejected
  std::span<const sdp::HeaderExtension> extensions;
  uint32_t audio_ssrc = 0;
  uint32_t video_ssrc = 0;
  std::string_view cname = "keyway";
  std::size_t dtls_mtu = 1200;
  // SRTP/SRTCP replay window per SSRC (RFC 3711 §3.3.2: at least 64), a
  // multiple of 64. 256 (issue 13): one window holds ~1 s of a 2.5 Mbit/s
  // video stream, enough for a packet the sender retransmits after a NACK
  // in the same SSRC; libsrtp's default is 128, libwebrtc's 1024. Each bit
  // is held per inbound SSRC twice (SRTP, SRTCP) and per outbound SSRC once:
  // 1024 cost a call with 2+2 SSRCs (4+4 slots) 1,536 bytes, 256 costs 384.
  std::size_t replay_window = 256;
  // From the first call after negotiation to SRTP keys: past this, the call
  // fails naming the stage it is stuck in (never a silent half-open call).
  Duration setup_timeout = Duration::seconds(30);
  // Server-reflexive candidates (RFC 8445 §5.1.1.2): every host address asks
  // these STUN servers (at most ice::kMaxStunServers) for its public mapping.
  // A description written once gathering_done() carries them; one written
  // earlier leaves out a=end-of-candidates (the peer learns the mapping as
  // peer-reflexive from our checks).
  std::span<const SocketAddr> stun_servers;
  // Memory bounds (defaults: what a browser's handshake and a call need).
  // DTLS handshake buffers, released once the handshake completes (dtls/endpoint.hpp):
  std::size_t dtls_max_handshake_message = 6144;  // largest handshake message body accepted
  std::size_t dtls_max_reassembly_bytes = 8192;   // buffered message bodies + bitmaps (>= 9/8 of the above)
  // SSRCs each SRTP session (one per direction) holds, each with its replay window.
  std::size_t srtp_max_streams = 16;
  // Parsing a remote description needs scratch: heap held only while
  // set_remote_answer / accept_offer run, sized for the text, at most this (issue 13).
  std::size_t sdp_arena_bytes = 48 * 1024;
  TraceSink* trace = nullptr;          // the step-by-step ladder (optional)
  // TURN (issue 14): relayed candidates from each server, allocated from the
  // first local address added. relay_only offers and uses nothing else (the
  // browsers' iceTransportPolicy 'relay'). With TURN servers, create_offer /
  // accept_offer wait for gathering: poll until gathering_done().
  std::span<const TurnServerConfig> turn_servers{};
  bool relay_only = false;
  // Issue 18: offer DTLS 1.3 and 1.2 (dtls::Config::offer_dtls13), as the
  // browsers do: 1.3 with a peer that offers it, 1.2 with one that does not
  // (RFC 8446 §4.2.1). false pins DTLS 1.2 (`keyway answer|offer --dtls 1.2`).
  bool dtls_offer_dtls13 = true;
  // dtls::Config::keep_key_log: the tools' --keylog, --html and the demo.
  // Also keeps the DTLS exporter secret after SRTP is keyed (for dtls()'s
  // export_keying_material and format_key_log); otherwise it is released.
  bool dtls_keep_key_log = false;
};

enum class State : uint8_t {
  new_,         // no description yet
  checking,     // ICE connectivity checks
  handshaking,  // DTLS over the selected pair
  connected,    // SRTP keys installed: media flows
  failed,
  closed,
};
const char* to_string(State s);

enum class EventKind : uint8_t {
  ice_connected,          // a pair was selected (local/remote)
  ice_disconnected,       // consent checks unanswered for a while
  dtls_handshake_complete,// suite, SRTP profile, EMS; the fingerprint matched
  srtp_ready,             // keys split and installed: media may flow
  rtp_received,           // data: decrypted RTP packet (in the caller's buffer)
  rtcp_received,          // data: decrypted RTCP compound packet
  failed,                 // error: which layer and why (see failure_text())
  closed,                 // close_notify received
};
const char* to_string(EventKind k);

struct Event {
  EventKind kind = EventKind::failed;
  Bytes data{};
  SocketAddr local{}, remote{};
  Error error{};

  bool is_failure() const { return kind == EventKind::failed; }
};

// ICE's Transmit and every engine's Output shape (lib/sans_io.hpp).
using keyway::Transmit;
using keyway::Verdict;
using Output = EngineOutput<Event>;

// What happened to media, per direction. Failures are counted, never raised.
struct SrtpStats {
  uint64_t rtp_sent = 0, rtcp_sent = 0, rtp_received = 0, rtcp_received = 0;
  uint64_t bytes_sent = 0, bytes_received = 0;
  uint64_t auth_failures = 0, replays = 0, malformed = 0, other_drops = 0;
  uint64_t dropped_before_keys = 0;  // media that arrived before SRTP was ready
  // The first few authentication failures, for troubleshooting.
  struct Failure {
    uint32_t ssrc = 0;
    uint16_t seq = 0;
    bool rtcp = false;
  };
  std::array<Failure, 4> first_failures{};
  std::size_t failure_log_count = 0;
};

// Packets and bytes of one kind in one direction.
struct Counter {
  uint64_t packets = 0, bytes = 0;
  void add(std::size_t n) {
    packets++;
    bytes += n;
  }
};

// Per-layer traffic seen by the demultiplexer (RFC 7983). Media packets and
// bytes are in srtp; each layer's own drop reasons are in ice().stats(),
// dtls()->stats() and srtp (summary() gathers them).
struct Stats {
  uint64_t datagrams_received = 0, unknown_datagrams = 0;
  Counter stun_in, stun_out, dtls_in, dtls_out;
  uint64_t dtls_dropped = 0;  // DTLS arriving before the remote description or after failure
  // DTLS, SRTP or SRTCP from an address ICE has not validated (RFC 7675): dropped.
  uint64_t untrusted_dropped = 0;
  uint64_t client_hellos_held = 0;  // kept until their source's pair validated (see HeldHello)
  uint64_t events_dropped = 0;      // poll_output not called while the event queue was full
  SrtpStats srtp;
};

// One look at every layer (issue 6): state, path, RTT, negotiated crypto.
struct Summary {
  State state = State::new_;
  ice::AgentState ice_state = ice::AgentState::gathering_or_new;
  bool has_selected_pair = false;
  SocketAddr selected_local{}, selected_remote{};
  std::optional<Duration> rtt;          // last ICE round trip on the selected pair
  bool dtls_client = false;
  const char* dtls_state = "none";
  const char* cipher_suite = "";        // IANA name, empty before the handshake completes
  const char* srtp_profile = "";        // RFC 5764 name, empty before SRTP is ready
  uint64_t dtls_retransmissions = 0;
  uint64_t dtls_records_dropped = 0;    // auth failures, replays, unknown epoch, malformed
  uint32_t dtls_flights_discarded = 0;  // damaged peer flights awaited again (dtls/peer_flight.cpp)
  uint32_t ice_integrity_failures = 0;
  uint32_t ice_dropped = 0;             // malformed, unknown transactions, other discards
  // The selected pair's candidate types ("host", "srflx", "prflx", "relay"; "" before one is selected).
  const char* local_candidate_type = "";
  const char* remote_candidate_type = "";
  // TURN, summed over the servers (ice/turn/client.hpp Stats).
  uint32_t turn_allocations = 0, turn_refreshes = 0, turn_permissions = 0, turn_channel_binds = 0;
  uint64_t turn_relayed_bytes_sent = 0, turn_relayed_bytes_received = 0;
};

class Connection {
 public:
  explicit Connection(const Config& config);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // --- setup (SDP) ------------------------------------------------------------
  // A host candidate on an address the caller has bound.
  [[nodiscard]] Status add_local_address(const SocketAddr& addr);
  // Offerer: writes the offer into out.
  [[nodiscard]] Result<std::string_view> create_offer(std::span<char> out, bool with_video = false);
  // Offerer: the answer arrives.
  [[nodiscard]] Status set_remote_answer(std::string_view answer);
  // Answerer: reads the offer and writes the answer into out.
  [[nodiscard]] Result<std::string_view> accept_offer(std::string_view offer, std::span<char> out);
  // Every local candidate is known (srflx and TURN answers are in): the
  // offer or answer may be written. Poll and feed datagrams until then.
  bool gathering_done() const { return ice_.gathering_done(); }
  // Trickled remote candidate ("candidate:..." text).
  [[nodiscard]] Status add_remote_candidate(std::string_view text);

  // --- sans-IO ----------------------------------------------------------------
  // to: the local address the datagram arrived on. Media is decrypted in place.
  // accepted: a layer used it; discarded: dropped and counted (stats(), and
  // each layer's own); fatal: it ended the call (a failed event follows).
  Verdict handle_datagram(Timestamp now, MutableBytes datagram, const SocketAddr& from, const SocketAddr& to);
  void handle_timeout(Timestamp now);
  Output poll_output(Timestamp now, MutableBytes scratch);

  // --- media ------------------------------------------------------------------
  // buffer[0..len) holds a plain RTP (RTCP) packet with room for the SRTP
  // trailer after it; protects in place and returns the datagram to send.
  [[nodiscard]] Result<Transmit> send_rtp(MutableBytes buffer, std::size_t len);
  [[nodiscard]] Result<Transmit> send_rtcp(MutableBytes buffer, std::size_t len);
  void close();

  // --- observation ------------------------------------------------------------
  State state() const { return state_; }
  const Stats& stats() const { return stats_; }
  const ice::Agent& ice() const { return ice_; }
  const dtls::Endpoint* dtls() const { return dtls_ ? &*dtls_ : nullptr; }
  bool dtls_client() const { return dtls_client_; }
  const srtp::Session& srtp_outbound() const { return srtp_out_; }
  const srtp::Session& srtp_inbound() const { return srtp_in_; }
  std::optional<srtp::Profile> srtp_profile() const { return profile_; }
  // "<layer>: <reason>" of the failure, empty while nothing failed.
  const char* failure_text() const;
  Summary summary() const;
  const char* last_timeout_reason() const { return timeout_reason_; }
  // Our fingerprint as SDP carries it ("sha-256 AB:CD:...").

 private:
  Status setup_available() const;
  Status apply_remote(const Config& config, const sdp::SessionDescription& desc, sdp::Setup our_setup);
  void agree_pacing(const Config& config, uint32_t remote_pacing_ms);
  Result<dtls::Fingerprint> choose_remote_fingerprint(const sdp::TransportView& t);
  Status gather_through_stun_servers(const SocketAddr& host);
  Status allocate_on_turn_servers();
  void start_dtls();
  void fail(const Error& e, const char* detail_fmt = nullptr, uint32_t a = 0, uint32_t b = 0);
  void fail_sdp(const Error& e, const sdp::ErrorLocation& where);
  // Queues an event of ours: its kind and, for media, the packet (pop_event
  // fills in the rest: the error of a failure, the path of ice_connected).
  void push_event(EventKind kind, Bytes data = {});
  bool poll_ice(Timestamp now, MutableBytes scratch, Output& out);
  bool poll_dtls(Timestamp now, MutableBytes scratch, Output& out);
  void on_dtls_event(const dtls::Event& e);
  void install_srtp();
  Verdict on_media(MutableBytes datagram, bool rtcp);
  Result<Transmit> send_media(MutableBytes buffer, std::size_t len, bool rtcp);
  bool media_path(SocketAddr& local, SocketAddr& remote) const;
  Verdict demultiplex(Timestamp now, MutableBytes datagram, const SocketAddr& from, const SocketAddr& to);
  Verdict on_dtls_datagram(Timestamp now, MutableBytes datagram, const SocketAddr& from, const SocketAddr& to);
  bool hold_or_drop(MutableBytes datagram, const SocketAddr& from, const SocketAddr& to);
  void replay_held_hello(Timestamp now);
  void seed_dtls_rtt(Timestamp now);
  void note_received_alert();
  void on_closed();
  void maybe_ready();
  void note_retransmitted_rtt(Timestamp now);
  void note_dtls_start();
  void trace_ice_connected();
  Result<Transmit> relay_if_needed(const SocketAddr& local, const SocketAddr& remote, MutableBytes buf,
                                   std::size_t offset, std::size_t len);

  // The Config is read whole only while the call is set up (SDP, the DTLS
  // endpoint, the SRTP tables): a heap copy until SRTP keys are installed
  // (issue 13: 328 bytes a running call never reads); what a running call
  // reads stays beside it. The DTLS RTT stand-in (note_retransmitted_rtt())
  // is setup-only too (issue 17).
  struct Setup {
    Config config;
    std::optional<Duration> fallback_rtt;
  };
  std::unique_ptr<Setup> setup_;
  TraceSink* trace_ = nullptr;
  std::span<const SocketAddr> stun_servers_;            // add_local_address, any time
  std::span<const TurnServerConfig> turn_servers_;
  ice::Agent ice_;
  std::optional<dtls::Endpoint> dtls_;
  srtp::Session srtp_out_, srtp_in_;
  Stats stats_{};

  // One ClientHello that overtook the check response validating its pair
  // (connection_io.cpp): one slot, never more, on the heap only while a
  // hello is held (a setup-time event: issue 13).
  struct HeldHello {
    static constexpr std::size_t kCapacity = 1500;  // one Ethernet-MTU datagram
    std::array<uint8_t, kCapacity> bytes{};
    std::size_t len = 0;
    SocketAddr from{}, to{};  // its source, and the local address it arrived on
  };
  std::unique_ptr<HeldHello> held_;
  void check_setup_deadline(Timestamp now);
  Timestamp setup_deadline_ = Timestamp::never();
  Timestamp now_ = Timestamp::zero();  // the latest time given (lib/sans_io.hpp clamp_time)
  Timestamp ice_deadline_ = Timestamp::zero();
  Timestamp dtls_deadline_ = Timestamp::never();

  // Events wait in a compact form (issue 13): a queued Event was 80 bytes,
  // 56 of them addresses only ice_connected carries and an error only
  // failed carries. ice_connected's path is the agent's selected path (it
  // is popped by the poll_output that pushed it: poll_ice runs on an empty
  // queue), and the failure's error waits beside the queue (fail() reports
  // once); pop_event() rebuilds the Event.
  struct QueuedEvent {
    const uint8_t* data = nullptr;  // data: media decrypted in the caller's buffer
    uint32_t len = 0;
    EventKind kind = EventKind::failed;
    bool is_failure() const { return kind == EventKind::failed; }
  };
  Event pop_event();
  static constexpr std::size_t kMaxEvents = 16;
  EventQueue<QueuedEvent, kMaxEvents> events_;
  Error failure_{};                                    // the failed event's error

  // Why the call failed, formatted (failure_text()): on the heap from the
  // failure on (issue 17: 240 bytes a working call never reads).
  static constexpr std::size_t kFailureTextSize = 240;
  std::unique_ptr<char[]> failure_text_;
  const char* timeout_reason_ = "idle";

  // The one- and two-byte members together (issue 13: no padding after each).
  bool turn_added_ = false;
  bool turn_closed_ = false;
  State state_ = State::new_;
  bool dtls_client_ = false;
  bool dtls_rtt_seeded_ = false;
  std::optional<dtls::AlertDescription> received_alert_;
  bool alert_noted_ = false;
  bool ready_announced_ = false;
  bool dtls_start_noted_ = false;  // the trace said how DTLS started (note_dtls_start)
  uint8_t remote_ssrcs_ = 0;  // distinct a=ssrc ids in the remote description (sizes srtp_in_)
  std::optional<srtp::Profile> profile_;
  // The peer has started DTLS (a datagram from a validated address, or held).
  bool have_dtls_peer_ = false;
};

}  // namespace keyway::peer
