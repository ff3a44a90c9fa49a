// SPDX-License-Identifier: Apache-2.0
// peer::Connection: datagrams in, outputs out (RFC 7983 demultiplexing),
// and the hand-offs ICE -> DTLS -> exporter -> SRTP.
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>

#include "keyway/peer/connection.hpp"
#include "keyway/peer/srtp_keys.hpp"
#include "keyway/srtp/rtp_header.hpp"

namespace keyway::peer {

Verdict Connection::handle_datagram(Timestamp now, MutableBytes datagram, const SocketAddr& from,
                                    const SocketAddr& to) {
  now = clamp_time(now_, now);
  bool was_failed = state_ == State::failed;
  // TURN framing comes off before the demultiplexer sees the inner datagram
  // (architecture.md "Trust at the joints"): it then arrived on our relayed
  // address from the peer, and is judged like any datagram from there.
  // Without TURN in the build (lib/profile.hpp) nothing arrives relayed.
  const ice::Relayed relayed = profile::kTurn ? ice_.unwrap_relayed(now, datagram, from, to) : ice::Relayed{};
  if (relayed.from_relay) {
    if (relayed.data.empty()) {  // the TURN client's own traffic
      stats_.datagrams_received++;
      return Verdict::accepted;
    }
    auto offset = static_cast<std::size_t>(relayed.data.data() - datagram.data());
    MutableBytes inner(datagram.data() + offset, relayed.data.size());
    Verdict v = demultiplex(now, inner, relayed.from, relayed.to);
    return !was_failed && state_ == State::failed ? Verdict::fatal : v;
  }
  Verdict v = demultiplex(now, datagram, from, to);
  return !was_failed && state_ == State::failed ? Verdict::fatal : v;
}

// RFC 7983 §7: the first byte says which layer a datagram is for.
Verdict Connection::demultiplex(Timestamp now, MutableBytes datagram, const SocketAddr& from, const SocketAddr& to) {
  stats_.datagrams_received++;
  switch (classify(datagram)) {
    case PacketKind::stun: {
      stats_.stun_in.add(datagram.size());
      // A failed call answers no more checks, so the peer's consent expires
      // (RFC 7675 §5.1) instead of a half-open call staying "connected".
      if (state_ == State::failed) return Verdict::discarded;
      Verdict v = ice_.handle_datagram(now, datagram, from, to);
      note_retransmitted_rtt(now);
      return v;
    }
    case PacketKind::dtls:
      stats_.dtls_in.add(datagram.size());
      return on_dtls_datagram(now, datagram, from, to);
    case PacketKind::rtp:
    case PacketKind::rtcp:
      if (!ice_.validated_path(to, from)) {  // see on_dtls_datagram
        stats_.untrusted_dropped++;
        return Verdict::discarded;
      }
      return on_media(datagram, classify(datagram) == PacketKind::rtcp);
    case PacketKind::turn_channel:  // ChannelData not from one of our TURN servers
    case PacketKind::unknown:
      stats_.unknown_datagrams++;
      return Verdict::discarded;
  }
  return Verdict::discarded;
}

// Trust at the joints: DTLS (like SRTP and SRTCP) is taken only from a
// remote address ICE has validated — our check to it drew an authenticated
// response (RFC 8445 §7.2.5.3), or, on a lite agent, its authenticated check
// arrived (§2.5) — as libwebrtc drops non-STUN datagrams from unknown
// remotes. Anything else could come from anyone: answering it would reflect
// and amplify (cookies are off in calls), and its alert could end the call.
Verdict Connection::on_dtls_datagram(Timestamp now, MutableBytes datagram, const SocketAddr& from,
                                     const SocketAddr& to) {
  if (!dtls_ || state_ == State::failed) {
    stats_.dtls_dropped++;
    return Verdict::discarded;
  }
  if (!ice_.validated_path(to, from)) {
    if (!hold_or_drop(datagram, from, to)) return Verdict::discarded;
    ice_.check_again(to, from);
    return Verdict::accepted;  // held, not dropped
  }
  held_.reset();  // the handshake goes on with a validated peer
  have_dtls_peer_ = true;
  note_dtls_start();
  seed_dtls_rtt(now);  // the server's first flight is armed by this datagram
  return dtls_->handle_datagram(now, datagram);
}

// The peer's check can succeed before ours does (ours or its response was
// lost), so its ClientHello may overtake the response that validates our
// pair. If it comes from an address whose authenticated check we answered
// (RFC 8445 §7.3.1.4: our triggered check toward it is on its way), it is
// kept in one fixed slot (the newest wins) and fed to DTLS once that address
// validates, so the peer need not retransmit it; and the caller checks that
// address again at once rather than at the next retransmission (a check is
// smaller than a ClientHello, and goes only where an authenticated check
// came from). Everything else is dropped and counted.
bool Connection::hold_or_drop(MutableBytes datagram, const SocketAddr& from, const SocketAddr& to) {
  // RFC 6347 §4.1: the record header is type (byte 0), version, epoch
  // (bytes 3..4), 48-bit sequence, length (13 bytes in all); then the
  // handshake header's msg_type (RFC 5246 §7.4).
  constexpr std::size_t kEpochAt = 3, kMsgTypeAt = 13;
  const bool client_hello = datagram.size() > kMsgTypeAt &&
                            datagram[0] == static_cast<uint8_t>(dtls::ContentType::handshake) &&
                            load_be16(datagram, kEpochAt) == 0 &&
                            datagram[kMsgTypeAt] == static_cast<uint8_t>(dtls::HandshakeType::client_hello);
  // Only a DTLS server is sent a ClientHello: without the server role
  // (lib/profile.hpp kDtlsServer, the device profile) nothing is held.
  const bool dtls_server = profile::kDtlsServer && !dtls_client_;
  if (!dtls_server || !client_hello || !ice_.authenticated_remote(from) || datagram.size() > HeldHello::kCapacity) {
    stats_.untrusted_dropped++;
    return false;
  }
  if (!held_) held_.reset(new (std::nothrow) HeldHello);
  if (!held_) {  // no heap for the slot: the peer retransmits it
    stats_.untrusted_dropped++;
    return false;
  }
  std::memcpy(held_->bytes.data(), datagram.data(), datagram.size());
  held_->len = datagram.size();
  held_->from = from;
  held_->to = to;
  have_dtls_peer_ = true;
  stats_.client_hellos_held++;
  tracef(trace_, Layer::peer, "ClientHello held until ICE validates its source (%zu bytes)", held_->len);
  return true;
}

void Connection::replay_held_hello(Timestamp now) {
  if (!profile::kDtlsServer || !held_ || !ice_.validated_path(held_->to, held_->from)) return;
  std::unique_ptr<HeldHello> hello = std::move(held_);  // freed once DTLS has read it
  tracef(trace_, Layer::peer, "source validated: the held ClientHello goes to DTLS");
  note_dtls_start();
  seed_dtls_rtt(now);
  (void)dtls_->handle_datagram(now, MutableBytes(hello->bytes.data(), hello->len));
}

// A call that never gets keys must end, naming where it is stuck (ICE
// without a usable pair, or DTLS that never completes) — e.g. a wrong ICE
// password on one side lets the other side's checks succeed forever.
void Connection::check_setup_deadline(Timestamp now) {
  if (state_ != State::checking && state_ != State::handshaking) {
    setup_deadline_ = Timestamp::never();
    return;
  }
  if (setup_ == nullptr) return;  // checking and handshaking come after the Config (setup_available())
  const Duration setup_timeout = setup_->config.setup_timeout;
  if (setup_deadline_.is_never()) {
    setup_deadline_ = now + setup_timeout;
    return;
  }
  if (now < setup_deadline_) return;
  if (state_ == State::checking) {
    fail(make_error(Layer::ice, Code::timeout, "no usable candidate pair before the setup timeout"),
         "(%u checks sent, %u integrity failures)", ice_.stats().checks_sent, ice_.stats().integrity_failures);
  } else if (!have_dtls_peer_ && ice_.stats().integrity_failures > 0) {
    // Our checks succeed but the peer's fail integrity: it holds a wrong
    // ice-pwd, so its ICE never finishes and it never speaks DTLS.
    fail(make_error(Layer::ice, Code::auth_failed,
                    "the peer's checks fail MESSAGE-INTEGRITY (wrong a=ice-pwd?) and it never started DTLS"),
         "(%u integrity failures)", ice_.stats().integrity_failures);
  } else if (!have_dtls_peer_) {
    fail(make_error(Layer::ice, Code::timeout, "the peer never started DTLS on the selected pair"));
  } else {
    fail(make_error(Layer::dtls, Code::timeout, "handshake did not complete before the setup timeout"),
         "(%u retransmissions, %u s)", dtls_ ? static_cast<uint32_t>(dtls_->stats().retransmissions) : 0u,
         static_cast<uint32_t>(setup_timeout.as_millis() / 1000));
  }
}

void Connection::handle_timeout(Timestamp now) {
  now = clamp_time(now_, now);
  check_setup_deadline(now);
  if (ice_deadline_ <= now) ice_.handle_timeout(now);
  // Once SRTP keys exist the handshake is over, and the endpoint frees what
  // only the handshake needed on its next handle_* call (dtls/endpoint_output.cpp
  // release_handshake_memory). A DTLS server that hears no more DTLS would
  // otherwise hold its handshake context (13.7 KB) until the 240 s final-flight
  // hold expires: pass every timeout on from then.
  if (dtls_ && (dtls_deadline_ <= now || profile_)) dtls_->handle_timeout(now);
}

Output Connection::poll_output(Timestamp now, MutableBytes scratch) {
  now = clamp_time(now_, now);
  Output out;
  check_setup_deadline(now);
  maybe_ready();
  for (;;) {
    if (!events_.empty()) {
      out.kind = Output::Kind::event;
      out.event = pop_event();
      return out;
    }
    if (poll_ice(now, scratch, out)) return out;
    if (!events_.empty()) continue;  // ICE produced an event of ours
    if (poll_dtls(now, scratch, out)) return out;
    if (!events_.empty()) continue;
    break;
  }
  // The call is over and what DTLS had to say (close_notify) has gone
  // through the relay: release the TURN allocations (RFC 8656 §8).
  if ((state_ == State::closed || state_ == State::failed) && !turn_closed_ && !ice_.turn_clients().empty()) {
    turn_closed_ = true;
    ice_.close_relays(now);
    if (poll_ice(now, scratch, out)) return out;
  }
  out = Output{};
  out.kind = Output::Kind::timeout;
  out.deadline = earliest(earliest(ice_deadline_, dtls_deadline_), setup_deadline_);
  timeout_reason_ = out.deadline == setup_deadline_ ? "setup timeout"
                    : ice_deadline_ <= dtls_deadline_ ? ice_.last_timeout_reason() : "dtls";
  return out;
}

// Drains ICE until it has a transmit for us or only a deadline left.
bool Connection::poll_ice(Timestamp now, MutableBytes scratch, Output& out) {
  for (;;) {
    ice::Output o = ice_.poll_output(now, scratch);
    if (o.kind == ice::Output::Kind::timeout) {
      ice_deadline_ = o.deadline;
      return false;
    }
    if (o.kind == ice::Output::Kind::transmit) {
      out.kind = Output::Kind::transmit;
      out.transmit = o.transmit;
      stats_.stun_out.add(o.transmit.bytes.size());
      return true;
    }
    const ice::Event& e = o.event;
    switch (e.kind) {
      case ice::EventKind::connected:
        // DTLS may already be under way (or done) on a valid pair; the
        // event is reported either way.
        if (state_ == State::checking) state_ = State::handshaking;
        if (state_ != State::failed && state_ != State::closed) {
          seed_dtls_rtt(now);
          push_event(EventKind::ice_connected);  // pop_event adds the selected pair
          trace_ice_connected();
        }
        break;
      case ice::EventKind::disconnected:
        push_event(EventKind::ice_disconnected);
        break;
      case ice::EventKind::failed:
        fail(e.error);
        break;
      case ice::EventKind::new_local_candidate:
      case ice::EventKind::gathering_complete:
      case ice::EventKind::selected_pair_changed:
        break;
    }
    if (!events_.empty()) return false;
  }
}

// ICE keeps no RTT from a retransmitted check (Karn's rule). When the first
// valid pair has none, the time since our last transmission on it (the
// retransmission, or a response we sent) stands in: it can only be shorter
// than the real round trip, and DTLS clamps it to at least 50 ms. Without
// this, one lost check put DTLS back on RFC 6347's 1 s timer.
//
// Only a pair we did send on counts. Story (issue 12): an ICE-lite agent's
// pair is valid from the peer's first check, before our response leaves, so
// last_sent was zero and "now - last_sent" was the machine's uptime: the RTO
// clamped to 3 s, and a lost first ClientHello waited 3 s. seed_dtls_rtt()
// now asks again once the response is out (a zero stand-in, hence 50 ms).
void Connection::note_retransmitted_rtt(Timestamp now) {
  if (dtls_rtt_seeded_ || setup_ == nullptr || setup_->fallback_rtt) return;
  if (auto bound = ice_.rtt_lower_bound(now)) setup_->fallback_rtt = bound;
}

// The DTLS initial retransmission timeout comes from the ICE RTT (issue 6):
// seeded once, from the selected pair or else a valid one, before the first
// flight that expects an answer is armed.
void Connection::seed_dtls_rtt(Timestamp now) {
  if (!dtls_ || dtls_rtt_seeded_) return;
  std::optional<Duration> rtt = ice_.selected_rtt();
  const char* source = "the selected pair's ICE check";
  if (!rtt) {
    // RFC 8445 §12.1: before a pair is selected, data MAY be sent on any
    // valid pair: the agent's best one, which its consent checks also cover.
    auto valid = ice_.best_valid_path();
    if (!valid) return;
    rtt = valid->rtt;
    source = "the valid pair's ICE check";
  }
  if (!rtt) {
    note_retransmitted_rtt(now);
    if (setup_ != nullptr) rtt = setup_->fallback_rtt;
    source = "no ICE RTT sample for the pair, re-sent check or lite: the time since we last sent on it";
  }
  if (!rtt) return;
  dtls_->set_rtt_estimate(*rtt);
  dtls_rtt_seeded_ = true;
  // Issue 15: the line printed "(0 ms): 2 x RTT" on loopback and never the
  // timeout used; it names both, with the clamp that made the difference.
  tracef(trace_, Layer::dtls,
         "initial retransmission timeout %lld ms = 2 x RTT %.3f ms (%s), clamped to 50 ms..3 s "
         "(RFC 6347 §4.2.4.1: 1 s)",
         static_cast<long long>(dtls_->initial_retransmission_timeout().as_millis()),
         static_cast<double>(rtt->as_micros()) / 1000.0, source);
}

// Said once, where DTLS begins (issue 15): a learner sees DTLS (and SRTP)
// before ice_connected, and no HelloVerifyRequest, and deserves the why.
void Connection::note_dtls_start() {
  if (dtls_start_noted_) return;
  dtls_start_noted_ = true;
  if (ice_.has_selected())
    tracef(trace_, Layer::peer, "DTLS starts on the selected pair");
  else
    tracef(trace_, Layer::peer,
           "DTLS starts on a valid pair before ICE nominates it (RFC 8445 §12.1): ice_connected comes with "
           "nomination, possibly after srtp_ready");
  if (dtls_client_)
    tracef(trace_, Layer::peer, "the DTLS client speaks first, once ICE has a path (RFC 8842 §5)");
  else
    tracef(trace_, Layer::peer,
           "no HelloVerifyRequest: a cookie proves the client's address, which ICE's authenticated checks "
           "already did (RFC 6347 §4.2.1, RFC 8842 §5)");
}

void Connection::trace_ice_connected() {
  const char* role = dtls_client_ ? "client" : "server";
  if (profile_)
    tracef(trace_, Layer::ice,
           "connected: pair nominated (USE-CANDIDATE, RFC 8445 §8.1.1) and selected (DTLS %s); it was valid "
           "before, so DTLS and SRTP already ran on it (§12.1)", role);
  else if (dtls_start_noted_)
    tracef(trace_, Layer::ice,
           "connected: pair nominated (USE-CANDIDATE, RFC 8445 §8.1.1) and selected (DTLS %s); DTLS already "
           "runs on it (§12.1)", role);
  else
    tracef(trace_, Layer::ice, "connected: pair selected (DTLS %s)", role);
}

// Where media and DTLS go: the selected pair, else a valid pair; nowhere
// else (RFC 8445 §12.1, RFC 7675: never to an address ICE has not validated).
bool Connection::media_path(SocketAddr& local, SocketAddr& remote) const {
  auto path = ice_.best_path();
  if (!path) return false;
  local = path->local;
  remote = path->remote;
  return true;
}

bool Connection::poll_dtls(Timestamp now, MutableBytes scratch, Output& out) {
  dtls_deadline_ = Timestamp::never();
  if (!dtls_ || state_ == State::new_ || state_ == State::failed) return false;
  // The DTLS client speaks first, and only once ICE has a path (RFC 8842 §5):
  // a valid pair is one (RFC 8445 §12.1), nomination need not be awaited.
  if (dtls_client_ && !ice_.best_path()) return false;
  replay_held_hello(now);
  seed_dtls_rtt(now);
  // With TURN, records are written kTurnHeadroom bytes in, to be wrapped in place.
  const std::size_t headroom = ice_.turn_clients().empty() || scratch.size() <= kTurnHeadroom ? 0 : kTurnHeadroom;
  for (;;) {
    dtls::Output o = dtls_->poll_output(now, scratch.subspan(headroom));
    if (o.kind == dtls::Output::Kind::timeout) {
      dtls_deadline_ = o.deadline;
      return false;
    }
    if (o.kind == dtls::Output::Kind::transmit) {
      SocketAddr local, remote;
      if (!media_path(local, remote)) {
        // Never seen: DTLS is read only from a validated pair, so one is
        // there when DTLS answers (tests/peer connection_sim_test pins it).
        tracef(trace_, Layer::peer, "a datagram DTLS wrote has no ICE path (no valid pair): dropped, sent again later");
        continue;
      }
      auto offset = static_cast<std::size_t>(o.transmit.data() - scratch.data());
      auto t = relay_if_needed(local, remote, scratch, offset, o.transmit.size());
      if (!t.ok()) continue;  // the relay cannot take it (no permission): lost like a datagram
      out.kind = Output::Kind::transmit;
      out.transmit = *t;
      stats_.dtls_out.add(o.transmit.size());
      if (dtls_client_) note_dtls_start();
      return true;
    }
    on_dtls_event(o.event);
    if (!events_.empty()) return false;
  }
}

void Connection::on_dtls_event(const dtls::Event& e) {
  switch (e.kind) {
    case dtls::EventKind::peer_certificate:
      // The endpoint already compared it with the remote a=fingerprint we
      // set (and traced the match as it happened); a mismatch arrives as a
      // failure with bad_certificate.
      break;
    case dtls::EventKind::handshake_complete:
      push_event(EventKind::dtls_handshake_complete);
      install_srtp();
      break;
    case dtls::EventKind::failure:
      if (e.error.code == Code::timeout && !have_dtls_peer_ && ice_.stats().integrity_failures > 0) {
        // Our checks succeed but the peer's fail integrity: it holds a wrong
        // ice-pwd, so it never validates us and (rightly) never answers DTLS.
        fail(make_error(Layer::ice, Code::auth_failed,
                        "the peer's checks fail MESSAGE-INTEGRITY (wrong a=ice-pwd?) and it never answered DTLS"),
             "(%u integrity failures)", ice_.stats().integrity_failures);
        break;
      }
      fail(e.error);
      note_received_alert();
      break;
    case dtls::EventKind::alert_received:
      if (e.alert_level == dtls::AlertLevel::fatal && e.alert != dtls::AlertDescription::close_notify) {
        received_alert_ = e.alert;
        note_received_alert();
      }
      if (e.alert == dtls::AlertDescription::close_notify) on_closed();
      break;
    case dtls::EventKind::closed:
      on_closed();
      break;
    case dtls::EventKind::alert_sent:
    case dtls::EventKind::application_data:
      break;
  }
}

// close_notify (RFC 5246 §7.2.1) reaches us as an alert and as the
// endpoint's closed event: the call reports it once.
void Connection::on_closed() {
  if (state_ == State::closed) return;
  state_ = State::closed;
  push_event(EventKind::closed);
}

// A fatal alert from the peer is why its side failed: name it in
// failure_text() ("... (peer sent alert bad_certificate)").
void Connection::note_received_alert() {
  if (!received_alert_ || alert_noted_ || state_ != State::failed || !failure_text_) return;
  alert_noted_ = true;
  std::size_t n = std::strlen(failure_text_.get());
  std::snprintf(failure_text_.get() + n, kFailureTextSize - n, " (peer sent alert %s)",
                dtls::alert_name(*received_alert_).c_str());
}

// RFC 5764 §4.2: export, split, and install both directions.
void Connection::install_srtp() {
  uint16_t id = dtls_->srtp_profile();
  if (id == 0) {
    fail(make_error(Layer::dtls, Code::handshake_failure, "peer negotiated no SRTP protection profile (use_srtp)"));
    return;
  }
  auto profile = srtp::profile_from_dtls_id(id);
  if (!profile.ok()) {
    fail(make_error(Layer::srtp, Code::unsupported, "negotiated SRTP profile is not supported"));
    return;
  }
  uint8_t material[kMaxKeyingMaterial];
  MutableBytes km(material, keying_material_len(*profile));
  Status st = dtls_->export_keying_material(kDtlsSrtpExporterLabel, km);
  if (st.ok()) st = setup_available();
  if (st.ok()) {
    srtp::SessionConfig base;
    base.replay_window = setup_->config.replay_window;
    base.max_streams = setup_->config.srtp_max_streams;
    // Tables sized to the call (issue 13): our SSRCs, the ones the peer announced.
    std::size_t ours = (setup_->config.audio_ssrc != 0 ? 1u : 0u) + (setup_->config.video_ssrc != 0 ? 1u : 0u);
    st = init_srtp_sessions(*profile, km, dtls_client_, base, stream_slots(ours, base.max_streams),
                            stream_slots(remote_ssrcs_, base.max_streams), srtp_out_, srtp_in_);
  }
  crypto::secure_zero(material, sizeof material);
  if (!st.ok()) {
    fail(st.error());
    return;
  }
  // RFC 5764 §4.2: the keys came from the exporter once; its secret goes
  // unless the key log (and later exports) were asked for (issue 17).
  if (!setup_->config.dtls_keep_key_log) dtls_->release_exporter();
  profile_ = *profile;
  setup_.reset();  // set up: nothing reads the whole Config again (issue 13)
  tracef(trace_, Layer::srtp, "exporter %s: %zu bytes -> client key|server key|client salt|server salt; %s",
         kDtlsSrtpExporterLabel, km.size(), srtp::profile_info(*profile).name);
  maybe_ready();
}

// Connected = SRTP keys installed AND ICE has a pair we may send on. The DTLS
// server can finish the handshake before its own checks succeed (the client
// started on its valid pair); until then send_rtp() would be refused, so
// srtp_ready waits for the path.
void Connection::maybe_ready() {
  if (!profile_ || ready_announced_ || state_ == State::failed || state_ == State::closed) return;
  SocketAddr local, remote;
  if (!media_path(local, remote)) return;
  ready_announced_ = true;
  state_ = State::connected;
  push_event(EventKind::srtp_ready);
}

Verdict Connection::on_media(MutableBytes datagram, bool rtcp) {
  SrtpStats& s = stats_.srtp;
  // Keys may be installed before our own path exists (maybe_ready): decrypt.
  if (!profile_ || state_ == State::failed || state_ == State::closed) {
    s.dropped_before_keys++;
    return Verdict::discarded;
  }
  auto r = rtcp ? srtp_in_.unprotect_rtcp(datagram, datagram.size())
                : srtp_in_.unprotect_rtp(datagram, datagram.size());
  if (!r.ok()) {
    switch (r.error().code) {
      case Code::auth_failed: {
        s.auth_failures++;
        if (s.failure_log_count < s.first_failures.size()) {
          SrtpStats::Failure f;
          f.rtcp = rtcp;
          // The header is in the clear (RFC 3711 §3.1) and unprotect left it as it came.
          if (rtcp) {
            if (auto h = srtp::parse_rtcp_header(datagram)) f.ssrc = h->ssrc;
          } else if (auto h = srtp::parse_rtp_header(datagram)) {
            f.ssrc = h->ssrc;
            f.seq = h->sequence;
          }
          s.first_failures[s.failure_log_count++] = f;
          tracef(trace_, Layer::srtp, "authentication failed (%s ssrc 0x%08x seq %u)", rtcp ? "rtcp" : "rtp",
                 static_cast<unsigned>(f.ssrc), static_cast<unsigned>(f.seq));
        }
        break;
      }
      case Code::replayed:
      case Code::too_old: s.replays++; break;
      case Code::malformed:
      case Code::truncated: s.malformed++; break;
      default: s.other_drops++; break;
    }
    return Verdict::discarded;
  }
  (rtcp ? s.rtcp_received : s.rtp_received)++;
  s.bytes_received += *r;
  push_event(rtcp ? EventKind::rtcp_received : EventKind::rtp_received, Bytes(datagram.data(), *r));
  return Verdict::accepted;
}

Result<Transmit> Connection::send_media(MutableBytes buffer, std::size_t len, bool rtcp) {
  // RFC 7675 §5.1: no media once consent is lost (the agent then fails). A
  // "disconnected" agent (no response for a few seconds) still has consent.
  ENSURE(ice_.state() != ice::AgentState::failed,
         make_error(Layer::ice, Code::bad_state, "consent lost on the selected pair: media stopped (RFC 7675)"));
  ENSURE(state_ != State::failed && state_ != State::closed,
         make_error(Layer::peer, Code::bad_state, "connection failed or closed: no media (see failure_text())"));
  ENSURE(state_ == State::connected && profile_,
         make_error(Layer::peer, Code::bad_state, "media before SRTP keys exist (DTLS handshake not complete)"));
  SocketAddr local, remote;
  ENSURE(media_path(local, remote),
         make_error(Layer::ice, Code::bad_state, "no valid candidate pair to send media on"));
  auto r = rtcp ? srtp_out_.protect_rtcp(buffer, len) : srtp_out_.protect_rtp(buffer, len);
  if (!r.ok()) return r.error();
  (rtcp ? stats_.srtp.rtcp_sent : stats_.srtp.rtp_sent)++;
  stats_.srtp.bytes_sent += *r;
  if (!ice_.is_relayed_base(local)) return Transmit{local, remote, Bytes(buffer.data(), *r)};
  // Through TURN: the packet moves kTurnHeadroom bytes up, the framing goes in front.
  ENSURE(buffer.size() >= *r + kTurnHeadroom,
         make_error(Layer::peer, Code::buffer_too_small, "send_rtp: a relayed path needs 48 spare bytes in the buffer"));
  std::memmove(buffer.data() + kTurnHeadroom, buffer.data(), *r);
  return ice_.wrap_relayed(now_, local, remote, Bytes(buffer.data() + kTurnHeadroom, *r), buffer);
}

// A datagram for (local, remote) sits at buf[offset, offset + len): as it
// is, or wrapped for the TURN server when local is a relayed address.
Result<Transmit> Connection::relay_if_needed(const SocketAddr& local, const SocketAddr& remote, MutableBytes buf,
                                             std::size_t offset, std::size_t len) {
  Bytes data(buf.data() + offset, len);
  if (!ice_.is_relayed_base(local)) return Transmit{local, remote, data};
  return ice_.wrap_relayed(now_, local, remote, data, buf);
}

Result<Transmit> Connection::send_rtp(MutableBytes buffer, std::size_t len) { return send_media(buffer, len, false); }
Result<Transmit> Connection::send_rtcp(MutableBytes buffer, std::size_t len) { return send_media(buffer, len, true); }

}  // namespace keyway::peer
