// SPDX-License-Identifier: Apache-2.0
// Agent: outgoing connectivity checks (RFC 8445 §6.1.4, §7.2), their
// retransmission and responses, nomination (§8.1) and check-list failure.
#include <cstdio>

#include "keyway/ice/agent.hpp"
#include "keyway/ice/priority.hpp"
#include "keyway/ice/stun/builder.hpp"

namespace keyway::ice {

bool Agent::checks_allowed() const {
  return !lite() && !remote_creds_.empty() && state_ != AgentState::failed;
}

// Once a nominated pair is selected the check list is complete (§8.1.2):
// only triggered checks (answers to the peer's checks) are still sent.
bool Agent::ordinary_checks_allowed() const {
  if (!checks_allowed()) return false;
  const CandidatePair* s = selected_pair();
  return s == nullptr || !s->nominated;
}

// The next pair in the triggered-check queue (RFC 8445 §6.1.4.2); one still
// waiting for its TURN permission is picked up by next_check later.
bool Agent::next_triggered(uint8_t& pair) {
  while (triggered_.pop(pair))
    if (pairs_[pair].state == PairState::waiting && pair_sendable(pairs_[pair])) return true;
  return false;
}

// RFC 8445 §6.1.4.2: a triggered check first, else the highest-priority
// Waiting pair, else unfreeze the highest-priority Frozen pair.
bool Agent::next_check(uint8_t& pair) {
  if (!checks_allowed()) return false;
  if (next_triggered(pair)) return true;
  if (!ordinary_checks_allowed()) return false;
  int best_waiting = -1, best_frozen = -1;
  for (std::size_t i = 0; i < pair_count_; ++i) {
    const CandidatePair& p = pairs_[i];
    int& best = p.state == PairState::waiting ? best_waiting : best_frozen;
    if (p.state != PairState::waiting && p.state != PairState::frozen) continue;
    if (!pair_sendable(p)) continue;  // RFC 8656 §9: the relay's permission first
    if (best < 0 || p.priority > pairs_[best].priority) best = static_cast<int>(i);
  }
  int chosen = best_waiting >= 0 ? best_waiting : best_frozen;
  if (chosen < 0) return false;
  pair = static_cast<uint8_t>(chosen);
  return true;
}

// RFC 8445 §7.2.2: USERNAME "remote:local", PRIORITY of the peer-reflexive
// candidate this check could create, the role with our tie-breaker,
// USE-CANDIDATE when nominating, MESSAGE-INTEGRITY and FINGERPRINT.
Result<Bytes> Agent::build_request(uint8_t index, const stun::TransactionId& txid, bool use_candidate,
                                   MutableBytes scratch) {
  const CandidatePair& p = pairs_[index];
  stun::Builder b(scratch, stun::message_type(stun::kMethodBinding, stun::Class::request), txid);
  char username[Credentials::kMaxUfrag * 2 + 2];
  const std::string_view theirs = remote_creds_.ufrag_view(), ours = local_creds_.ufrag_view();
  int n = std::snprintf(username, sizeof username, "%.*s:%.*s", static_cast<int>(theirs.size()), theirs.data(),
                        static_cast<int>(ours.size()), ours.data());
  b.add_text(stun::attr::kUsername, std::string_view(username, static_cast<std::size_t>(n)));
  if (config_.software != nullptr) b.add_text(stun::attr::kSoftware, config_.software);
  uint16_t local_pref = local_preference_of(local_[p.local].priority);
  b.add_u32(stun::attr::kPriority, candidate_priority(CandidateType::prflx, local_pref, 1));
  b.add_u64(controlling_ ? stun::attr::kIceControlling : stun::attr::kIceControlled, tie_breaker_);
  if (use_candidate) b.add_flag(stun::attr::kUseCandidate);
  b.add_message_integrity(remote_creds_.key());
  b.add_fingerprint();
  return b.finish();
}

Duration Agent::current_rto() const {
  int64_t active = 0;
  for (std::size_t i = 0; i < pair_count_; ++i)
    if (pairs_[i].active()) ++active;
  Duration paced = config_.timing.ta * active;
  return paced > config_.timing.min_rto ? paced : config_.timing.min_rto;
}

// RFC 8445 §14.3: RTO = max(min_rto, Ta x active pairs). A pair whose peer
// is waiting for it (check_again: the peer sent DTLS, so our response reached
// it and its own check succeeded) is retransmitted sooner: after the time
// since we last sent on the pair (that response, or our check: the round trip
// the peer's DTLS just showed), never sooner than Ta, the pacing of §14.2 —
// each retransmission then doubles it as usual (RFC 8489 §6.2.1). More eager
// than RFC 6298's 3 x RTT on purpose: the peer is known to be there, a lost
// check is the likely reason it waits, and a spare retransmission is 108
// bytes to an address that sent us an authenticated check. Story (issue 12):
// DTLS now waits for our validation, and a lost check waited for the 250 ms
// floor or for the peer's ClientHello retransmission (doubling): keyway-bench
// call loss=0.3 went from p50 375 / p95 1,725 ms to 415 / 1,815 ms.
Duration Agent::check_rto(const CandidatePair& p, Timestamp now) const {
  Duration rto = current_rto();
  if (!p.peer_waiting || p.last_sent == Timestamp{} || now < p.last_sent) return rto;
  Duration seen = now - p.last_sent;
  if (seen < config_.timing.ta) seen = config_.timing.ta;
  return seen < rto ? seen : rto;
}

// A triggered check answers a datagram that just arrived (the peer's check,
// RFC 8445 §7.3.1.4; a response; its ClientHello, check_again): it takes the
// next Ta slot now instead of waiting for it, and the slot after that one is
// the next, so checks still average one per Ta (§14.2) — one slot is borrowed
// at most. Story (issue 12): the peer's check arriving within Ta of our last
// one waited up to Ta (25 ms in calls) for its triggered check, and with it
// the validation that DTLS now waits for.
bool Agent::start_triggered_early(Timestamp now, MutableBytes scratch, Output& out) {
  if (!checks_allowed() || triggered_.empty() || !early_slot_free(now)) return false;
  uint8_t pair = 0;
  if (!next_triggered(pair)) return false;
  const Timestamp borrowed = next_check_at_;
  bool sent = start_check(pair, now, scratch, out);
  next_check_at_ = borrowed + config_.timing.ta;
  return sent;
}

bool Agent::early_slot_free(Timestamp now) const {
  return now < next_check_at_ && next_check_at_ <= now + config_.timing.ta;
}

bool Agent::start_check(uint8_t index, Timestamp now, MutableBytes scratch, Output& out) {
  CandidatePair& p = pairs_[index];
  new_transaction_id(p.txid);
  if (controlling_ && config_.aggressive_nomination) p.nominating = true;
  bool use_candidate = controlling_ && p.nominating;
  auto bytes = build_request(index, p.txid, use_candidate, scratch);
  next_check_at_ = now + config_.timing.ta;  // RFC 8445 §14.2: one new check per Ta
  p.rto = check_rto(p, now);  // before last_sent moves to now
  p.state = PairState::in_progress;
  p.transmits = 1;
  p.first_sent = now;
  p.last_sent = now;
  p.next_retransmit = now + p.rto;
  p.sent_controlling = controlling_;
  if (!bytes.ok()) {
    ++stats_.dropped;  // counted as a lost transmission: retransmission and failure follow as usual
    return false;
  }
  ++stats_.checks_sent;
  return transmit(out, local_base_[p.local], remote_[p.remote].address, *bytes);
}

// RFC 8489 §6.2.1: resend with the same transaction id, doubling the RTO.
bool Agent::poll_retransmit(Timestamp now, MutableBytes scratch, Output& out) {
  if (!checks_allowed()) return false;
  for (std::size_t i = 0; i < pair_count_; ++i) {
    CandidatePair& p = pairs_[i];
    if (p.state != PairState::in_progress || p.next_retransmit > now) continue;
    if (p.transmits >= config_.timing.max_transmits) continue;
    auto bytes = build_request(static_cast<uint8_t>(i), p.txid, controlling_ && p.nominating, scratch);
    ++p.transmits;  // the schedule advances even if the scratch buffer was too small
    p.rto = p.rto * 2 > config_.timing.max_rto ? config_.timing.max_rto : p.rto * 2;
    p.next_retransmit = now + p.rto;
    if (!bytes.ok()) {
      ++stats_.dropped;
      continue;
    }
    p.last_sent = now;
    p.sent_controlling = controlling_;
    ++stats_.checks_sent;
    ++stats_.retransmits;
    return transmit(out, local_base_[p.local], remote_[p.remote].address, *bytes);
  }
  return false;
}

// A check whose last transmission went unanswered for one more RTO fails.
void Agent::expire_checks(Timestamp now) {
  for (std::size_t i = 0; i < pair_count_; ++i) {
    CandidatePair& p = pairs_[i];
    if (p.state != PairState::in_progress || p.next_retransmit > now) continue;
    if (p.transmits < config_.timing.max_transmits) continue;
    p.state = PairState::failed;
    p.failure = PairFailure::timeout;
    p.valid = false;
    if (p.nominating) {
      p.nominating = false;
      nomination_started_ = false;  // nominate another valid pair
    }
  }
}

// RFC 8445 §7.3.1.4: the In-Progress check on a pair that gets a triggered
// one is cancelled: never retransmitted, but "the agent ... will wait the
// duration of the transaction timeout for a response". It is remembered here
// until then (the newest kCancelledChecks of them), so that a second
// cancellation (the peer's retransmitted check, a held ClientHello) does not
// turn the first one's answer, already on its way, into an unknown
// transaction. Story (issue 12): one remembered id per pair dropped exactly
// that answer, and the DTLS server held the peer's ClientHello a round trip
// longer, waiting for the next check.
void Agent::cancel_check(uint8_t index) {
  CandidatePair& p = pairs_[index];
  if (cancelled_ == nullptr) return;  // released: only the kept pair, never in progress
  CancelledCheck& c = cancelled_[cancelled_next_slot_++ % kCancelledChecks];
  c.txid = p.txid;
  c.pair = index;
  c.sent_once = p.transmits == 1;
  c.sent_at = p.first_sent;
  // When it would have timed out (RFC 8489 §6.2.1; poll_retransmit and
  // expire_checks): the transmissions it had left, each RTO doubled.
  Timestamp until = p.next_retransmit;
  Duration rto = p.rto;
  for (uint8_t n = p.transmits; n < config_.timing.max_transmits; ++n) {
    rto = rto * 2 > config_.timing.max_rto ? config_.timing.max_rto : rto * 2;
    until = until + rto;
  }
  c.until = until;
}

Agent::CancelledCheck* Agent::find_cancelled(const stun::TransactionId& txid) {
  for (CancelledCheck& c : cancelled()) {
    if (c.until.is_never() || !(c.txid == txid)) continue;
    if (c.until <= now_ || pairs_[c.pair].state == PairState::succeeded) return nullptr;
    return &c;
  }
  return nullptr;
}

void Agent::forget_cancelled(uint8_t index) {
  for (CancelledCheck& c : cancelled())
    if (c.pair == index) c.until = Timestamp::never();
}

Verdict Agent::on_check_response(uint8_t index, const stun::Message& msg, const SocketAddr& from,
                                 const SocketAddr& to, CancelledCheck* cancelled) {
  CandidatePair& p = pairs_[index];
  // RFC 8445 §7.2.5.1 / RFC 8489 §9.1.4: authenticate before anything else.
  if (!msg.verify_integrity(remote_creds_.key()).ok()) {
    ++stats_.integrity_failures;
    if (p.integrity_failures < 255) ++p.integrity_failures;
    return Verdict::discarded;
  }
  ++stats_.responses_received;
  bool symmetric = from == remote_[p.remote].address && to == local_base_[p.local];
  if (cancelled && (!symmetric || msg.message_class() != stun::Class::success)) {
    cancelled->until = Timestamp::never();  // only a cancelled check's success still matters
    return Verdict::accepted;
  }
  // RFC 8445 §7.2.5.2.1: the response must come back along the same path.
  if (!symmetric) {
    p.state = PairState::failed;
    p.failure = PairFailure::asymmetric;
    return Verdict::accepted;
  }
  if (msg.message_class() == stun::Class::success) {
    on_check_success(index, msg, cancelled);
    return Verdict::accepted;
  }
  auto code = msg.error_code();
  if (code.ok() && code->code == stun::error_code::kRoleConflict) {
    on_role_conflict_response(index);
    return Verdict::accepted;
  }
  p.state = PairState::failed;  // RFC 8445 §7.2.5.2.4: unrecoverable error
  p.failure = PairFailure::error_response;
  return Verdict::accepted;
}

void Agent::on_check_success(uint8_t index, const stun::Message& msg, const CancelledCheck* cancelled) {
  CandidatePair& p = pairs_[index];
  auto mapped = msg.xor_address(stun::attr::kXorMappedAddress);
  if (!mapped.ok()) {
    ++stats_.malformed;  // RFC 8489 §7.3.3 requires it in a Binding success
    return;
  }
  learn_local_prflx(*mapped, p);
  p.state = PairState::succeeded;
  p.valid = true;
  p.peer_waiting = false;
  // Karn: no RTT from retransmitted (or cancelled and re-sent) checks.
  if (p.transmits == 1 && !cancelled) p.rtt = now_ - p.first_sent;
  forget_cancelled(index);
  if (first_valid_at_.is_never()) first_valid_at_ = now_;
  // RFC 8445 §7.2.5.3.3: unfreeze pairs that share the foundation.
  for (std::size_t i = 0; i < pair_count_; ++i) {
    CandidatePair& q = pairs_[i];
    if (q.state == PairState::frozen && same_foundation_as(q, p)) q.state = PairState::waiting;
  }
  if (has_selected_ && selected_in_list_ && selected_ == index && p.rtt) selected_rtt_ = p.rtt;
  note_valid_pair_consent(index);
  if (controlling_ && p.nominating) {
    p.nominating = false;
    nominate(index);
  } else if (!controlling_ && p.nominate_on_success) {
    nominate(index);
  }
}

// RFC 8445 §7.2.5.3.1: a mapped address that is no local candidate is a
// peer-reflexive one. It shares the pair's base, so the generating pair
// (which sends from that base) serves as the valid pair; the candidate is
// kept for observation and never signalled.
void Agent::learn_local_prflx(const SocketAddr& mapped, const CandidatePair& p) {
  for (std::size_t i = 0; i < local_count_; ++i)
    if (local_[i].address == mapped) return;
  if (!reserve_locals(local_count_ + 1)) return;
  CandidateCore c;
  c.type = CandidateType::prflx;
  c.address = mapped;
  c.priority = candidate_priority(CandidateType::prflx, local_preference_of(local_[p.local].priority), 1);
  const SocketAddr base = local_base_[p.local];
  assign_foundation(c, base);
  local_[local_count_] = c;
  local_base_[local_count_] = base;
  ++local_count_;
}

// RFC 8445 §7.2.5.1: switch role (once per conflicting request), recompute
// pair priorities and retry the check as a triggered one.
void Agent::on_role_conflict_response(uint8_t index) {
  CandidatePair& p = pairs_[index];
  ++stats_.role_conflicts;
  if (p.sent_controlling == controlling_) {
    controlling_ = !controlling_;
    recompute_priorities();
  }
  p.nominating = false;
  p.state = PairState::waiting;
  triggered_.push(index);
}

// RFC 8445 §8.1.1: nominate the best valid pair once no better pair can
// still succeed, or after nomination_wait since the first valid pair.
void Agent::maybe_nominate(Timestamp now) {
  if (!controlling_ || !checks_allowed() || nomination_started_ || first_valid_at_.is_never()) return;
  int best = -1;
  for (std::size_t i = 0; i < pair_count_; ++i)
    if (pairs_[i].valid && pairs_[i].state == PairState::succeeded &&
        (best < 0 || pairs_[i].priority > pairs_[best].priority))
      best = static_cast<int>(i);
  if (best < 0) return;
  bool better_pending = false;
  for (std::size_t i = 0; i < pair_count_; ++i)
    if (pairs_[i].pending() && pairs_[i].priority > pairs_[best].priority) better_pending = true;
  if (better_pending && now < first_valid_at_ + config_.timing.nomination_wait) return;
  nomination_started_ = true;
  CandidatePair& p = pairs_[best];
  p.nominating = true;
  p.state = PairState::waiting;
  triggered_.push(static_cast<uint8_t>(best));
}

// RFC 8445 §8.1.2 / RFC 8838 §8: with every pair failed and the peer done
// trickling, ICE has failed; say why in numbers.
void Agent::maybe_fail_checklist() {
  if (!checks_allowed() || !remote_end_of_candidates_ || selected_pair() != nullptr) return;
  std::size_t timed_out = 0, integrity = 0;
  for (std::size_t i = 0; i < pair_count_; ++i) {
    const CandidatePair& p = pairs_[i];
    if (p.pending() || p.valid) return;
    if (p.failure == PairFailure::timeout) ++timed_out;
    if (p.integrity_failures > 0) ++integrity;
  }
  char reason[kFailureDetailSize];
  Code code = Code::no_path;
  if (pair_count_ == 0) {
    format_reason(reason, "no candidate pairs: no usable remote candidate");
  } else if (integrity == pair_count_) {
    code = Code::auth_failed;
    format_reason(reason, "integrity check failed for every response");
  } else if (timed_out == pair_count_ && pair_count_ == 1) {
    code = Code::timeout;
    format_reason(reason, "no response to %u checks on the only pair",
                  unsigned{config_.timing.max_transmits});
  } else if (timed_out == pair_count_) {
    code = Code::timeout;
    format_reason(reason, "no response to %u checks on any of %zu pairs",
                  unsigned{config_.timing.max_transmits}, std::size_t{pair_count_});
  } else {
    format_reason(reason, "every candidate pair failed (%zu pairs, %zu timed out)", std::size_t{pair_count_},
                  timed_out);
  }
  fail(code, reason);
}

}  // namespace keyway::ice
