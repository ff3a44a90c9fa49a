// SPDX-License-Identifier: Apache-2.0
// Agent: the sans-IO surface (style.md §1) — datagrams in, timeouts, and
// poll_output's fixed order: events, responses, retransmissions, gathering,
// the paced check, consent; then the next deadline.
#include "keyway/ice/agent.hpp"
#include "keyway/ice/stun/message.hpp"

namespace keyway::ice {

Verdict Agent::handle_datagram(Timestamp now, Bytes datagram, const SocketAddr& from, const SocketAddr& to) {
  clamp(now);
  if (relay_count() > 0 && state_ != AgentState::failed) {
    Relayed r = unwrap_relayed(now, datagram, from, to);
    if (r.from_relay) {
      if (r.data.empty()) return Verdict::accepted;  // the TURN client's own traffic
      if (!stun::Message::looks_like_stun(r.data)) {
        ++stats_.dropped;  // DTLS or media: peer/ unwraps those itself
        return Verdict::discarded;
      }
      return handle_stun(r.data, r.from, r.to);
    }
  }
  return handle_stun(datagram, from, to);
}

Verdict Agent::handle_stun(Bytes datagram, const SocketAddr& from, const SocketAddr& to) {
  if (state_ == AgentState::failed) {
    ++stats_.dropped;
    return Verdict::discarded;
  }
  auto parsed = stun::Message::parse(datagram);
  if (!parsed.ok()) {
    ++stats_.malformed;
    return Verdict::discarded;
  }
  const stun::Message& msg = *parsed;
  if (msg.method() != stun::kMethodBinding) {
    ++stats_.dropped;
    return Verdict::discarded;
  }
  switch (msg.message_class()) {
    case stun::Class::request:
      return on_request(msg, from, to);
    case stun::Class::indication:
      return Verdict::accepted;  // RFC 8445 §11: keep-alive, nothing to do
    case stun::Class::success:
    case stun::Class::error:
      break;
  }
  if (!profile::kIceFull) {  // lite only (lib/profile.hpp): we send no requests, so no response is ours
    ++stats_.unknown_transactions;
    return Verdict::discarded;
  }
  for (std::size_t i = 0; i < pair_count_; ++i) {
    const CandidatePair& p = pairs_[i];
    if (p.state == PairState::in_progress && p.txid == msg.transaction_id())
      return on_check_response(static_cast<uint8_t>(i), msg, from, to, nullptr);
  }
  if (CancelledCheck* c = find_cancelled(msg.transaction_id())) return on_check_response(c->pair, msg, from, to, c);
  Verdict verdict = Verdict::accepted;
  if (on_consent_response(msg, from, verdict)) return verdict;
  if (on_gather_response(msg, from)) return Verdict::accepted;
  ++stats_.unknown_transactions;
  return Verdict::discarded;
}

void Agent::advance() {
  if (state_ == AgentState::failed) return;
  if (profile::kIceFull) {  // a lite agent sends no checks (RFC 8445 §2.5)
    expire_checks(now_);
    maybe_nominate(now_);
    maybe_fail_checklist();
  }
  expire_consent(now_);
  if (profile::kIceFull) maybe_release_checks();
  if (!gathering_reported_ && local_count_ > 0) {
    if (!gathering_pending() && !relays_pending()) {
      gathering_reported_ = true;
      push_event(EventKind::gathering_complete);
    }
  }
}

void Agent::handle_timeout(Timestamp now) {
  clamp(now);
  for (std::size_t i = 0; i < relay_count(); ++i) relays_[i].handle_timeout(now_);
  advance();
}

// With TURN servers the agent's own messages are built kRelayHeadroom bytes
// into scratch, so one from a relayed base can be wrapped in place (agent_relay.cpp).
Output Agent::poll_output(Timestamp now, MutableBytes scratch) {
  clamp(now);
  if (relay_count() == 0) return poll_once(scratch);
  constexpr std::size_t kRelayHeadroom = 48;  // Send indication: header, XOR-PEER-ADDRESS (IPv6), DATA header
  if (scratch.size() <= kRelayHeadroom) return poll_once(scratch);
  Output out;
  for (int guard = 0; guard < 64; ++guard) {
    if (state_ != AgentState::failed && poll_relays(now_, scratch, out)) return out;
    out = poll_once(scratch.subspan(kRelayHeadroom));
    if (wrap_if_relayed(out, scratch)) return out;  // else dropped: poll again
  }
  return out;
}

Output Agent::poll_once(MutableBytes scratch) {
  advance();
  Output out;
  if (!events_.empty()) {
    const QueuedEvent q = events_.pop();
    if (q.kind == EventKind::selected_pair_changed) {  // its own path is the one the next change replaced
      path_head_ = static_cast<uint8_t>((path_head_ + 1) % kQueuedPaths);
      --path_count_;
    }
    // The path the next queued change replaced, else the selected path.
    const Path path = path_count_ > 0 ? paths_[path_head_] : Path{selected_local_, selected_remote_};
    out.kind = Output::Kind::event;
    out.event.kind = q.kind;
    out.event.local = path.local;
    out.event.remote = path.remote;
    if (q.kind == EventKind::new_local_candidate) out.event.candidate = &local_[q.candidate];
    if (q.kind == EventKind::failed) out.event.error = failure();
    return out;
  }
  if (state_ != AgentState::failed) {
    uint8_t pair = 0;
    if (poll_response(scratch, out)) return out;
    if (profile::kIceFull) {  // checks and gathering: never on a lite-only build
      if (poll_retransmit(now_, scratch, out)) return out;
      if (poll_gather(now_, scratch, out)) return out;
      if (start_triggered_early(now_, scratch, out)) return out;
      if (now_ >= next_check_at_ && next_check(pair) && start_check(pair, now_, scratch, out)) return out;
    }
    if (poll_consent(now_, scratch, out)) return out;
  }
  out.kind = Output::Kind::timeout;
  out.deadline = next_deadline();
  return out;
}

// The earliest instant anything is due, and why (last_timeout_reason()).
Timestamp Agent::next_deadline() {
  Timestamp t = Timestamp::never();
  timeout_reason_ = "none";
  auto consider = [&](Timestamp at, const char* why) {
    if (at < t) {
      t = at;
      timeout_reason_ = why;
    }
  };
  if (state_ == AgentState::failed) return t;
  for (std::size_t i = 0; i < pair_count_ && profile::kIceFull; ++i)
    if (pairs_[i].state == PairState::in_progress) consider(pairs_[i].next_retransmit, "check retransmit");
  bool work = profile::kIceFull && !triggered_.empty();  // a lite-only build checks nothing
  // A pair waiting for its TURN permission is no work yet: the permission's
  // answer (a datagram) or the TURN client's own deadline wakes us.
  for (std::size_t i = 0; i < pair_count_ && !work && profile::kIceFull; ++i)
    work = (pairs_[i].state == PairState::waiting || pairs_[i].state == PairState::frozen) && pair_sendable(pairs_[i]);
  if (work && ordinary_checks_allowed()) consider(next_check_at_, "paced check (Ta)");
  if (profile::kIceFull && !triggered_.empty() && checks_allowed())
    consider(early_slot_free(now_) ? now_ : next_check_at_, "triggered check (Ta)");
  for (std::size_t i = 0; i < gather_count_ && profile::kIceFull; ++i)
    if (!gathers_[i].done) consider(gathers_[i].next, "srflx gathering");
  for (std::size_t i = 0; i < relay_count(); ++i) consider(relays_[i].deadline(), "turn");
  // Only while the wait lies ahead: once over, maybe_nominate() has run.
  if (controlling_ && !nomination_started_ && !first_valid_at_.is_never() &&
      first_valid_at_ + config_.timing.nomination_wait > now_)
    consider(first_valid_at_ + config_.timing.nomination_wait, "nomination wait");
  if (consent_pair() >= 0 && !last_consent_.is_never() && !remote_creds_.empty()) {
    if (lite()) {
      consider(next_keepalive_, "keep-alive");
      if (has_selected_ && selected_in_list_ && !heard_[selected_].is_never())
        consider(heard_[selected_] + config_.timing.consent_timeout, "consent: lost (lite)");
    } else {
      consider(next_consent_, "consent check");
      if (state_ == AgentState::connected) consider(last_consent_ + config_.timing.disconnected_after, "consent: disconnected");
      consider(last_consent_ + config_.timing.consent_timeout, "consent: lost");
    }
  }
  if (t < now_) t = now_;
  return t;
}

}  // namespace keyway::ice
