// Agent: consent freshness (RFC 7675) on the selected pair, and the
// keep-alive policy of agents that send no consent checks (ICE-lite).
#include <cstdio>

#include "ice/agent.hpp"
#include "ice/stun/builder.hpp"

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
  if (config_.lite) {
    next_consent_ = Timestamp::never();
    next_keepalive_ = now + config_.timing.keepalive_interval;
    return;
  }
  next_consent_ = next_consent_time(now);
}

bool Agent::poll_consent(Timestamp now, MutableBytes scratch, Output& out) {
  const CandidatePair* sp = selected_pair();
  if (sp == nullptr || remote_creds_.empty()) return false;
  CandidatePair& p = pairs_[selected_];
  if (!config_.lite && now >= next_consent_) {
    std::size_t slot = consent_next_slot_++ % kConsentTxids;
    new_transaction_id(consent_txids_[slot]);
    auto bytes = build_request(selected_, consent_txids_[slot], false, scratch);
    next_consent_ = next_consent_time(now);
    if (!bytes.ok()) return false;
    consent_sent_at_[slot] = now;
    p.last_sent = now;
    ++stats_.consent_checks_sent;
    out.kind = Output::Kind::transmit;
    out.transmit = Transmit{selected_local_, selected_remote_, *bytes};
    return true;
  }
  // RFC 8445 §11: a Binding indication only when nothing else was sent on
  // the pair for Tr, so an active link carries no extra packets.
  if (config_.lite && now >= next_keepalive_) {
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
    out.kind = Output::Kind::transmit;
    out.transmit = Transmit{selected_local_, selected_remote_, *bytes};
    return true;
  }
  return false;
}

// RFC 7675 §5.1: no authenticated response for 30 s -> consent lost.
void Agent::expire_consent(Timestamp now) {
  if (config_.lite || selected_pair() == nullptr || last_consent_.is_never()) return;
  if (now >= last_consent_ + config_.timing.consent_timeout) {
    char reason[sizeof failure_reason_];
    std::snprintf(reason, sizeof reason, "consent lost: no response to consent checks for %lld s",
                  static_cast<long long>((now - last_consent_).as_millis() / 1000));
    fail(reason);
    return;
  }
  if (state_ == AgentState::connected && now >= last_consent_ + config_.timing.disconnected_after) {
    state_ = AgentState::disconnected;
    push_event(EventKind::disconnected);
  }
}

bool Agent::on_consent_response(const stun::Message& msg, const SocketAddr& from) {
  for (std::size_t i = 0; i < kConsentTxids; ++i) {
    if (!(consent_txids_[i] == msg.transaction_id())) continue;
    if (!msg.verify_integrity(remote_creds_.key).ok()) {
      ++stats_.integrity_failures;
      return false;
    }
    if (!(from == selected_remote_) || msg.message_class() != stun::Class::success) return false;
    ++stats_.responses_received;
    consent_txids_[i] = stun::TransactionId{};
    last_consent_ = now_;
    selected_rtt_ = now_ - consent_sent_at_[i];  // consent checks are never retransmitted
    if (state_ == AgentState::disconnected) {
      state_ = AgentState::connected;
      push_event(EventKind::connected);
    }
    return true;
  }
  return false;
}

}  // namespace keyway::ice
