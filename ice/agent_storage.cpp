// SPDX-License-Identifier: Apache-2.0
// Agent: the lifetime of the check storage (issue 13, "what only setup
// needs is released after setup").
//
// Connectivity checks need the candidate lists, the check list and srflx
// gathering: heap blocks grown as entries arrive (doubling, a copy of the
// entries so far), never past Config's max_local_candidates,
// max_remote_candidates and max_pairs, so a call with one candidate each way
// holds one pair (issue 13: the check storage and the DTLS handshake are not
// both at their configured maximum together). Once ICE
// has completed, RFC 8445 §8.3 lets a full agent wait three seconds and free
// every candidate but the selected pair's. Consent freshness (RFC 7675)
// needs only that pair, so the blocks are freed but the pairs block, into
// which the pair, its two candidates and its base move (kept_). restart()
// starts the storage again and re-creates the local candidates from the
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
constexpr std::size_t bytes_for(std::size_t n) {
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

// Empty storage: nothing allocated until the first candidate arrives.
void Agent::reset_check_storage() {
  free_check_storage();
  local_ = remote_ = nullptr;
  local_base_ = nullptr;
  pairs_ = nullptr;
  heard_ = nullptr;
  cancelled_ = nullptr;
  gathers_ = nullptr;
  local_cap_ = remote_cap_ = pair_cap_ = gather_cap_ = 0;
  kept_ = nullptr;  // it was in the pairs block
  released_ = false;
}

namespace {

// The capacity to grow to for n entries: doubling (few reallocations while
// candidates trickle in), never past the configured maximum.
std::size_t grown(std::size_t cap, std::size_t n, std::size_t max) {
  std::size_t c = cap == 0 ? 1 : cap * 2;
  c = c < n ? n : c;
  return c > max ? max : c;
}

// Moves `count` entries of an array into a new block's carved array.
template <typename T>
T* move_into(std::byte*& at, std::size_t cap, const T* old, std::size_t count) {
  T* fresh = carve<T>(at, cap);
  for (std::size_t i = 0; i < count; ++i) fresh[i] = old[i];
  return fresh;
}

}  // namespace

// Room for n local candidates (and their bases); false when released, past
// max_local_candidates, or out of heap (the caller reports it full).
bool Agent::reserve_locals(std::size_t n) {
  if (n <= local_cap_) return true;
  if (released_ || n > config_.max_local_candidates) return false;
  std::size_t cap = grown(local_cap_, n, config_.max_local_candidates);
  std::size_t bytes = bytes_for<CandidateCore>(cap) + bytes_for<SocketAddr>(cap);
  auto* block = new (std::nothrow) std::byte[bytes];
  if (block == nullptr) return false;
  std::byte* at = block;
  CandidateCore* local = move_into(at, cap, local_, local_count_);
  SocketAddr* base = move_into(at, cap, local_base_, local_count_);
  storage_bytes_ += static_cast<uint32_t>(bytes) - static_cast<uint32_t>(local_cap_ == 0 ? 0 : bytes_for<CandidateCore>(local_cap_) + bytes_for<SocketAddr>(local_cap_));
  delete[] locals_block_;
  locals_block_ = block;
  local_ = local;
  local_base_ = base;
  local_cap_ = static_cast<uint8_t>(cap);
  return true;
}

bool Agent::reserve_remotes(std::size_t n) {
  if (n <= remote_cap_) return true;
  if (released_ || n > config_.max_remote_candidates) return false;
  std::size_t cap = grown(remote_cap_, n, config_.max_remote_candidates);
  std::size_t bytes = bytes_for<CandidateCore>(cap);
  auto* block = new (std::nothrow) std::byte[bytes];
  if (block == nullptr) return false;
  std::byte* at = block;
  CandidateCore* remote = move_into(at, cap, remote_, remote_count_);
  storage_bytes_ += static_cast<uint32_t>(bytes) - static_cast<uint32_t>(remote_cap_ == 0 ? 0 : bytes_for<CandidateCore>(remote_cap_));
  delete[] remotes_block_;
  remotes_block_ = block;
  remote_ = remote;
  remote_cap_ = static_cast<uint8_t>(cap);
  return true;
}

bool Agent::reserve_pairs(std::size_t n) {
  if (n <= pair_cap_) return true;
  if (released_ || n > config_.max_pairs) return false;
  std::size_t cap = grown(pair_cap_, n, config_.max_pairs);
  // Only checks cancel checks (agent_checks.cpp): a lite-only build
  // (profile::kIceFull) sends none (RFC 8445 §2.5) and holds no cancelled ones.
  constexpr std::size_t kCancelledBytes = profile::kIceFull ? bytes_for<CancelledCheck>(kCancelledChecks) : 0;
  std::size_t bytes = bytes_for<CandidatePair>(cap) + bytes_for<Timestamp>(cap) + kCancelledBytes;
  auto* block = new (std::nothrow) std::byte[bytes];
  if (block == nullptr) return false;
  std::byte* at = block;
  CandidatePair* pairs = move_into(at, cap, pairs_, pair_count_);
  Timestamp* heard = move_into(at, cap, heard_, pair_count_);
  CancelledCheck* cancelled = nullptr;
  if constexpr (profile::kIceFull)
    cancelled = move_into(at, kCancelledChecks, cancelled_, cancelled_ == nullptr ? 0 : kCancelledChecks);
  storage_bytes_ += static_cast<uint32_t>(bytes) - static_cast<uint32_t>(pair_cap_ == 0 ? 0 : bytes_for<CandidatePair>(pair_cap_) + bytes_for<Timestamp>(pair_cap_) + kCancelledBytes);
  delete[] pairs_block_;
  pairs_block_ = block;
  pairs_ = pairs;
  heard_ = heard;
  cancelled_ = cancelled;
  pair_cap_ = static_cast<uint8_t>(cap);
  return true;
}

bool Agent::reserve_gathers(std::size_t n) {
  std::size_t max = config_.max_local_candidates * kMaxStunServers;
  if (n <= gather_cap_) return true;
  if (released_ || n > max) return false;
  std::size_t cap = grown(gather_cap_, n, max);
  std::size_t bytes = bytes_for<GatherTx>(cap);
  auto* block = new (std::nothrow) std::byte[bytes];
  if (block == nullptr) return false;
  std::byte* at = block;
  GatherTx* gathers = move_into(at, cap, gathers_, gather_count_);
  storage_bytes_ += static_cast<uint32_t>(bytes) - static_cast<uint32_t>(gather_cap_ == 0 ? 0 : bytes_for<GatherTx>(gather_cap_));
  delete[] gathers_block_;
  gathers_block_ = block;
  gathers_ = gathers;
  gather_cap_ = static_cast<uint8_t>(cap);
  return true;
}

void Agent::free_check_storage() {
  for (std::byte** block : {&locals_block_, &remotes_block_, &pairs_block_, &gathers_block_}) {
    delete[] *block;
    *block = nullptr;
  }
  storage_bytes_ = 0;
}

Agent::~Agent() {
  free_check_storage();
  delete[] hosts_;
  delete[] servers_;
}

// RFC 8445 §8.1.2: the check list is complete once the selected pair is
// nominated; only triggered checks would follow. A lite agent never frees:
// it follows whatever the controlling side nominates next. Nor does an agent
// with TURN allocations: its relays refresh permissions and channels for the
// remote candidates and wrap media by local candidate (agent_relay.cpp).
bool Agent::completed() const {
  return !lite() && relay_count() == 0 && state_ == AgentState::connected && has_selected_ &&
         selected_in_list_ && pairs_[selected_].nominated;
}

// Nothing in flight refers to a pair, candidate or gathering by index.
bool Agent::quiet() const {
  if (!triggered_.empty() || !events_.empty()) return false;
  for (std::size_t i = 0; i < pair_count_; ++i)
    if (pairs_[i].state == PairState::in_progress) return false;
  for (std::size_t i = 0; i < gather_count_; ++i)
    if (!gathers_[i].done) return false;
  for (const CancelledCheck& c : cancelled())  // its response would name a pair by index
    if (!c.until.is_never() && c.until > now_) return false;
  return true;
}

// Called by advance(): never a deadline of its own, so the release happens
// at the first wake-up (a consent check at the latest) once the agent has
// been complete, with no check or gathering in flight, for the delay.
void Agent::maybe_release_checks() {
  if (released_ || pairs_block_ == nullptr) return;
  if (!completed() || !quiet()) {
    completed_at_ = Timestamp::never();
    return;
  }
  if (completed_at_.is_never()) completed_at_ = now_;
  if (now_ >= completed_at_ + kFreeDelay) release_checks();
}

// The selected pair becomes the one-entry check list of kept_ (indices 0),
// placed in the pairs block, which stays (no allocation after connection:
// tests/ice/alloc_test.cpp; the cancelled checks' room makes even a
// one-pair block large enough); the other blocks are freed.
void Agent::release_checks() {
  constexpr std::size_t kCancelledBytes = bytes_for<CancelledCheck>(kCancelledChecks);
  static_assert(sizeof(Kept) <= bytes_for<CandidatePair>(1) + bytes_for<Timestamp>(1) + kCancelledBytes);
  static_assert(std::is_trivially_destructible_v<Kept> && alignof(Kept) <= kAlign);
  const CandidatePair& p = pairs_[selected_];
  Kept kept;  // copied here first: the block it goes into holds some of the entries
  kept.local = local_[p.local];
  kept.local_base = local_base_[p.local];
  kept.remote = remote_[p.remote];
  kept.heard = heard_[selected_];
  kept.pair = p;
  kept.pair.local = 0;
  kept.pair.remote = 0;
  bool authenticated = (authenticated_remotes_ >> p.remote & 1u) != 0;
  std::byte* block = pairs_block_;
  const auto block_bytes =
      static_cast<uint32_t>(bytes_for<CandidatePair>(pair_cap_) + bytes_for<Timestamp>(pair_cap_) + kCancelledBytes);
  pairs_block_ = nullptr;
  free_check_storage();
  pairs_block_ = block;
  storage_bytes_ = block_bytes;
  kept_ = ::new (static_cast<void*>(block)) Kept(kept);
  local_ = &kept_->local;
  local_base_ = &kept_->local_base;
  remote_ = &kept_->remote;
  pairs_ = &kept_->pair;
  heard_ = &kept_->heard;
  gathers_ = nullptr;
  local_count_ = remote_count_ = pair_count_ = 1;
  local_cap_ = remote_cap_ = pair_cap_ = 1;
  gather_count_ = gather_cap_ = 0;
  selected_ = 0;
  authenticated_remotes_ = authenticated ? 1u : 0u;
  cancelled_ = nullptr;  // freed with the pairs block: their pair indices are gone
  released_ = true;
}

// restart() after the release: the block again, and the host candidates
// (then srflx gathering) as the caller first gave them.
void Agent::recreate_local_candidates() {
  reset_check_storage();
  local_count_ = remote_count_ = pair_count_ = gather_count_ = 0;
  next_foundation_ = 1;
  completed_at_ = Timestamp::never();
  std::size_t hosts = host_count_, servers = server_count_;
  host_count_ = server_count_ = 0;
  for (std::size_t i = 0; i < hosts; ++i) (void)add_local_host(hosts_[i]);
  for (std::size_t i = 0; i < servers; ++i) (void)add_stun_server(servers_[i]);
}

}  // namespace keyway::ice
