// SPDX-License-Identifier: Apache-2.0
// Agent: incoming Binding requests (RFC 8445 §7.3) — authentication, role
// conflicts, peer-reflexive candidates, triggered checks, nomination — and
// the responses queued for poll_output.
#include <cstdio>
#include <cstring>

#include "keyway/ice/agent.hpp"
#include "keyway/ice/stun/builder.hpp"

namespace keyway::ice {

// RFC 8445 §7.3: USERNAME is "local-ufrag:remote-ufrag"; our part must match.
bool Agent::check_username(const stun::Message& msg) const {
  auto user = msg.text(stun::attr::kUsername);
  if (!user.ok()) return false;
  std::string_view mine = local_creds_.ufrag_view();
  return user->size() > mine.size() && user->substr(0, mine.size()) == mine && (*user)[mine.size()] == ':';
}

// The smallest 400 we can send (RFC 8489 §9.1.3): header, ERROR-CODE with an
// empty reason phrase (§14.8: it is only for diagnostics) and FINGERPRINT
// (RFC 8445 §7.3); no SOFTWARE.
constexpr std::size_t kBareBadRequestSize = stun::kHeaderSize + (4 + 4) + (4 + 4);

// RFC 8489 §9.1.3 asks for a 400 to a request without MESSAGE-INTEGRITY or
// USERNAME. Its source is unproven, so the reply is never larger than the
// request (issue 12: no amplification towards a spoofed address): the
// smallest 400 when it fits, otherwise nothing.
Verdict Agent::on_unauthenticated_request(const stun::Message& msg, const SocketAddr& from, const SocketAddr& to) {
  if (msg.bytes().size() < kBareBadRequestSize) {
    ++stats_.dropped;
    return Verdict::discarded;
  }
  queue_response(msg, from, to, stun::error_code::kBadRequest, false);
  return Verdict::accepted;
}

Verdict Agent::on_request(const stun::Message& msg, const SocketAddr& from, const SocketAddr& to) {
  // RFC 8445 §7.3: a request is answered from the base it arrived on; one
  // sent to an address we were never told about is not ours to answer.
  // Relay-only: a check that reached a host socket directly is not answered.
  if (find_local_base(to) < 0 || hidden_local(static_cast<std::size_t>(find_local_base(to)))) {
    ++stats_.dropped;
    return Verdict::discarded;
  }
  if (!msg.has(stun::attr::kMessageIntegrity) || !msg.has(stun::attr::kUsername))
    return on_unauthenticated_request(msg, from, to);
  // A wrong ufrag or MAC is dropped silently and counted: nothing about the
  // agent changes for a request that does not authenticate.
  if (!check_username(msg)) {
    ++stats_.dropped;
    return Verdict::discarded;
  }
  if (!msg.verify_integrity(local_creds_.key()).ok()) {
    ++stats_.integrity_failures;
    return Verdict::discarded;
  }
  ++stats_.requests_received;
  // RFC 8489 §6.3.1: unknown comprehension-required attributes -> 420.
  if (msg.unknown_required().count > 0) {
    queue_response(msg, from, to, stun::error_code::kUnknownAttribute, true);
    return Verdict::accepted;
  }
  if (!msg.priority().ok()) {  // RFC 8445 §7.3: PRIORITY is mandatory in checks
    queue_response(msg, from, to, stun::error_code::kBadRequest, true);
    return Verdict::accepted;
  }
  if (!resolve_role_conflict(msg)) {
    queue_response(msg, from, to, stun::error_code::kRoleConflict, true);
    return Verdict::accepted;
  }
  on_authenticated_check(msg, static_cast<uint8_t>(find_local_base(to)), from);
  queue_response(msg, from, to, 0, true);
  return Verdict::accepted;
}

// RFC 8445 §7.3.1.1: the larger tie-breaker keeps (or takes) the
// controlling role; false means "answer 487 Role Conflict".
bool Agent::resolve_role_conflict(const stun::Message& msg) {
  if (lite()) return true;  // a lite agent is always controlled
  if (controlling_ && msg.has(stun::attr::kIceControlling)) {
    auto theirs = msg.tie_breaker(stun::attr::kIceControlling);
    if (!theirs.ok()) return true;
    ++stats_.role_conflicts;
    if (tie_breaker_ >= *theirs) return false;
    controlling_ = false;
    recompute_priorities();
  } else if (!controlling_ && msg.has(stun::attr::kIceControlled)) {
    auto theirs = msg.tie_breaker(stun::attr::kIceControlled);
    if (!theirs.ok()) return true;
    ++stats_.role_conflicts;
    if (tie_breaker_ < *theirs) return false;
    controlling_ = true;
    recompute_priorities();
  }
  return true;
}

// RFC 8445 §7.3.1.3-§7.3.1.5: learn a peer-reflexive remote candidate,
// schedule a triggered check, and honour USE-CANDIDATE.
void Agent::on_authenticated_check(const stun::Message& msg, uint8_t local, const SocketAddr& from) {
  int remote = find_remote(from);
  if (remote < 0) {
    CandidateCore c;
    char f[16];
    int n = std::snprintf(f, sizeof f, "prflx%u", unsigned{++prflx_count_});
    (void)c.set_foundation(std::string_view(f, static_cast<std::size_t>(n)));
    c.type = CandidateType::prflx;
    c.address = from;
    c.priority = *msg.priority();
    if (!add_remote_entry(c, remote).ok()) return;
  }
  authenticated_remotes_ |= 1u << remote;
  int index = find_pair(local, remote);
  if (index < 0) return;
  auto pi = static_cast<uint8_t>(index);
  CandidatePair& p = pairs_[pi];
  bool use_candidate = msg.has(stun::attr::kUseCandidate);
  if (lite()) {  // RFC 8445 §2.5: a lite agent follows the controlling side
    p.state = PairState::succeeded;
    p.valid = true;
    heard_[pi] = now_;
    if (use_candidate) nominate(pi);
    return;
  }
  trigger_check(pi);
  if (use_candidate && !controlling_) {
    if (p.valid && p.state == PairState::succeeded) nominate(pi);
    else p.nominate_on_success = true;
  }
}

// RFC 8445 §7.3.1.4: a triggered check, unless the pair already
// succeeded. An In-Progress check is cancelled (no more retransmissions)
// but its response, if it comes, still counts.
void Agent::trigger_check(uint8_t pi) {
  CandidatePair& p = pairs_[pi];
  if (p.state == PairState::in_progress && !p.nominating) {
    cancel_check(pi);
    p.state = PairState::waiting;
    triggered_.push(pi);
  } else if (p.state == PairState::frozen || p.state == PairState::waiting || p.state == PairState::failed) {
    p.state = PairState::waiting;
    p.failure = PairFailure::none;
    triggered_.push(pi);
  }
}

// The peer is evidently there (peer::Connection holds its ClientHello) but
// our check toward it has not succeeded yet, typically lost on the way: check
// again now instead of at the next retransmission, and retransmit that check
// on the round trip just seen (check_rto). Only toward an address whose
// authenticated check we answered, and only a full agent checks.
void Agent::check_again(const SocketAddr& local, const SocketAddr& remote) {
  int l = find_local_base(local), r = find_remote(remote);
  int p = l >= 0 && r >= 0 ? find_pair(l, r) : -1;
  if (lite() || p < 0 || pairs_[p].valid || (authenticated_remotes_ >> r & 1u) == 0) return;
  pairs_[p].peer_waiting = true;
  trigger_check(static_cast<uint8_t>(p));
}

void Agent::queue_response(const stun::Message& msg, const SocketAddr& from, const SocketAddr& to, uint16_t error,
                           bool authenticated) {
  const bool unknown = error == stun::error_code::kUnknownAttribute;
  if (response_count_ == kMaxResponses || (unknown && unknown_queued())) {
    ++stats_.dropped;  // the peer retransmits; we answer then
    return;
  }
  PendingResponse& r = responses_[response_count_++];
  r = PendingResponse{};
  r.txid = msg.transaction_id();
  r.local = to;
  r.remote = from;
  r.error = error;
  r.authenticated = authenticated;
  if (unknown) unknown_ = msg.unknown_required();
}

static const char* reason_phrase(uint16_t code) {
  switch (code) {
    case stun::error_code::kBadRequest: return "Bad Request";
    case stun::error_code::kUnknownAttribute: return "Unknown Attribute";
    case stun::error_code::kRoleConflict: return "Role Conflict";
    default: return "Error";
  }
}

// RFC 8445 §7.3.1.2: a success carries XOR-MAPPED-ADDRESS = the request's
// source; both kinds carry MESSAGE-INTEGRITY (if the request had it) and FINGERPRINT.
bool Agent::poll_response(MutableBytes scratch, Output& out) {
  if (response_count_ == 0) return false;
  PendingResponse r = responses_[0];
  std::memmove(&responses_[0], &responses_[1], sizeof(PendingResponse) * (response_count_ - 1));
  --response_count_;
  stun::Class cls = r.error == 0 ? stun::Class::success : stun::Class::error;
  stun::Builder b(scratch, stun::message_type(stun::kMethodBinding, cls), r.txid);
  if (r.error == 0) {
    b.add_xor_address(stun::attr::kXorMappedAddress, r.remote);
  } else {
    // An unauthenticated 400 is the bare one (kBareBadRequestSize).
    b.add_error_code(r.error, r.authenticated ? reason_phrase(r.error) : "");
    if (r.error == stun::error_code::kUnknownAttribute)
      b.add_unknown_attributes(std::span<const uint16_t>(unknown_.types, unknown_.count));
  }
  if (config_.software != nullptr && r.authenticated) b.add_text(stun::attr::kSoftware, config_.software);
  if (r.authenticated) b.add_message_integrity(local_creds_.key());
  b.add_fingerprint();
  auto bytes = b.finish();
  if (!bytes.ok() || (!r.authenticated && bytes->size() > kBareBadRequestSize)) {
    ++stats_.dropped;
    return false;
  }
  touch_pair(r.local, r.remote);
  return transmit(out, r.local, r.remote, *bytes);
}

bool Agent::unknown_queued() const {
  for (std::size_t i = 0; i < response_count_; ++i)
    if (responses_[i].error == stun::error_code::kUnknownAttribute) return true;
  return false;
}

void Agent::touch_pair(const SocketAddr& local, const SocketAddr& remote) {
  int l = find_local_base(local), r = find_remote(remote);
  int p = l >= 0 && r >= 0 ? find_pair(l, r) : -1;
  if (p >= 0) pairs_[p].last_sent = now_;
}

}  // namespace keyway::ice
