// SPDX-License-Identifier: Apache-2.0
// Agent: consent freshness (RFC 7675) on the pair media uses, and the
// keep-alive policy of agents that send no consent checks (ICE-lite).
#include <cstdio>

#include "keyway/ice/agent.hpp"
#include "keyway/ice/stun/builder.hpp"

namespace keyway::ice {

// RFC 7675 §5.1: the interval is randomised to 0.8..1.2 times its base so
// that agents do not synchronise.
Timestamp Agent::next_consent_time(Timestamp now) {
  int64_t base = config_.timing.consent_interval.as_micros();
  auto spread = static_cast<uint32_t>(base * 4 / 10);
  int64_t jitter = spread > 0 ? rng_->uniform(spread) : 0;
  return now + Duration::micros(base * 8 / 10 + jitter);
}

void Agent::schedule_consent(Timestamp now) {
  last_consent_ = now;
  if (lite()) {
    next_consent_ = Timestamp::never();
    next_keepalive_ = now + config_.timing.keepalive_interval;
    return;
  }
  next_consent_ = next_consent_time(now);
}

// RFC 7675 §5.1: consent covers every 5-tuple media is sent on. That is the
// selected pair, or before nomination the best valid pair (RFC 8445 §12.1),
// as Connection::media_path picks it. -1: none (or the one after restart()).
int Agent::consent_pair() const {
  if (has_selected_) return selected_in_list_ ? selected_ : -1;
  const CandidatePair* best = best_valid_pair();
  return best ? static_cast<int>(best - pairs_) : -1;
}

const CandidatePair* Agent::best_valid_pair() const {
  const CandidatePair* best = nullptr;
  for (std::size_t i = 0; i < pair_count_; ++i)
    if (pairs_[i].valid && (best == nullptr || pairs_[i].priority > best->priority)) best = &pairs_[i];
  return best;
}

// Before nomination, an authenticated check response on the best valid pair
// is a consent response too; the first one starts the consent timers.
void Agent::note_valid_pair_consent(uint8_t pair) {
  if (has_selected_ || lite() || consent_pair() != pair) return;
  if (last_consent_.is_never()) schedule_consent(now_);
  else last_consent_ = now_;
}

bool Agent::poll_consent(Timestamp now, MutableBytes scratch, Output& out) {
  int cp = consent_pair();
  if (cp < 0 || last_consent_.is_never() || remote_creds_.empty()) return false;
  auto index = static_cast<uint8_t>(cp);
  CandidatePair& p = pairs_[index];
  SocketAddr local = local_base_[p.local], remote = remote_[p.remote].address;
  if (!lite() && now >= next_consent_) {
    std::size_t slot = consent_next_slot_++ % kConsentTxids;
    new_transaction_id(consent_txids_[slot]);
    auto bytes = build_request(index, consent_txids_[slot], false, scratch);
    next_consent_ = next_consent_time(now);
    if (!bytes.ok()) return false;
    consent_sent_at_[slot] = now;
    p.last_sent = now;
    ++stats_.consent_checks_sent;
    return transmit(out, local, remote, *bytes);
  }
  // RFC 8445 §11: a Binding indication only when nothing else was sent on
  // the pair for Tr, so an active link carries no extra packets.
  if (lite() && now >= next_keepalive_) {
    Timestamp due = p.last_sent + config_.timing.keepalive_interval;
    if (due > now) {
      next_keepalive_ = due;
      return false;
    }
    stun::TransactionId txid;
    new_transaction_id(txid);
    stun::Builder b(scratch, stun::message_type(stun::kMethodBinding, stun::Class::indication), txid);
    b.add_fingerprint();
    auto bytes = b.finish();
    next_keepalive_ = now + config_.timing.keepalive_interval;
    if (!bytes.ok()) return false;
    p.last_sent = now;
    ++stats_.keepalives_sent;
    return transmit(out, selected_local_, selected_remote_, *bytes);
  }
  return false;
}

// A lite agent sends no consent checks (RFC 8445 §2.5), but its full peer
// does, every 5 s on the selected pair (RFC 7675 §5.1). A nominated pair on
// which no authenticated check has arrived for the consent timeout (30 s)
// lapses, so a USE-CANDIDATE replayed from a victim's address cannot hold
// media there for longer. The freshest other nominated pair takes over;
// without one, consent is lost.
void Agent::expire_lite_selection(Timestamp now) {
  if (!has_selected_ || !selected_in_list_ || heard_[selected_].is_never()) return;
  const Duration timeout = config_.timing.consent_timeout;
  if (now < heard_[selected_] + timeout) return;
  CandidatePair& stale = pairs_[selected_];
  stale.nominated = false;
  stale.valid = false;
  stale.state = PairState::failed;
  int best = -1;
  for (std::size_t i = 0; i < pair_count_; ++i) {
    const CandidatePair& p = pairs_[i];
    if (!p.nominated || heard_[i].is_never() || now >= heard_[i] + timeout) continue;
    if (best < 0 || p.priority > pairs_[best].priority) best = static_cast<int>(i);
  }
  if (best >= 0) {
    select_pair(static_cast<uint8_t>(best));
    return;
  }
  char reason[kFailureDetailSize];
  format_reason(reason, "no authenticated check from the peer for %lld s (ICE-lite)",
                static_cast<long long>((now - heard_[selected_]).as_millis() / 1000));
  fail(Code::consent_lost, reason);
}

// RFC 7675 §5.1: no authenticated response for 30 s -> consent lost.
void Agent::expire_consent(Timestamp now) {
  if (lite()) {
    expire_lite_selection(now);
    return;
  }
  if (consent_pair() < 0 || last_consent_.is_never()) return;
  if (now >= last_consent_ + config_.timing.consent_timeout) {
    char reason[kFailureDetailSize];
    format_reason(reason, "no response to consent checks for %lld s",
                  static_cast<long long>((now - last_consent_).as_millis() / 1000));
    fail(Code::consent_lost, reason);
    return;
  }
  if (state_ == AgentState::connected && now >= last_consent_ + config_.timing.disconnected_after) {
    state_ = AgentState::disconnected;
    push_event(EventKind::disconnected);
  }
}

// true when the response answers a consent check; verdict says whether it
// counted (each dropped response is counted once, here).
bool Agent::on_consent_response(const stun::Message& msg, const SocketAddr& from, Verdict& verdict) {
  for (std::size_t i = 0; i < kConsentTxids; ++i) {
    if (consent_txids_[i] == stun::TransactionId{} || !(consent_txids_[i] == msg.transaction_id())) continue;
    verdict = Verdict::discarded;
    if (!msg.verify_integrity(remote_creds_.key()).ok()) {
      ++stats_.integrity_failures;
      return true;
    }
    int cp = consent_pair();
    if (cp < 0 || !(from == remote_[pairs_[cp].remote].address) || msg.message_class() != stun::Class::success) {
      ++stats_.dropped;
      return true;
    }
    verdict = Verdict::accepted;
    ++stats_.responses_received;
    consent_txids_[i] = stun::TransactionId{};
    last_consent_ = now_;
    // consent checks are never retransmitted
    if (has_selected_) selected_rtt_ = now_ - consent_sent_at_[i];
    if (state_ == AgentState::disconnected) {
      state_ = AgentState::connected;
      push_event(EventKind::connected);
    }
    return true;
  }
  return false;
}

}  // namespace keyway::ice
