// SPDX-License-Identifier: Apache-2.0
// Agent: relayed candidates through TURN (RFC 8656; RFC 8445 §5.1.1.2).
//
//   host socket ──Allocate──> TURN server        relayed candidate R (base R)
//   check on (R, peer): CreatePermission(peer) first, then the Binding
//   request goes out as ChannelData / Send indication from the host socket
//   to the server; what comes back through the allocation is unwrapped
//   (unwrap_relayed) and handled as if it had arrived on R from the peer.
//
// poll_output leaves kRelayHeadroom bytes at the front of the caller's
// scratch buffer, so a check from a relayed base is wrapped in place.
#include <cstring>
#include <memory>
#include <new>

#include "keyway/ice/agent.hpp"
#include "keyway/ice/priority.hpp"

namespace keyway::ice {
namespace {
constexpr Error kFailed = make_error(Layer::ice, Code::bad_state, "agent: failed; restart() first");
constexpr Error kRelaysFull = make_error(Layer::ice, Code::capacity, "agent: TURN server capacity reached (2)");
constexpr Error kNoHostForTurn = make_error(Layer::ice, Code::bad_state, "agent: no host candidate of the TURN server's family");
constexpr Error kNoMemory = make_error(Layer::ice, Code::capacity, "agent: no memory for the TURN clients");
constexpr Error kNoTurn = make_error(Layer::ice, Code::invalid_argument, "agent: TURN is not in this build (meson -Dprofile=minimal)");
constexpr Error kNotRelayed = make_error(Layer::ice, Code::invalid_argument, "agent: not a relayed local address");
}  // namespace

int Agent::relay_of_base(const SocketAddr& base) const {
  for (std::size_t i = 0; i < relay_count(); ++i)
    if (relays_[i].allocated() && relays_[i].relayed() == base) return static_cast<int>(i);
  return -1;
}

int Agent::relay_of_server(const SocketAddr& server, const SocketAddr& local) const {
  for (std::size_t i = 0; i < relay_count(); ++i)
    if (relays_[i].server() == server && local_base_[relay_host_[i]] == local) return static_cast<int>(i);
  return -1;
}

bool Agent::hidden_local(std::size_t local) const {
  return config_.relay_only && local_[local].type != CandidateType::relay;
}

bool Agent::relays_pending() const {
  for (std::size_t i = 0; i < relay_count(); ++i)
    if (!relay_done_[i]) return true;
  return false;
}

// RFC 8656 §9: nothing goes to a peer through the relay before its permission.
bool Agent::pair_sendable(const CandidatePair& p) const {
  int r = relay_of_base(local_base_[p.local]);
  return r < 0 || relays_[r].can_send_to(remote_[p.remote].address);
}

Status Agent::add_turn_server(const TurnServer& server) {
  ENSURE(profile::kTurn, kNoTurn);
  ENSURE(state_ != AgentState::failed, kFailed);
  ENSURE(relay_count_ < kMaxTurnServers, kRelaysFull);
  int host = -1;
  for (std::size_t i = 0; i < local_count_ && host < 0; ++i)
    if (local_[i].type == CandidateType::host && local_[i].address.family == server.address.family) host = static_cast<int>(i);
  ENSURE(host >= 0, kNoHostForTurn);
  if (!relays_) {
    relays_.reset(new (std::nothrow) turn::Client[kMaxTurnServers]);
    ENSURE(relays_ != nullptr, kNoMemory);
  }
  turn::ClientConfig c;
  c.server = server.address;
  c.local = local_base_[host];
  c.transport = server.transport;
  c.username = server.username;
  c.password = server.password;
  c.permission_refresh = config_.turn_permission_refresh;
  c.channel_refresh = config_.turn_channel_refresh;
  // Built in its slot (a turn::Client is 4.4 KB: no copy on the stack); a
  // client that fails to start stays there unused, past relay_count_.
  turn::Client& client = relays_[relay_count_];
  std::destroy_at(&client);
  std::construct_at(&client, c, *rng_);
  TRY(client.start(now_));
  relay_host_[relay_count_] = static_cast<uint8_t>(host);
  relay_done_[relay_count_] = false;
  ++relay_count_;
  gathering_reported_ = false;
  return ok_status();
}

// RFC 8445 §5.1.1.2: the relayed candidate is its own base; its related
// address is the mapped one (RFC 8839 §5.1). Type preference 0 (§5.1.2.2).
void Agent::add_relayed_candidate(std::size_t relay, const turn::Event& e) {
  if (!reserve_locals(local_count_ + 1)) {
    ++stats_.dropped;
    return;
  }
  CandidateCore c;
  c.type = CandidateType::relay;
  c.address = e.relayed;
  c.priority = candidate_priority(CandidateType::relay, static_cast<uint16_t>(65535 - relay), 1);
  c.has_raddr = c.has_rport = true;
  c.related = e.mapped;
  assign_foundation(c, e.relayed);
  auto index = static_cast<uint8_t>(local_count_++);
  local_[index] = c;
  local_base_[index] = e.relayed;
  push_event(EventKind::new_local_candidate, index);
  form_pairs_for_local(index);
}

void Agent::on_relay_event(std::size_t relay, const turn::Event& e) {
  switch (e.kind) {
    case turn::Event::Kind::allocated:
      relay_done_[relay] = true;
      add_relayed_candidate(relay, e);
      // XOR-MAPPED-ADDRESS is a server-reflexive address as well (RFC 8656 §7.3).
      if (!config_.relay_only) add_reflexive_candidate(relay_host_[relay], e.mapped);
      return;
    case turn::Event::Kind::failed: {
      relay_done_[relay] = true;
      bool any_allocated = false;
      for (std::size_t i = 0; i < relay_count(); ++i) any_allocated = any_allocated || relays_[i].allocated();
      // Relay-only with no relay left: the call cannot go anywhere, and TURN says why.
      if (config_.relay_only && !any_allocated && !relays_pending()) fail(e.error.code, e.error.detail);
      return;
    }
    case turn::Event::Kind::closed:
      relay_done_[relay] = true;
      return;
    case turn::Event::Kind::refreshed:
    case turn::Event::Kind::permission_created:
    case turn::Event::Kind::channel_bound:
    case turn::Event::Kind::peer_failed:
      return;  // counted by the client (turn_clients()[i].stats())
  }
}

// The TURN clients' own traffic (Allocate, Refresh, CreatePermission,
// ChannelBind) and their events, before the agent's.
bool Agent::poll_relays(Timestamp now, MutableBytes scratch, Output& out) {
  for (std::size_t i = 0; i < relay_count(); ++i) {
    for (int guard = 0; guard < 64; ++guard) {
      turn::Output o = relays_[i].poll_output(now, scratch);
      if (o.kind == turn::Output::Kind::timeout) break;
      if (o.kind == turn::Output::Kind::event) {
        on_relay_event(i, o.event);
        continue;
      }
      out.kind = Output::Kind::transmit;
      out.transmit = o.transmit;
      return true;
    }
  }
  return false;
}

// A check, response or consent request from a relayed base goes to the TURN
// server, wrapped; its bytes sit kRelayHeadroom into scratch (poll_output).
bool Agent::wrap_if_relayed(Output& out, MutableBytes scratch) {
  if (out.kind != Output::Kind::transmit) return true;
  int r = relay_of_base(out.transmit.from);
  if (r < 0) return true;
  auto t = relays_[r].wrap(now_, out.transmit.to, out.transmit.bytes, scratch);
  if (!t.ok()) {
    ++stats_.dropped;  // no permission (yet, or any more): lost like a datagram
    return false;
  }
  out.transmit = *t;
  return true;
}

Relayed Agent::unwrap_relayed(Timestamp now, Bytes datagram, const SocketAddr& from, const SocketAddr& to) {
  clamp(now);
  int r = relay_of_server(from, to);
  if (r < 0) return Relayed{};
  turn::Received got = relays_[r].handle_datagram(now_, datagram, from);
  return Relayed{true, got.data, got.peer, relays_[r].relayed()};
}

Result<Transmit> Agent::wrap_relayed(Timestamp now, const SocketAddr& local, const SocketAddr& remote, Bytes data,
                                     MutableBytes out) {
  clamp(now);
  int r = relay_of_base(local);
  ENSURE(r >= 0, kNotRelayed);
  return relays_[r].wrap(now_, remote, data, out);
}

}  // namespace keyway::ice

namespace keyway::ice {

bool Agent::gathering_done() const { return !gathering_pending() && !relays_pending(); }

std::optional<CandidateType> Agent::selected_local_type() const {
  const CandidatePair* p = selected_pair();
  if (p == nullptr) return std::nullopt;
  return local_[p->local].type;
}

std::optional<CandidateType> Agent::selected_remote_type() const {
  const CandidatePair* p = selected_pair();
  if (p == nullptr) return std::nullopt;
  return remote_[p->remote].type;
}

}  // namespace keyway::ice

namespace keyway::ice {

void Agent::close_relays(Timestamp now) {
  clamp(now);
  for (std::size_t i = 0; i < relay_count(); ++i) relays_[i].close(now_);
}

}  // namespace keyway::ice
