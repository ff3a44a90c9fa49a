// SPDX-License-Identifier: Apache-2.0
// peer::Connection: setup (SDP) and the layer glue. Packet I/O is in
// connection_io.cpp.
#include "keyway/peer/connection.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>

#include "keyway/ice/turn/uri.hpp"
#include "keyway/peer/srtp_keys.hpp"
#include "keyway/sdp/parse.hpp"
#include "keyway/sdp/webrtc.hpp"

namespace keyway::peer {

namespace {

ice::Config ice_config(const Config& c) {
  ice::Config ic;
  ic.controlling = c.role == Role::offerer;  // RFC 8445 §6.1.1: the offerer controls (unless lite)
  ic.lite = c.role == Role::answerer && c.ice_lite;
  ic.rng = c.public_rng;
  ic.software = "keyway";
  ic.timing = c.ice_timing;
  ic.relay_only = c.relay_only;
  return ic;
}

// Strongest hash first (issue 6: "the strongest supported hash present").
int hash_rank(sdp::HashFunction h) {
  switch (h) {
    case sdp::HashFunction::sha_384: return 3;
    case sdp::HashFunction::sha_256: return 2;
    case sdp::HashFunction::sha_1: return 1;
    default: return 0;
  }
}

dtls::FingerprintHash to_dtls_hash(sdp::HashFunction h) {
  switch (h) {
    case sdp::HashFunction::sha_384: return dtls::FingerprintHash::sha384;
    case sdp::HashFunction::sha_1: return dtls::FingerprintHash::sha1;
    default: return dtls::FingerprintHash::sha256;
  }
}

// Scratch for one parsed remote description: heap that lives only while
// set_remote_answer / accept_offer run, so an established call does not
// carry it (issue 13). What outlives negotiation is copied out by
// apply_remote (fingerprint, ICE credentials, candidates). Its size is what
// this text needs (sdp::arena_bytes_needed: its lines, a= lines and m=
// sections counted first, not the per-line upper bound), at most
// Config::sdp_arena_bytes. A text parse() will refuse before allocating gets
// a one-byte scratch: the parse error is what the caller sees.
constexpr sdp::ParseOptions kRemoteParse{sdp::Mode::lenient, {}};
struct SdpScratch {
  SdpScratch(std::string_view text, std::size_t limit)
      : SdpScratch(std::max<std::size_t>(1, std::min(sdp::arena_bytes_needed(text, kRemoteParse), limit))) {}
  explicit SdpScratch(std::size_t n) : bytes(new (std::nothrow) std::byte[n]), size(bytes ? n : 0) {}
  std::unique_ptr<std::byte[]> bytes;
  std::size_t size;
  std::span<std::byte> span() { return {bytes.get(), size}; }
};

// Distinct SSRC ids of the a=ssrc lines (RFC 5576 §4.1) in every section,
// at most kMaxCounted: what the peer says it will send on.
std::size_t count_announced_ssrcs(const sdp::SessionDescription& desc) {
  constexpr std::size_t kMaxCounted = 32;
  uint32_t seen[kMaxCounted];
  std::size_t n = 0;
  for (const sdp::MediaDescription& m : desc.media) {
    for (const sdp::Attribute& a : m.attributes) {
      if (a.name != "ssrc") continue;
      auto s = sdp::parse_ssrc(a.value);
      if (!s.ok() || std::find(seen, seen + n, s->ssrc) != seen + n) continue;
      if (n == kMaxCounted) return n;
      seen[n++] = s->ssrc;
    }
  }
  return n;
}

const Error kNoSdpScratch = make_error(Layer::peer, Code::capacity, "no heap for the SDP arena (Config::sdp_arena_bytes)");
const Error kNeedsDtlsServer = make_error(Layer::peer, Code::illegal_parameter,
                                          "the offer makes us the DTLS server (a=setup:active), and this build is "
                                          "the DTLS client only (device profile, RFC 5763 §5)");

}  // namespace

const char* to_string(State s) {
  switch (s) {
    case State::new_: return "new";
    case State::checking: return "checking";
    case State::handshaking: return "handshaking";
    case State::connected: return "connected";
    case State::failed: return "failed";
    case State::closed: return "closed";
  }
  return "?";
}

const char* to_string(EventKind k) {
  switch (k) {
    case EventKind::ice_connected: return "ice_connected";
    case EventKind::ice_disconnected: return "ice_disconnected";
    case EventKind::dtls_handshake_complete: return "dtls_handshake_complete";
    case EventKind::srtp_ready: return "srtp_ready";
    case EventKind::rtp_received: return "rtp_received";
    case EventKind::rtcp_received: return "rtcp_received";
    case EventKind::failed: return "failed";
    case EventKind::closed: return "closed";
  }
  return "?";
}

Connection::Connection(const Config& config)
    : setup_(new (std::nothrow) Setup{config, std::nullopt}),
      trace_(config.trace),
      stun_servers_(config.stun_servers),
      turn_servers_(config.turn_servers),
      ice_(ice_config(config)) {}

// The setup copy of the Config is there until SRTP keys are installed
// (issue 13), unless the heap had no room for it when constructed.
Status Connection::setup_available() const {
  if (setup_ != nullptr) return ok_status();
  if (profile_) return make_error(Layer::peer, Code::bad_state, "the call is set up (SRTP keys installed): no new description");
  return make_error(Layer::peer, Code::capacity, "no heap for the setup copy of peer::Config");
}

Status Connection::add_local_address(const SocketAddr& addr) {
  if (stun_servers_.size() > ice::kMaxStunServers)  // refused before anything changes
    return make_error(Layer::peer, Code::capacity, "Config::stun_servers: more than ice::kMaxStunServers");
  auto c = ice_.add_local_host(addr);
  if (!c.ok()) return c.error();
  TRY(gather_through_stun_servers(addr));
  return allocate_on_turn_servers();
}

// RFC 8445 §5.1.1.2: the new host asks each STUN server of its family.
Status Connection::gather_through_stun_servers(const SocketAddr& host) {
  for (const SocketAddr& server : stun_servers_) {
    if (server.family != host.family) continue;
    TRY(ice_.add_stun_server(server));
  }
  return ok_status();
}

// RFC 8445 §5.1.1.2, RFC 8656 §7.1: relayed candidates, allocated once from
// the first local address (ice/agent_relay.cpp).
Status Connection::allocate_on_turn_servers() {
  if (turn_added_ || turn_servers_.empty()) return ok_status();
  ENSURE(profile::kTurn, make_error(Layer::peer, Code::invalid_argument, "TURN servers configured, but TURN is not in this build (meson -Dprofile=minimal)"));
  turn_added_ = true;
  for (const TurnServerConfig& t : turn_servers_) {
    auto uri = ice::turn::parse_uri(t.uri);
    if (!uri.ok()) return uri.error();
    TRY(ice_.add_turn_server(ice::TurnServer{uri->server, uri->transport, t.username, t.password}));
  }
  return ok_status();
}

// Writes our candidates as SDP candidate values ("<foundation> 1 udp ...").
namespace {
// The text lives on the heap, sized for the candidates offered, for the
// call of create_offer or accept_offer: on the stack, room for every
// candidate (3.2 KB) was most of a microcontroller's 8 KiB (issue 17).
struct CandidateTexts {
  std::unique_ptr<char[]> text;
  std::string_view views[ice::kMaxLocalCandidates];
  std::size_t count = 0;
};

Status collect_candidates(const ice::Agent& agent, CandidateTexts& out) {
  std::size_t offered = 0;
  for (const ice::CandidateCore& c : agent.local_candidates()) offered += agent.offered(c) ? 1 : 0;
  const std::size_t room = std::min(offered, ice::kMaxLocalCandidates) * ice::kMaxCandidateText;
  if (room == 0) return ok_status();
  out.text.reset(new (std::nothrow) char[room]);
  if (!out.text) return make_error(Layer::peer, Code::capacity, "no heap for the candidate lines");
  std::size_t used = 0;
  for (const ice::CandidateCore& c : agent.local_candidates()) {
    if (out.count >= ice::kMaxLocalCandidates) break;
    if (!agent.offered(c)) continue;  // relay-only: host addresses stay private
    auto n = c.write(out.text.get() + used, room - used);
    if (!n.ok()) return n.error();
    std::string_view line(out.text.get() + used, *n);
    static constexpr std::string_view kPrefix = "candidate:";
    if (line.substr(0, kPrefix.size()) == kPrefix) line.remove_prefix(kPrefix.size());
    out.views[out.count++] = line;
    used += *n + 1;
  }
  return ok_status();
}

// Our certificate's a=fingerprint value (RFC 8122 §5): "sha-256 " and 32 hex
// pairs with colons. Formatted for each description written, while the
// Config (and its identity) is there: issue 17, not 104 bytes in every
// Connection for the whole call.
struct LocalFingerprint {
  char text[8 + 32 * 3] = {};
  std::size_t len = 0;

  explicit LocalFingerprint(const dtls::Identity& identity) {
    static constexpr char kPrefix[] = "sha-256 ";
    std::memcpy(text, kPrefix, sizeof kPrefix - 1);
    len = sizeof kPrefix - 1;
    dtls::Fingerprint fp = dtls::fingerprint(dtls::FingerprintHash::sha256, identity.certificate_der());
    len += dtls::format_fingerprint(fp, text + len, sizeof text - len);
  }
  std::string_view view() const { return {text, len}; }
};

sdp::LocalTransport local_transport(const ice::Agent& agent, std::string_view fp, const CandidateTexts& cands,
                                    bool lite, Duration ta) {
  sdp::LocalTransport t;
  t.fingerprint = fp;
  t.ice_ufrag = agent.local_credentials().ufrag_view();
  t.ice_pwd = agent.local_credentials().pwd_view();
  t.candidates = {cands.views, cands.count};
  t.end_of_candidates = !agent.gathering_pending();  // host candidates are known up front; srflx once gathered
  t.ice_lite = lite;
  t.trickle = false;
  // RFC 8445 §14.2: a Ta other than the 50 ms default is proposed to the peer.
  int64_t ta_ms = ta.as_millis();
  if (ta_ms != 50 && ta_ms > 0) t.ice_pacing_ms = static_cast<uint32_t>(ta_ms);
  return t;
}
}  // namespace

Result<std::string_view> Connection::create_offer(std::span<char> out, bool with_video) {
  TRY(setup_available());
  const Config& config = setup_->config;
  ENSURE(config.role == Role::offerer, make_error(Layer::peer, Code::bad_state, "create_offer: not the offerer"));
  ENSURE(config.identity != nullptr, make_error(Layer::peer, Code::invalid_argument, "no DTLS identity configured"));
  CandidateTexts cands;
  TRY(collect_candidates(ice_, cands));
  sdp::LocalMedia media[2];
  std::size_t n = 0;
  media[n].kind = sdp::MediaKind::audio;
  media[n].mid = "0";
  media[n].codecs = config.audio_codecs;
  media[n].extensions = config.extensions;
  media[n].sender.ssrc = config.audio_ssrc;
  media[n].sender.cname = config.cname;
  media[n].sender.stream_id = "keyway";
  media[n].sender.track_id = "audio0";
  ++n;
  if (with_video && !config.video_codecs.empty()) {
    media[n].kind = sdp::MediaKind::video;
    media[n].mid = "1";
    media[n].codecs = config.video_codecs;
    media[n].extensions = config.extensions;
    media[n].sender.ssrc = config.video_ssrc;
    media[n].sender.cname = config.cname;
    media[n].sender.stream_id = "keyway";
    media[n].sender.track_id = "video0";
    ++n;
  }
  sdp::OfferOptions opt;
  opt.session_id = config.public_rng->next_u64() >> 2;  // JSEP §5.2.1: < 2^63
  LocalFingerprint fp(*config.identity);
  opt.transport = local_transport(ice_, fp.view(), cands, false, config.ice_timing.ta);
  opt.media = {media, n};
  return sdp::create_offer(opt, out);
}

Status Connection::set_remote_answer(std::string_view answer) {
  TRY(setup_available());
  const Config& config = setup_->config;
  ENSURE(config.role == Role::offerer, make_error(Layer::peer, Code::bad_state, "set_remote_answer: not the offerer"));
  ENSURE(state_ == State::new_, make_error(Layer::peer, Code::bad_state, "set_remote_answer: already negotiated"));
  SdpScratch scratch(answer, config.sdp_arena_bytes);
  if (scratch.size == 0) {
    fail(kNoSdpScratch);
    return kNoSdpScratch;
  }
  sdp::Arena arena(scratch.span());
  sdp::ErrorLocation where;  // failure_text() names the SDP line (issue 15)
  auto desc = sdp::parse(answer, arena, kRemoteParse, &where);
  if (!desc.ok()) {
    fail_sdp(desc.error(), where);
    return desc.error();
  }
  // Our offer said actpass, so the answer decides (RFC 8842 §3); an answer
  // without a=setup is taken as active (RFC 4145 §4 default for answers).
  auto remote = sdp::read_remote(*desc, &where);
  if (!remote.ok()) {
    fail_sdp(remote.error(), where);
    return remote.error();
  }
  sdp::Setup theirs = remote->transport.has_setup ? remote->transport.setup : sdp::Setup::active;
  if (theirs == sdp::Setup::actpass) {
    Error e = make_error(Layer::sdp, Code::illegal_parameter, "answer uses a=setup:actpass (must be active or passive)");
    fail(e);
    return e;
  }
  sdp::Setup ours = theirs == sdp::Setup::active ? sdp::Setup::passive : sdp::Setup::active;
  Status st = apply_remote(config, *desc, ours);
  if (!st.ok()) fail(st.error());
  return st;
}

Result<std::string_view> Connection::accept_offer(std::string_view offer, std::span<char> out) {
  TRY(setup_available());
  const Config& config = setup_->config;
  ENSURE(config.role == Role::answerer, make_error(Layer::peer, Code::bad_state, "accept_offer: not the answerer"));
  ENSURE(state_ == State::new_, make_error(Layer::peer, Code::bad_state, "accept_offer: already negotiated"));
  ENSURE(config.identity != nullptr, make_error(Layer::peer, Code::invalid_argument, "no DTLS identity configured"));
  SdpScratch scratch(offer, config.sdp_arena_bytes);
  if (scratch.size == 0) {
    fail(kNoSdpScratch);
    return kNoSdpScratch;
  }
  sdp::Arena arena(scratch.span());
  sdp::ErrorLocation where;  // failure_text() names the SDP line (issue 15)
  auto desc = sdp::parse(offer, arena, kRemoteParse, &where);
  if (!desc.ok()) {
    fail_sdp(desc.error(), where);
    return desc.error();
  }
  CandidateTexts cands;
  TRY(collect_candidates(ice_, cands));
  sdp::AnswerOptions opt;
  opt.session_id = config.public_rng->next_u64() >> 2;
  LocalFingerprint fp(*config.identity);
  opt.transport = local_transport(ice_, fp.view(), cands, config.ice_lite, config.ice_timing.ta);
  opt.setup_for_actpass = config.setup_for_actpass;
  opt.audio_codecs = config.audio_codecs;
  opt.video_codecs = config.video_codecs;
  opt.extensions = config.extensions;
  opt.audio_sender.ssrc = config.audio_ssrc;
  opt.audio_sender.cname = config.cname;
  opt.audio_sender.stream_id = "keyway";
  opt.audio_sender.track_id = "audio0";
  opt.video_sender.ssrc = config.video_ssrc;
  opt.video_sender.cname = config.cname;
  opt.video_sender.stream_id = "keyway";
  opt.video_sender.track_id = "video0";
  sdp::AnswerSummary summary;
  auto text = sdp::create_answer(*desc, opt, out, &summary, &where);
  if (!text.ok()) {
    fail_sdp(text.error(), where);
    return text.error();
  }
  // Without the DTLS server role (lib/profile.hpp, the device profile) the
  // answerer must be the client: a=setup:active in the answer (RFC 5763 §5).
  if (!profile::kDtlsServer && summary.local_setup != sdp::Setup::active) {
    fail(kNeedsDtlsServer);
    return kNeedsDtlsServer;
  }
  Status st = apply_remote(config, *desc, summary.local_setup);
  if (!st.ok()) {
    fail(st.error());
    return st.error();
  }
  return *text;
}

// Accepts "a=candidate:...", "candidate:..." or the bare SDP value.
Status Connection::add_remote_candidate(std::string_view text) {
  if (text.substr(0, 2) == "a=") text.remove_prefix(2);
  static constexpr std::string_view kPrefix = "candidate:";
  if (text.substr(0, kPrefix.size()) == kPrefix) return ice_.add_remote_candidate(text);
  char line[ice::kMaxCandidateText + 16];
  ENSURE(text.size() + kPrefix.size() < sizeof line,
         make_error(Layer::ice, Code::malformed, "candidate: line too long"));
  std::memcpy(line, kPrefix.data(), kPrefix.size());
  std::memcpy(line + kPrefix.size(), text.data(), text.size());
  return ice_.add_remote_candidate(std::string_view(line, kPrefix.size() + text.size()));
}

// Picks the strongest a=fingerprint hash we can compute (RFC 8122 §5).
Result<dtls::Fingerprint> Connection::choose_remote_fingerprint(const sdp::TransportView& t) {
  const sdp::Fingerprint* best = nullptr;
  for (const sdp::Fingerprint& f : t.fingerprint_list())
    if (hash_rank(f.hash) > 0 && (best == nullptr || hash_rank(f.hash) > hash_rank(best->hash))) best = &f;
  if (t.fingerprint_count == 0)
    return make_error(Layer::sdp, Code::malformed, "remote description has no a=fingerprint (DTLS-SRTP needs one)");
  if (best == nullptr)
    return make_error(Layer::sdp, Code::unsupported, "no a=fingerprint uses a supported hash (sha-1, sha-256, sha-384)");
  dtls::Fingerprint fp{};
  fp.hash = to_dtls_hash(best->hash);
  fp.len = best->length;
  std::memcpy(fp.digest, best->digest.data(), best->length < sizeof fp.digest ? best->length : sizeof fp.digest);
  return fp;
}

// Remote ICE parameters and fingerprint; the DTLS endpoint for our role.
// RFC 8445 §14.2, RFC 8839 §5.5: both agents use the larger of the two
// proposed pacings; a side that proposes none counts as the 50 ms default.
// So a shorter Ta (peer::call_ice_timing) is used only when the peer asked
// for one too.
void Connection::agree_pacing(const Config& config, uint32_t remote_pacing_ms) {
  Duration theirs = Duration::millis(remote_pacing_ms != 0 ? remote_pacing_ms : 50);
  Duration ours = config.ice_timing.ta;
  ice_.set_pacing(theirs > ours ? theirs : ours);
}

Status Connection::apply_remote(const Config& config, const sdp::SessionDescription& desc, sdp::Setup our_setup) {
  auto remote = sdp::read_remote(desc);
  if (!remote.ok()) return remote.error();
  const sdp::TransportView& t = remote->transport;
  auto remote_fp = choose_remote_fingerprint(t);
  if (!remote_fp.ok()) return remote_fp.error();
  TRY(ice_.set_remote_credentials(t.ice_ufrag, t.ice_pwd));
  for (std::string_view c : sdp::candidates(t)) {
    Status st = add_remote_candidate(c);
    (void)st;  // unusable candidates (tcp, other components, garbage) are counted by ICE, not fatal
  }
  if (t.end_of_candidates) ice_.end_of_remote_candidates();
  agree_pacing(config, t.ice_pacing_ms);
  remote_ssrcs_ = static_cast<uint8_t>(count_announced_ssrcs(desc));

  dtls_client_ = our_setup == sdp::Setup::active;  // RFC 8842 §3: active = DTLS client
  dtls::Config dc;
  dc.role = dtls_client_ ? dtls::Role::client : dtls::Role::server;
  dc.identity = config.identity;
  dc.rng = config.secret_rng;
  for (std::size_t i = 0; i < config.srtp_profile_count && i < config.srtp_profiles.size(); ++i)
    dc.srtp_profiles.push(config.srtp_profiles[i]);
  // RFC 8842 §5, RFC 6347 §4.2.1: no cookie, because ICE verifies the path:
  // DTLS reaches the endpoint only from an address ICE validated (connection_io.cpp).
  dc.cookie_exchange = false;
  dc.require_client_certificate = true;
  dc.offer_dtls13 = config.dtls_offer_dtls13;
  dc.keep_key_log = config.dtls_keep_key_log;
  dc.mtu = config.dtls_mtu;
  dc.max_handshake_message = config.dtls_max_handshake_message;
  dc.max_reassembly_bytes = config.dtls_max_reassembly_bytes;
  dc.trace = trace_;
  dtls_.emplace(dc);
  dtls_->set_remote_fingerprint(*remote_fp);
  state_ = State::checking;
  tracef(trace_, Layer::peer, "remote description applied: %s ICE, we are DTLS %s (a=setup:%s), fingerprint %s",
         t.ice_lite ? "lite" : "full", dtls_client_ ? "client" : "server", sdp::to_string(our_setup),
         dtls::fingerprint_hash_name(remote_fp->hash));
  return ok_status();
}

void Connection::push_event(EventKind kind, Bytes data) {
  // Bounded (media floods while the caller does not poll): the new event is
  // dropped and counted, but a failure always gets in (lib/sans_io.hpp).
  QueuedEvent q;
  q.kind = kind;
  q.len = static_cast<uint32_t>(data.size());
  q.data = data.data();
  if (!events_.push(q)) stats_.events_dropped++;
}

Event Connection::pop_event() {
  QueuedEvent q = events_.pop();
  Event e;
  e.kind = q.kind;
  e.data = Bytes(q.data, q.len);
  if (q.kind == EventKind::failed) e.error = failure_;
  if (q.kind == EventKind::ice_connected) {  // pushed by this poll_output: the path ICE selected
    e.local = ice_.selected_local();
    e.remote = ice_.selected_remote();
  }
  return e;
}

void Connection::fail_sdp(const Error& e, const sdp::ErrorLocation& where) {
  if (where.line_number == 0) return fail(e);
  fail(e, "(SDP line %u)", where.line_number);
}

const char* Connection::failure_text() const {
  if (failure_text_) return failure_text_.get();
  return state_ == State::failed ? "failed (no heap to format why)" : "";
}

void Connection::fail(const Error& e, const char* detail_fmt, uint32_t a, uint32_t b) {
  if (state_ == State::failed) return;
  failure_text_.reset(new (std::nothrow) char[kFailureTextSize]);  // failure_text() copes without
  if (failure_text_) {
    char base[160];
    format_error(e, base, sizeof base);
    if (detail_fmt != nullptr) {
      char extra[64];
      std::snprintf(extra, sizeof extra, detail_fmt, a, b);
      std::snprintf(failure_text_.get(), kFailureTextSize, "%s %s", base, extra);
    } else {
      std::snprintf(failure_text_.get(), kFailureTextSize, "%s", base);
    }
  }
  state_ = State::failed;
  // Nothing more is sent after a failure. After an ICE failure that is the
  // rule: without consent an agent stops transmitting (RFC 7675 §5.1). Every
  // DTLS-layer failure already carried its fatal alert from the endpoint.
  failure_ = e;
  push_event(EventKind::failed);
  tracef(trace_, Layer::peer, "FAILED: %s", failure_text());
}

void Connection::close() {
  if (dtls_) dtls_->close();
  if (state_ != State::failed) state_ = State::closed;
}

}  // namespace keyway::peer

namespace keyway::peer {

namespace {
const char* handshake_state_name(dtls::HandshakeState s) {
  switch (s) {
    case dtls::HandshakeState::established: return "connected";
    case dtls::HandshakeState::closed: return "closed";
    case dtls::HandshakeState::failed: return "failed";
    default: return "connecting";
  }
}
}  // namespace

Summary Connection::summary() const {
  Summary s;
  s.state = state_;
  s.ice_state = ice_.state();
  s.has_selected_pair = ice_.has_selected();
  if (s.has_selected_pair) {
    s.selected_local = ice_.selected_local();
    s.selected_remote = ice_.selected_remote();
  }
  s.rtt = ice_.selected_rtt();
  const ice::AgentStats& is = ice_.stats();
  s.ice_integrity_failures = is.integrity_failures;
  s.ice_dropped = is.malformed + is.unknown_transactions + is.dropped;
  s.dtls_client = dtls_client_;
  if (dtls_) {
    s.dtls_state = handshake_state_name(dtls_->state());
    if (dtls_->is_established() && dtls_->negotiated_suite() != nullptr)
      s.cipher_suite = dtls_->negotiated_suite()->iana_name;
    const dtls::Stats& ds = dtls_->stats();
    s.dtls_retransmissions = ds.retransmissions;
    s.dtls_records_dropped =
        ds.records_auth_failed + ds.records_replayed + ds.records_unknown_epoch + ds.records_malformed;
    s.dtls_flights_discarded = ds.flights_discarded;
  }
  if (profile_) s.srtp_profile = srtp::profile_info(*profile_).name;
  if (auto t = ice_.selected_local_type()) s.local_candidate_type = ice::to_string(*t);
  if (auto t = ice_.selected_remote_type()) s.remote_candidate_type = ice::to_string(*t);
  for (const ice::turn::Client& t : ice_.turn_clients()) {
    const ice::turn::Stats& ts = t.stats();
    s.turn_allocations += ts.allocations;
    s.turn_refreshes += ts.refreshes;
    s.turn_permissions += ts.permissions;
    s.turn_channel_binds += ts.channel_binds;
    s.turn_relayed_bytes_sent += ts.relayed_bytes_sent;
    s.turn_relayed_bytes_received += ts.relayed_bytes_received;
  }
  return s;
}

}  // namespace keyway::peer
