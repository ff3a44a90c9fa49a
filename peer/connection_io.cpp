// peer::Connection: datagrams in, outputs out (RFC 7983 demultiplexing),
// and the hand-offs ICE -> DTLS -> exporter -> SRTP.
#include <cstring>

#include "peer/connection.hpp"
#include "peer/srtp_keys.hpp"

namespace keyway::peer {

void Connection::handle_datagram(Timestamp now, MutableBytes datagram, const SocketAddr& from,
                                 const SocketAddr& to) {
  stats_.datagrams_received++;
  switch (classify(datagram)) {
    case PacketKind::stun:
      (void)ice_.handle_datagram(now, datagram, from, to);
      return;
    case PacketKind::dtls:
      if (!dtls_ || state_ == State::failed) return;
      // Until ICE selects a pair, answer DTLS where it came from (the peer
      // may finish its checks first and start the handshake).
      dtls_local_ = to;
      dtls_remote_ = from;
      have_dtls_peer_ = true;
      (void)dtls_->handle_datagram(now, datagram);
      return;
    case PacketKind::rtp:
      on_media(datagram, false);
      return;
    case PacketKind::rtcp:
      on_media(datagram, true);
      return;
    case PacketKind::unknown:
      stats_.unknown_datagrams++;
      return;
  }
}

void Connection::handle_timeout(Timestamp now) {
  if (ice_deadline_ <= now) ice_.handle_timeout(now);
  if (dtls_ && dtls_deadline_ <= now) dtls_->handle_timeout(now);
}

Output Connection::poll_output(Timestamp now, MutableBytes scratch) {
  Output out;
  for (;;) {
    if (event_count_ > 0) {
      out.kind = Output::Kind::event;
      out.event = events_[event_head_];
      event_head_ = (event_head_ + 1) % kMaxEvents;
      --event_count_;
      return out;
    }
    if (poll_ice(now, scratch, out)) return out;
    if (event_count_ > 0) continue;  // ICE produced an event of ours
    if (poll_dtls(now, scratch, out)) return out;
    if (event_count_ > 0) continue;
    break;
  }
  out = Output{};
  out.kind = Output::Kind::timeout;
  out.deadline = earliest(ice_deadline_, dtls_deadline_);
  timeout_reason_ = ice_deadline_ <= dtls_deadline_ ? ice_.last_timeout_reason() : "dtls";
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
      out.transmit = Transmit{o.transmit.from, o.transmit.to, o.transmit.bytes};
      return true;
    }
    const ice::Event& e = o.event;
    switch (e.kind) {
      case ice::EventKind::connected:
        if (state_ == State::checking) {
          state_ = State::handshaking;
          if (auto rtt = ice_.selected_rtt(); rtt && dtls_) dtls_->set_rtt_estimate(*rtt);
          Event ev;
          ev.kind = EventKind::ice_connected;
          ev.local = ice_.selected_local();
          ev.remote = ice_.selected_remote();
          push_event(ev);
          tracef(config_.trace, Layer::ice, "connected: pair selected, DTLS %s starts",
                 dtls_client_ ? "client" : "server");
        }
        break;
      case ice::EventKind::disconnected: {
        Event ev;
        ev.kind = EventKind::ice_disconnected;
        push_event(ev);
        break;
      }
      case ice::EventKind::failed:
        fail(make_error(Layer::ice, Code::timeout, e.reason));
        break;
      case ice::EventKind::new_local_candidate:
      case ice::EventKind::gathering_complete:
      case ice::EventKind::selected_pair_changed:
        break;
    }
    if (event_count_ > 0) return false;
  }
}

// Where media and DTLS go: the selected pair, else the last DTLS source.
bool Connection::media_path(SocketAddr& local, SocketAddr& remote) const {
  if (ice_.has_selected()) {
    local = ice_.selected_local();
    remote = ice_.selected_remote();
    return true;
  }
  if (have_dtls_peer_) {
    local = dtls_local_;
    remote = dtls_remote_;
    return true;
  }
  return false;
}

bool Connection::poll_dtls(Timestamp now, MutableBytes scratch, Output& out) {
  dtls_deadline_ = Timestamp::never();
  if (!dtls_ || state_ == State::new_ || state_ == State::failed) return false;
  // The DTLS client speaks first, and only once ICE has a path (RFC 8842 §5).
  if (dtls_client_ && !ice_.has_selected()) return false;
  for (;;) {
    dtls::Output o = dtls_->poll_output(now, scratch);
    if (o.kind == dtls::Output::Kind::timeout) {
      dtls_deadline_ = o.deadline;
      return false;
    }
    if (o.kind == dtls::Output::Kind::transmit) {
      SocketAddr local, remote;
      if (!media_path(local, remote)) continue;  // nowhere to send yet: the flight is retransmitted later
      out.kind = Output::Kind::transmit;
      out.transmit = Transmit{local, remote, o.transmit};
      return true;
    }
    on_dtls_event(o.event);
    if (event_count_ > 0) return false;
  }
}

void Connection::on_dtls_event(const dtls::Event& e) {
  switch (e.type) {
    case dtls::EventType::peer_certificate:
      // The endpoint already compared it with the remote a=fingerprint we
      // set; a mismatch arrives as a failure with bad_certificate.
      tracef(config_.trace, Layer::dtls, "peer certificate (%zu bytes) matches a=fingerprint %s", e.data.size(),
             dtls::fingerprint_hash_name(remote_fp_.hash));
      break;
    case dtls::EventType::handshake_complete: {
      Event ev;
      ev.kind = EventKind::dtls_handshake_complete;
      push_event(ev);
      install_srtp();
      break;
    }
    case dtls::EventType::failure:
      fail(e.error);
      break;
    case dtls::EventType::alert_received:
      if (e.alert == dtls::AlertDescription::close_notify) {
        state_ = State::closed;
        Event ev;
        ev.kind = EventKind::closed;
        push_event(ev);
      }
      break;
    case dtls::EventType::closed: {
      state_ = State::closed;
      Event ev;
      ev.kind = EventKind::closed;
      push_event(ev);
      break;
    }
    case dtls::EventType::alert_sent:
    case dtls::EventType::application_data:
      break;
  }
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
  if (st.ok()) {
    srtp::SessionConfig base;
    base.replay_window = config_.replay_window;
    st = init_srtp_sessions(*profile, km, dtls_client_, base, srtp_out_, srtp_in_);
  }
  crypto::secure_zero(material, sizeof material);
  if (!st.ok()) {
    fail(st.error());
    return;
  }
  profile_ = *profile;
  state_ = State::connected;
  tracef(config_.trace, Layer::srtp, "exporter %s: %zu bytes -> client key|server key|client salt|server salt; %s",
         kDtlsSrtpExporterLabel, km.size(), srtp::profile_info(*profile).name);
  Event ev;
  ev.kind = EventKind::srtp_ready;
  push_event(ev);
}

void Connection::on_media(MutableBytes datagram, bool rtcp) {
  SrtpStats& s = stats_.srtp;
  if (state_ != State::connected || !profile_) {
    s.dropped_before_keys++;
    return;
  }
  auto r = rtcp ? srtp_in_.unprotect_rtcp(datagram, datagram.size())
                : srtp_in_.unprotect_rtp(datagram, datagram.size());
  if (!r.ok()) {
    switch (r.error().code) {
      case Code::auth_failed: {
        s.auth_failures++;
        if (s.failure_log_count < s.first_failures.size()) {
          ByteReader rd(datagram);
          SrtpStats::Failure f;
          f.rtcp = rtcp;
          uint16_t seq = 0;
          uint32_t ssrc = 0;
          // RTP: seq at 2, SSRC at 8; RTCP: SSRC at 4 (RFC 3550 §5.1, §6.4).
          if (rtcp ? (rd.skip(4) && rd.read_u32(ssrc)) : (rd.skip(2) && rd.read_u16(seq) && rd.skip(4) && rd.read_u32(ssrc))) {
            f.ssrc = ssrc;
            f.seq = seq;
          }
          s.first_failures[s.failure_log_count++] = f;
          tracef(config_.trace, Layer::srtp, "authentication failed (%s ssrc 0x%08x seq %u)", rtcp ? "rtcp" : "rtp",
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
    return;
  }
  (rtcp ? s.rtcp_received : s.rtp_received)++;
  s.bytes_received += *r;
  Event ev;
  ev.kind = rtcp ? EventKind::rtcp_received : EventKind::rtp_received;
  ev.data = Bytes(datagram.data(), *r);
  push_event(ev);
}

Result<Transmit> Connection::send_media(MutableBytes buffer, std::size_t len, bool rtcp) {
  ENSURE(state_ == State::connected && profile_,
         make_error(Layer::peer, Code::bad_state, "media before SRTP keys exist (DTLS handshake not complete)"));
  // RFC 7675 §5.1: no media once consent is lost.
  ENSURE(ice_.state() == ice::AgentState::connected,
         make_error(Layer::ice, Code::bad_state, "no consent to send on the selected pair"));
  SocketAddr local, remote;
  ENSURE(media_path(local, remote), make_error(Layer::ice, Code::bad_state, "no selected candidate pair"));
  auto r = rtcp ? srtp_out_.protect_rtcp(buffer, len) : srtp_out_.protect_rtp(buffer, len);
  if (!r.ok()) return r.error();
  (rtcp ? stats_.srtp.rtcp_sent : stats_.srtp.rtp_sent)++;
  stats_.srtp.bytes_sent += *r;
  return Transmit{local, remote, Bytes(buffer.data(), *r)};
}

Result<Transmit> Connection::send_rtp(MutableBytes buffer, std::size_t len) { return send_media(buffer, len, false); }
Result<Transmit> Connection::send_rtcp(MutableBytes buffer, std::size_t len) { return send_media(buffer, len, true); }

}  // namespace keyway::peer
