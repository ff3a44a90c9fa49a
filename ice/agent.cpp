// SPDX-License-Identifier: Apache-2.0
// Agent: typed inputs, candidates, pair formation, selection and events.
// Outgoing checks live in agent_checks.cpp, incoming requests in
// agent_requests.cpp, consent and gathering in agent_consent.cpp.
#include "keyway/ice/agent.hpp"

#include <new>

#include <cstdio>
#include <cstring>

#include "keyway/ice/priority.hpp"

namespace keyway::ice {
namespace {
constexpr Error kNoRng = make_error(Layer::ice, Code::invalid_argument, "agent: Config.rng is not set");
constexpr Error kLocalFull = make_error(Layer::ice, Code::capacity, "agent: local candidate capacity reached");
constexpr Error kRemoteFull = make_error(Layer::ice, Code::capacity, "agent: remote candidate capacity reached");
constexpr Error kServersFull = make_error(Layer::ice, Code::capacity, "agent: STUN server capacity reached");
constexpr Error kNoStorageHeap = make_error(Layer::ice, Code::capacity, "agent: no heap to grow the check storage");
constexpr Error kLiteOnly =
    make_error(Layer::ice, Code::invalid_argument, "agent: ICE-lite only in this build (device profile): host candidates only");
constexpr Error kNoHost = make_error(Layer::ice, Code::bad_state, "agent: no host candidate of the STUN server's family");
constexpr Error kUnspecified = make_error(Layer::ice, Code::invalid_argument,
                                          "agent: a host candidate needs a concrete address and port, not 0.0.0.0, :: or port 0 "
                                          "(bind each interface's address and add that)");
constexpr Error kDuplicate = make_error(Layer::ice, Code::invalid_argument, "agent: local address already added");
constexpr Error kReleased = make_error(Layer::ice, Code::bad_state,
                                      "agent: candidates freed after completion (RFC 8445 §8.3); restart() first");
constexpr Error kFailed = make_error(Layer::ice, Code::bad_state, "agent: failed; restart() first");

std::size_t bounded(std::size_t want, std::size_t max) { return want == 0 || want > max ? max : want; }
}  // namespace

const char* to_string(AgentState s) {
  switch (s) {
    case AgentState::gathering_or_new: return "new";
    case AgentState::checking: return "checking";
    case AgentState::connected: return "connected";
    case AgentState::disconnected: return "disconnected";
    case AgentState::failed: return "failed";
  }
  return "?";
}

const char* to_string(EventKind kind) {
  switch (kind) {
    case EventKind::new_local_candidate: return "new-local-candidate";
    case EventKind::gathering_complete: return "gathering-complete";
    case EventKind::selected_pair_changed: return "selected-pair-changed";
    case EventKind::connected: return "connected";
    case EventKind::disconnected: return "disconnected";
    case EventKind::failed: return "failed";
  }
  return "?";
}

Agent::Settings Agent::settings_of(const Config& config) {
  Settings s;
  s.lite = config.lite;
  s.aggressive_nomination = config.aggressive_nomination;
  s.relay_only = config.relay_only;
  s.max_local_candidates = static_cast<uint8_t>(bounded(config.max_local_candidates, kMaxLocalCandidates));
  s.max_remote_candidates = static_cast<uint8_t>(bounded(config.max_remote_candidates, kMaxRemoteCandidates));
  s.max_pairs = static_cast<uint8_t>(bounded(config.max_pairs, kMaxPairs));
  s.software = config.software;
  s.timing = config.timing;
  s.turn_permission_refresh = config.turn_permission_refresh;
  s.turn_channel_refresh = config.turn_channel_refresh;
  return s;
}

Agent::Agent(const Config& config)
    : config_(settings_of(config)), rng_(config.rng), controlling_(config.controlling && profile::kIceFull && !config.lite) {
  reset_check_storage();  // grown as candidates arrive (agent_storage.cpp)
  if (rng_ == nullptr) {
    fail(kNoRng.code, kNoRng.detail);
    return;
  }
  local_creds_ = Credentials::random(*rng_);
  tie_breaker_ = rng_->next_u64();  // RFC 8445 §7.1.3: 64-bit random tie-breaker
}

void Agent::clamp(Timestamp now) { clamp_time(now_, now); }

void Agent::new_transaction_id(stun::TransactionId& txid) { rng_->fill(txid.bytes); }

bool Agent::transmit(Output& out, const SocketAddr& local, const SocketAddr& remote, Bytes bytes) {
  out.kind = Output::Kind::transmit;
  out.transmit = Transmit{local, remote, bytes};
  return true;
}

Status Agent::set_local_credentials(std::string_view ufrag, std::string_view pwd) {
  auto c = Credentials::make(ufrag, pwd);
  if (!c.ok()) return c.error();
  local_creds_ = std::move(*c);
  return ok_status();
}

Status Agent::set_remote_credentials(std::string_view ufrag, std::string_view pwd) {
  auto c = Credentials::make(ufrag, pwd);
  if (!c.ok()) return c.error();
  remote_creds_ = std::move(*c);
  if (state_ == AgentState::gathering_or_new) state_ = AgentState::checking;
  return ok_status();
}

// RFC 8445 §5.1.1.3: candidates of the same type from the same base IP
// (and, for srflx, the same server) share a foundation. With at most
// kMaxStunServers servers we key on type and base IP only.
void Agent::assign_foundation(CandidateCore& c, const SocketAddr& base) {
  for (std::size_t i = 0; i < local_count_; ++i) {
    if (local_[i].type == c.type && local_base_[i].same_ip(base)) {
      (void)c.set_foundation(local_[i].foundation_view());
      return;
    }
  }
  char f[8];
  int n = std::snprintf(f, sizeof f, "%u", unsigned{next_foundation_++});
  (void)c.set_foundation(std::string_view(f, static_cast<std::size_t>(n)));
}

Result<const CandidateCore*> Agent::add_local_host(const SocketAddr& addr) {
  ENSURE(state_ != AgentState::failed, kFailed);
  ENSURE(!released_, kReleased);
  ENSURE(local_count_ < config_.max_local_candidates, kLocalFull);
  // RFC 8445 §5.1.1.1: candidates are the interfaces' own addresses; the
  // wildcard address (or port 0) would be offered to the peer as is.
  ENSURE(!addr.is_unspecified() && addr.port != 0, kUnspecified);
  ENSURE(find_local_base(addr) < 0, kDuplicate);
  ENSURE(reserve_locals(local_count_ + 1), kNoStorageHeap);
  CandidateCore c;
  c.component = 1;
  c.address = addr;
  c.type = CandidateType::host;
  assign_foundation(c, addr);
  // RFC 8445 §5.1.2.1: a distinct local preference per host address, first is best.
  c.priority = candidate_priority(CandidateType::host, static_cast<uint16_t>(65535 - local_count_), 1);
  auto index = static_cast<uint8_t>(local_count_);
  local_[index] = c;
  local_base_[index] = addr;
  ++local_count_;
  // For restart() once released; a lite agent never releases (completed()), so a lite-only build keeps none.
  if (profile::kIceFull) remember_host(addr);
  gathering_reported_ = false;
  if (hidden_local(index)) return &local_[index];  // relay-only: the socket to TURN servers, never offered
  push_event(EventKind::new_local_candidate, index);
  form_pairs_for_local(index);
  return &local_[index];
}

Status Agent::add_stun_server(const SocketAddr& server) {
  ENSURE(profile::kIceFull, kLiteOnly);  // RFC 8445 §2.5: a lite agent has host candidates only
  ENSURE(state_ != AgentState::failed, kFailed);
  ENSURE(!released_, kReleased);
  std::size_t hosts = 0, fresh = 0;
  for (std::size_t i = 0; i < local_count_; ++i) {
    if (local_[i].type != CandidateType::host || local_[i].address.family != server.family) continue;
    ++hosts;
    if (!gathering_through(i, server)) ++fresh;
  }
  ENSURE(hosts > 0, kNoHost);
  ENSURE(gather_count_ + fresh <= config_.max_local_candidates * kMaxStunServers, kServersFull);  // all or nothing
  ENSURE(reserve_gathers(gather_count_ + fresh), kNoStorageHeap);
  remember_server(server);  // for restart() once released
  // Hosts already gathering through this server are left alone, so calling
  // again after each new host address asks only for the new one.
  for (std::size_t i = 0; i < local_count_; ++i) {
    if (local_[i].type != CandidateType::host || local_[i].address.family != server.family) continue;
    if (gathering_through(i, server)) continue;
    GatherTx& g = gathers_[gather_count_++];
    g = GatherTx{};
    g.host = static_cast<uint8_t>(i);
    g.server = server;
    g.rto = config_.timing.gather_rto;
    g.next = now_;
    new_transaction_id(g.txid);
  }
  gathering_reported_ = false;
  return ok_status();
}

namespace {

// Appends addr to an exact-size block of count entries (room for cap),
// growing it by one (setup time). False when at max or out of heap.
bool append_exact(SocketAddr*& block, uint8_t& count, uint8_t& cap, std::size_t max, const SocketAddr& addr) {
  if (count < cap) {
    block[count++] = addr;
    return true;
  }
  if (cap >= max) return false;
  auto* grown = new (std::nothrow) SocketAddr[cap + 1u];
  if (grown == nullptr) return false;
  for (std::size_t i = 0; i < count; ++i) grown[i] = block[i];
  delete[] block;
  block = grown;
  ++cap;
  block[count++] = addr;
  return true;
}

}  // namespace

// The blocks grow by one entry per host or server (setup time); restart()
// re-adds the same ones in place. Out of heap: restart() re-creates fewer.
void Agent::remember_host(const SocketAddr& addr) {
  (void)append_exact(hosts_, host_count_, host_cap_, kMaxLocalCandidates, addr);
}

void Agent::remember_server(const SocketAddr& server) {
  for (std::size_t i = 0; i < server_count_; ++i)
    if (servers_[i] == server) return;
  (void)append_exact(servers_, server_count_, server_cap_, kMaxStunServers, server);
}

bool Agent::gathering_through(std::size_t host, const SocketAddr& server) const {
  for (std::size_t i = 0; i < gather_count_; ++i)
    if (gathers_[i].host == host && gathers_[i].server == server) return true;
  return false;
}

bool Agent::gathering_pending() const {
  for (std::size_t i = 0; i < gather_count_; ++i)
    if (!gathers_[i].done) return true;
  return false;
}

Status Agent::add_remote_candidate(std::string_view text) {
  auto c = Candidate::parse(text);
  if (!c.ok()) return c.error();
  return add_remote_candidate(*c);
}

Status Agent::add_remote_candidate(const CandidateCore& c) {
  ENSURE(state_ != AgentState::failed, kFailed);
  // We run one UDP component (rtcp-mux): TCP candidates (RFC 6544) and
  // other components are accepted and ignored.
  // RFC 8445 §8.3: once the candidates are freed, a late one is not paired.
  if (c.transport != Transport::udp || c.component != 1 || released_) {
    ++stats_.ignored_candidates;
    return ok_status();
  }
  int index = -1;
  return add_remote_entry(c, index);
}

// Adds (or, for a peer-reflexive one now signalled, upgrades) a remote
// candidate and pairs it with every local base (RFC 8445 §6.1.2.2).
Status Agent::add_remote_entry(const CandidateCore& c, int& index) {
  index = find_remote(c.address);
  if (index >= 0) {
    if (remote_[index].type == CandidateType::prflx && c.type != CandidateType::prflx) {
      remote_[index] = c;  // RFC 8445 §7.3.1.3: the signalled candidate replaces the learned one
      recompute_priorities();
    }
    return ok_status();
  }
  ENSURE(remote_count_ < config_.max_remote_candidates, kRemoteFull);
  ENSURE(reserve_remotes(remote_count_ + 1), kNoStorageHeap);
  index = static_cast<int>(remote_count_);
  remote_[remote_count_++] = c;
  form_pairs_for_remote(static_cast<uint8_t>(index));
  return ok_status();
}

void Agent::end_of_remote_candidates() { remote_end_of_candidates_ = true; }

void Agent::set_pacing(Duration ta) {
  config_.timing.ta = ta < Duration::millis(5) ? Duration::millis(5) : ta;
}

void Agent::set_remote_lite() {
  if (lite() || controlling_) return;  // two lite agents: nobody checks (RFC 8445 §6.1.1)
  controlling_ = true;
  recompute_priorities();
}

int Agent::find_local_base(const SocketAddr& addr) const {
  for (std::size_t i = 0; i < local_count_; ++i)
    if ((local_[i].type == CandidateType::host || local_[i].type == CandidateType::relay) && local_base_[i] == addr)
      return static_cast<int>(i);
  return -1;
}

int Agent::find_remote(const SocketAddr& addr) const {
  for (std::size_t i = 0; i < remote_count_; ++i)
    if (remote_[i].address == addr) return static_cast<int>(i);
  return -1;
}

int Agent::find_pair(int local, int remote) const {
  for (std::size_t i = 0; i < pair_count_; ++i)
    if (pairs_[i].local == local && pairs_[i].remote == remote) return static_cast<int>(i);
  return -1;
}

void Agent::form_pairs_for_local(uint8_t local) {
  if (hidden_local(local)) return;
  for (std::size_t r = 0; r < remote_count_; ++r) add_pair(local, static_cast<uint8_t>(r));
}

void Agent::form_pairs_for_remote(uint8_t remote) {
  for (std::size_t l = 0; l < local_count_; ++l) {
    bool base = local_[l].type == CandidateType::host || local_[l].type == CandidateType::relay;
    if (base && !hidden_local(l)) add_pair(static_cast<uint8_t>(l), remote);
  }
}

// RFC 8445 §6.1.2.2: same component and address family; server-reflexive
// locals are redundant with their base and never paired (§6.1.2.4).
void Agent::add_pair(uint8_t local, uint8_t remote) {
  if (local_[local].address.family != remote_[remote].address.family) return;
  if (find_pair(local, remote) >= 0) return;
  uint32_t l = local_[local].priority, r = remote_[remote].priority;
  uint64_t priority = controlling_ ? pair_priority(l, r) : pair_priority(r, l);
  // A new slot while the table may grow (out of heap: treated as full).
  int slot = reserve_pairs(pair_count_ + 1) ? static_cast<int>(pair_count_) : prunable_pair(priority);
  if (slot < 0) {
    ++stats_.dropped;  // the table is full of better or busier pairs
    return;
  }
  if (static_cast<std::size_t>(slot) == pair_count_) ++pair_count_;
  auto index = static_cast<uint8_t>(slot);
  CandidatePair& p = pairs_[index];
  p = CandidatePair{};
  forget_cancelled(index);
  p.local = local;
  p.remote = remote;
  p.priority = priority;
  heard_[index] = Timestamp::never();
  set_initial_state(index);
  // A pair on a relayed candidate: its permission first (RFC 8656 §9).
  int relay = profile::kTurn ? relay_of_base(local_base_[local]) : -1;
  if (relay >= 0 && !relays_[relay].add_peer(now_, remote_[remote].address).ok()) ++stats_.dropped;
}

// RFC 8445 §6.1.2.5: with the table full, the lowest-priority pair that is
// only Frozen or Waiting (never in flight, never valid) makes room for a
// better one. Its slot is reused, so indices held elsewhere stay valid.
int Agent::prunable_pair(uint64_t priority) const {
  int lowest = -1;
  for (std::size_t i = 0; i < pair_count_; ++i) {
    const CandidatePair& q = pairs_[i];
    if (q.valid || q.nominated || !(q.state == PairState::frozen || q.state == PairState::waiting)) continue;
    if (lowest < 0 || q.priority < pairs_[lowest].priority) lowest = static_cast<int>(i);
  }
  return lowest >= 0 && pairs_[lowest].priority < priority ? lowest : -1;
}

// RFC 8445 §6.1.2.6: a pair's foundation is its two candidates' foundations.
bool Agent::same_foundation_as(const CandidatePair& a, const CandidatePair& b) const {
  return local_[a.local].foundation_view() == local_[b.local].foundation_view() &&
         remote_[a.remote].foundation_view() == remote_[b.remote].foundation_view();
}

// RFC 8445 §6.1.2.6 (and RFC 8838 §10 for trickled pairs): one Waiting
// pair per foundation; the others wait Frozen until it succeeds.
void Agent::set_initial_state(uint8_t index) {
  // A lite-only build checks nothing (RFC 8445 §2.5): its pairs stay Frozen
  // until the peer's check makes them Succeeded (on_authenticated_check).
  if (!profile::kIceFull) return;
  CandidatePair& p = pairs_[index];
  p.state = PairState::waiting;
  for (std::size_t i = 0; i < pair_count_; ++i) {
    if (i == index || !same_foundation_as(pairs_[i], p)) continue;
    if (pairs_[i].state == PairState::succeeded) return;
    if (pairs_[i].pending()) p.state = PairState::frozen;
  }
}

void Agent::recompute_priorities() {
  for (std::size_t i = 0; i < pair_count_; ++i) {
    CandidatePair& p = pairs_[i];
    uint32_t l = local_[p.local].priority, r = remote_[p.remote].priority;
    p.priority = controlling_ ? pair_priority(l, r) : pair_priority(r, l);
  }
}

// An event reports the selected path as it is now (agent.hpp, QueuedEvent):
// a change remembers the path it replaced, the path of the events queued
// before it.
void Agent::push_path_change(const Path& replaced) {
  if (path_count_ == kQueuedPaths) {  // the newest unread change reports this path
    ++stats_.dropped;
    return;
  }
  const std::size_t queued = events_.size();
  push_event(EventKind::selected_pair_changed);
  if (events_.size() == queued) return;  // dropped: the queue is full
  paths_[(path_head_ + path_count_) % kQueuedPaths] = replaced;
  ++path_count_;
}

void Agent::push_event(EventKind kind, uint8_t candidate) {
  const bool was_full = events_.full();
  if (!events_.push(QueuedEvent{kind, candidate})) {
    ++stats_.dropped;  // the caller is not polling (a failure still gets in)
    if (!was_full || kind != EventKind::failed) return;
    // The failure took the place of the newest other event: if that was a
    // path change, its entry goes too.
    std::size_t changes = 0;
    (void)events_.remove_if([&](const QueuedEvent& e) {
      changes += e.kind == EventKind::selected_pair_changed ? 1 : 0;
      return false;
    });
    if (changes < path_count_) --path_count_;
  }
}

std::optional<ValidPath> Agent::validated_path(const SocketAddr& local, const SocketAddr& remote) const {
  if (has_selected_ && selected_local_ == local && selected_remote_ == remote) return selected_path();
  for (std::size_t i = 0; i < pair_count_; ++i) {
    const CandidatePair& p = pairs_[i];
    if (p.valid && local_base_[p.local] == local && remote_[p.remote].address == remote)
      return ValidPath{local, remote, p.rtt};
  }
  return std::nullopt;
}

bool Agent::authenticated_remote(const SocketAddr& remote) const {
  int r = find_remote(remote);
  return r >= 0 && (authenticated_remotes_ >> r & 1u) != 0;
}

const CandidatePair* Agent::selected_pair() const {
  return has_selected_ && selected_in_list_ ? &pairs_[selected_] : nullptr;
}

std::optional<Duration> Agent::selected_rtt() const {
  if (!has_selected_) return std::nullopt;
  return selected_rtt_;
}

std::optional<ValidPath> Agent::selected_path() const {
  if (!has_selected_) return std::nullopt;
  return ValidPath{selected_local_, selected_remote_, selected_rtt()};
}

std::optional<ValidPath> Agent::best_valid_path() const {
  const CandidatePair* best = best_valid_pair();
  if (best == nullptr) return std::nullopt;
  return ValidPath{local_base_[best->local], remote_[best->remote].address, best->rtt};
}

std::optional<ValidPath> Agent::best_path() const {
  if (auto s = selected_path()) return s;
  return best_valid_path();
}

std::optional<Duration> Agent::rtt_lower_bound(Timestamp now) const {
  std::optional<Duration> bound;
  for (std::size_t i = 0; i < pair_count_; ++i) {
    const CandidatePair& p = pairs_[i];
    if (p.valid && !p.rtt && p.last_sent != Timestamp{} && now >= p.last_sent) bound = now - p.last_sent;
  }
  return bound;
}

void Agent::select_pair(uint8_t index) {
  const CandidatePair& p = pairs_[index];
  bool changed = !has_selected_ || !selected_in_list_ || selected_ != index;
  has_selected_ = true;
  selected_in_list_ = true;
  selected_ = index;
  const Path replaced{selected_local_, selected_remote_};
  selected_local_ = local_base_[p.local];
  selected_remote_ = remote_[p.remote].address;
  if (p.rtt) selected_rtt_ = p.rtt;
  if (changed) {
    push_path_change(replaced);
    schedule_consent(now_);
  }
  if (state_ != AgentState::connected) {
    state_ = AgentState::connected;
    push_event(EventKind::connected);
  }
}

// RFC 8445 §8.1.1 / §7.3.1.5: a nominated pair is selected. The controlled
// side keeps the highest-priority nominated pair (aggressive nomination).
void Agent::nominate(uint8_t index) {
  CandidatePair& p = pairs_[index];
  p.nominated = true;
  p.nominate_on_success = false;
  bool regular = controlling_ && !config_.aggressive_nomination;
  if (regular || !has_selected_ || !selected_in_list_ || p.priority >= pairs_[selected_].priority)
    select_pair(index);
}

void Agent::fail(Code code, const char* detail) {
  if (state_ == AgentState::failed) return;
  failure_code_ = code;
  if constexpr (profile::kErrorText) {  // without error texts an Error has no detail to hold
    failure_detail_.reset(new (std::nothrow) char[kFailureDetailSize]);  // without room: no detail
    if (failure_detail_) std::snprintf(failure_detail_.get(), kFailureDetailSize, "%s", detail);
  }
  state_ = AgentState::failed;
  push_event(EventKind::failed);
}

void Agent::restart() {
  if (rng_ == nullptr) return;
  if (released_) recreate_local_candidates();
  local_creds_ = Credentials::random(*rng_);
  remote_creds_ = Credentials{};
  remote_count_ = 0;
  authenticated_remotes_ = 0;
  pair_count_ = 0;
  triggered_.clear();
  for (CancelledCheck& c : cancelled()) c.until = Timestamp::never();
  remote_end_of_candidates_ = false;
  nomination_started_ = false;
  first_valid_at_ = Timestamp::never();
  selected_in_list_ = false;  // the old path stays reported for media until a new one is selected
  next_consent_ = Timestamp::never();
  last_consent_ = Timestamp::never();
  next_keepalive_ = Timestamp::never();
  response_count_ = 0;
  prflx_count_ = 0;
  if (state_ == AgentState::failed) {
    state_ = AgentState::gathering_or_new;
    has_selected_ = false;
  }
}

}  // namespace keyway::ice
