// SPDX-License-Identifier: Apache-2.0
// Agent: server-reflexive candidates (RFC 8445 §5.1.1.2) from a STUN
// server the caller names: an unauthenticated Binding request from each
// host base, retransmitted per RFC 8489 §6.2.1.
#include "keyway/ice/agent.hpp"
#include "keyway/ice/priority.hpp"
#include "keyway/ice/stun/builder.hpp"

namespace keyway::ice {

bool Agent::poll_gather(Timestamp now, MutableBytes scratch, Output& out) {
  for (std::size_t i = 0; i < gather_count_; ++i) {
    GatherTx& g = gathers_[i];
    if (g.done || g.next > now) continue;
    if (g.transmits >= config_.timing.gather_max_transmits) {
      g.done = true;  // no answer: this server gives us nothing
      continue;
    }
    stun::Builder b(scratch, stun::message_type(stun::kMethodBinding, stun::Class::request), g.txid);
    if (config_.software != nullptr) b.add_text(stun::attr::kSoftware, config_.software);
    b.add_fingerprint();
    auto bytes = b.finish();
    if (g.transmits > 0) g.rto = g.rto * 2;
    ++g.transmits;
    g.next = now + g.rto;
    if (!bytes.ok()) {
      ++stats_.dropped;
      continue;
    }
    return transmit(out, local_base_[g.host], g.server, *bytes);
  }
  return false;
}

bool Agent::on_gather_response(const stun::Message& msg, const SocketAddr& from) {
  for (std::size_t i = 0; i < gather_count_; ++i) {
    GatherTx& g = gathers_[i];
    if (g.done || !(g.txid == msg.transaction_id()) || !(from == g.server)) continue;
    g.done = true;
    if (msg.message_class() != stun::Class::success) return true;
    auto mapped = msg.xor_address(stun::attr::kXorMappedAddress);
    if (!mapped.ok()) mapped = msg.plain_address(stun::attr::kMappedAddress);  // pre-RFC 5389 servers
    if (mapped.ok() && !config_.relay_only) add_reflexive_candidate(g.host, *mapped);
    return true;
  }
  return false;
}

// A server-reflexive candidate seen from a host (a STUN server's answer,
// or a TURN server's XOR-MAPPED-ADDRESS).
void Agent::add_reflexive_candidate(uint8_t host, const SocketAddr& mapped) {
  const SocketAddr base = local_base_[host];
  // RFC 8445 §5.1.3: a reflexive address equal to its base (no NAT) is redundant.
  if (mapped == base) return;
  int existing = -1;  // a peer-reflexive twin learned from a check becomes this srflx
  for (std::size_t k = 0; k < local_count_; ++k)
    if (local_[k].address == mapped) existing = static_cast<int>(k);
  if (existing >= 0 && local_[existing].type != CandidateType::prflx) return;
  if (existing < 0 && !reserve_locals(local_count_ + 1)) return;
  CandidateCore c;
  c.type = CandidateType::srflx;
  c.address = mapped;
  c.priority = candidate_priority(CandidateType::srflx, local_preference_of(local_[host].priority), 1);
  c.has_raddr = c.has_rport = true;  // RFC 8839 §5.1: related address = the base
  c.related = base;
  assign_foundation(c, base);
  auto index = static_cast<uint8_t>(existing >= 0 ? existing : static_cast<int>(local_count_));
  local_[index] = c;
  local_base_[index] = base;
  if (existing < 0) ++local_count_;
  push_event(EventKind::new_local_candidate, index);
}

}  // namespace keyway::ice
