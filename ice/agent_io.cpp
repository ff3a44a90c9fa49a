// SPDX-License-Identifier: Apache-2.0
// Agent: the sans-IO surface (style.md §1) — datagrams in, timeouts, and
// poll_output's fixed order: events, responses, retransmissions, gathering,
// the paced check, consent; then the next deadline.
#include "keyway/ice/agent.hpp"
#include "keyway/ice/stun/message.hpp"

namespace keyway::ice {

Verdict Agent::handle_datagram(Timestamp now, Bytes datagram, const SocketAddr& from, const SocketAddr& to) {
  clamp(now);
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
  expire_checks(now_);
  maybe_nominate(now_);
  maybe_fail_checklist();
  expire_consent(now_);
  if (!gathering_reported_ && local_count_ > 0) {
    bool pending = false;
    for (std::size_t i = 0; i < gather_count_; ++i) pending = pending || !gathers_[i].done;
    if (!pending) {
      gathering_reported_ = true;
      push_event(EventKind::gathering_complete);
    }
  }
}

void Agent::handle_timeout(Timestamp now) {
  clamp(now);
  advance();
}

Output Agent::poll_output(Timestamp now, MutableBytes scratch) {
  clamp(now);
  advance();
  Output out;
  if (!events_.empty()) {
    const QueuedEvent q = events_.pop();
    out.kind = Output::Kind::event;
    out.event.kind = q.kind;
    out.event.local = q.local;
    out.event.remote = q.remote;
    if (q.kind == EventKind::new_local_candidate) out.event.candidate = &local_[q.candidate];
    if (q.kind == EventKind::failed) out.event.error = failure();
    return out;
  }
  if (state_ != AgentState::failed) {
    uint8_t pair = 0;
    if (poll_response(scratch, out)) return out;
    if (poll_retransmit(now_, scratch, out)) return out;
    if (poll_gather(now_, scratch, out)) return out;
    if (now_ >= next_check_at_ && next_check(pair) && start_check(pair, now_, scratch, out)) return out;
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
  for (std::size_t i = 0; i < pair_count_; ++i)
    if (pairs_[i].state == PairState::in_progress) consider(pairs_[i].next_retransmit, "check retransmit");
  bool work = !triggered_.empty();
  for (std::size_t i = 0; i < pair_count_ && !work; ++i)
    work = pairs_[i].state == PairState::waiting || pairs_[i].state == PairState::frozen;
  if (work && ordinary_checks_allowed()) consider(next_check_at_, "paced check (Ta)");
  if (!triggered_.empty() && checks_allowed()) consider(next_check_at_, "triggered check (Ta)");
  for (std::size_t i = 0; i < gather_count_; ++i)
    if (!gathers_[i].done) consider(gathers_[i].next, "srflx gathering");
  // Only while the wait lies ahead: once over, maybe_nominate() has run.
  if (controlling_ && !nomination_started_ && !first_valid_at_.is_never() &&
      first_valid_at_ + config_.timing.nomination_wait > now_)
    consider(first_valid_at_ + config_.timing.nomination_wait, "nomination wait");
  if (consent_pair() >= 0 && !last_consent_.is_never() && !remote_creds_.empty()) {
    if (config_.lite) {
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
