// SPDX-License-Identifier: Apache-2.0
// Agent: the lifetime of the check storage (issue 13, "what only setup
// needs is released after setup").
//
// Connectivity checks need the candidate lists, the check list, the
// triggered-check bookkeeping and srflx gathering: one heap block sized by
// Config (max_local_candidates, max_remote_candidates, max_pairs). Once ICE
// has completed, RFC 8445 §8.3 lets a full agent wait three seconds and free
// every candidate but the selected pair's. Consent freshness (RFC 7675)
// needs only that pair, so the block is freed and the pair, its two
// candidates and its base move into the agent itself (kept_). restart()
// allocates the block again and re-creates the local candidates from the
// host addresses and STUN servers it was given.
#include <new>
#include <type_traits>

#include "keyway/ice/agent.hpp"

namespace keyway::ice {
namespace {

// RFC 8445 §8.3: "the agent SHOULD wait an additional three seconds".
constexpr Duration kFreeDelay = Duration::seconds(3);

constexpr std::size_t kAlign = alignof(std::max_align_t);
constexpr std::size_t round_up(std::size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

template <typename T>
std::size_t bytes_for(std::size_t n) {
  static_assert(std::is_trivially_destructible_v<T>, "the block is freed without running destructors");
  static_assert(alignof(T) <= kAlign);
  return round_up(n * sizeof(T));
}

// Default-constructs n T's at `at` and moves `at` past them.
template <typename T>
T* carve(std::byte*& at, std::size_t n) {
  T* first = std::launder(reinterpret_cast<T*>(at));
  for (std::size_t i = 0; i < n; ++i) ::new (static_cast<void*>(at + i * sizeof(T))) T{};
  at += bytes_for<T>(n);
  return first;
}

}  // namespace

bool Agent::allocate_check_storage() {
  local_cap_ = config_.max_local_candidates;
  remote_cap_ = config_.max_remote_candidates;
  pair_cap_ = config_.max_pairs;
  gather_cap_ = config_.max_local_candidates * kMaxStunServers;
  std::size_t n = bytes_for<Candidate>(local_cap_) + bytes_for<SocketAddr>(local_cap_) +
                  bytes_for<Candidate>(remote_cap_) + bytes_for<CandidatePair>(pair_cap_) +
                  bytes_for<Timestamp>(pair_cap_) + bytes_for<GatherTx>(gather_cap_);
  storage_ = new (std::nothrow) std::byte[n];
  if (storage_ == nullptr) {
    local_cap_ = remote_cap_ = pair_cap_ = gather_cap_ = 0;
    return false;
  }
  storage_bytes_ = n;
  std::byte* at = storage_;
  local_ = carve<Candidate>(at, local_cap_);
  local_base_ = carve<SocketAddr>(at, local_cap_);
  remote_ = carve<Candidate>(at, remote_cap_);
  pairs_ = carve<CandidatePair>(at, pair_cap_);
  heard_ = carve<Timestamp>(at, pair_cap_);
  gathers_ = carve<GatherTx>(at, gather_cap_);
  released_ = false;
  return true;
}

void Agent::free_check_storage() {
  delete[] storage_;
  storage_ = nullptr;
  storage_bytes_ = 0;
}

Agent::~Agent() { free_check_storage(); }

// RFC 8445 §8.1.2: the check list is complete once the selected pair is
// nominated; only triggered checks would follow. A lite agent never frees:
// it follows whatever the controlling side nominates next. Nor does an agent
// with TURN allocations: its relays refresh permissions and channels for the
// remote candidates and wrap media by local candidate (agent_relay.cpp).
bool Agent::completed() const {
  return !config_.lite && relay_count() == 0 && state_ == AgentState::connected && has_selected_ &&
         selected_in_list_ && pairs_[selected_].nominated;
}

// Nothing in flight refers to a pair, candidate or gathering by index.
bool Agent::quiet() const {
  if (!triggered_.empty() || !events_.empty()) return false;
  for (std::size_t i = 0; i < pair_count_; ++i)
    if (pairs_[i].state == PairState::in_progress) return false;
  for (std::size_t i = 0; i < gather_count_; ++i)
    if (!gathers_[i].done) return false;
  for (const CancelledCheck& c : cancelled_)  // its response would name a pair by index
    if (!c.until.is_never() && c.until > now_) return false;
  return true;
}

// Called by advance(): never a deadline of its own, so the release happens
// at the first wake-up (a consent check at the latest) once the agent has
// been complete, with no check or gathering in flight, for the delay.
void Agent::maybe_release_checks() {
  if (released_ || storage_ == nullptr) return;
  if (!completed() || !quiet()) {
    completed_at_ = Timestamp::never();
    return;
  }
  if (completed_at_.is_never()) completed_at_ = now_;
  if (now_ >= completed_at_ + kFreeDelay) release_checks();
}

// The selected pair becomes the one-entry check list of kept_ (indices 0).
void Agent::release_checks() {
  const CandidatePair& p = pairs_[selected_];
  kept_.local = local_[p.local];
  kept_.local_base = local_base_[p.local];
  kept_.remote = remote_[p.remote];
  kept_.heard = heard_[selected_];
  kept_.pair = p;
  kept_.pair.local = 0;
  kept_.pair.remote = 0;
  bool authenticated = (authenticated_remotes_ >> p.remote & 1u) != 0;
  free_check_storage();
  local_ = &kept_.local;
  local_base_ = &kept_.local_base;
  remote_ = &kept_.remote;
  pairs_ = &kept_.pair;
  heard_ = &kept_.heard;
  gathers_ = nullptr;
  local_count_ = remote_count_ = pair_count_ = 1;
  local_cap_ = remote_cap_ = pair_cap_ = 1;
  gather_count_ = gather_cap_ = 0;
  selected_ = 0;
  authenticated_remotes_ = authenticated ? 1u : 0u;
  for (CancelledCheck& c : cancelled_) c.until = Timestamp::never();  // their pair indices are gone
  released_ = true;
}

// restart() after the release: the block again, and the host candidates
// (then srflx gathering) as the caller first gave them.
void Agent::recreate_local_candidates() {
  if (!allocate_check_storage()) {
    fail(Code::capacity, "agent: no heap for the check storage (restart)");
    return;
  }
  local_count_ = remote_count_ = pair_count_ = gather_count_ = 0;
  next_foundation_ = 1;
  completed_at_ = Timestamp::never();
  std::size_t hosts = host_count_, servers = server_count_;
  host_count_ = server_count_ = 0;
  for (std::size_t i = 0; i < hosts; ++i) (void)add_local_host(hosts_[i]);
  for (std::size_t i = 0; i < servers; ++i) (void)add_stun_server(servers_[i]);
}

}  // namespace keyway::ice
