// SPDX-License-Identifier: Apache-2.0
// ICE agent (RFC 8445), full or lite, with consent freshness (RFC 7675),
// sans-IO (style.md §1): the caller names its local addresses, feeds
// received datagrams with the local address they arrived on, and sends the
// Transmits that poll_output returns from the address they name.
//
//   caller                        Agent
//   add_local_host(addr) ------>  host candidate  ---> Event new_local_candidate
//   add_stun_server(addr) ----->  Binding requests ---> srflx candidates
//   set_remote_credentials ---->
//   add_remote_candidate ------>  pairs (Frozen/Waiting)
//   poll_output(now) <---------   checks every Ta, retransmits, responses
//   handle_datagram(now, ...) ->  responses: Succeeded -> nomination
//                                 -> Event selected_pair_changed, connected
//   (then, or on the best valid pair
//    until one is selected)       consent checks every 5 s +-20 %
//                                 30 s without a response -> Event failed
//
// Capacities come from Config and are bounded by the kMax constants. What
// only connectivity checks need (candidate lists, the check list, srflx
// gathering) lives in heap blocks grown as candidates, pairs and gatherings
// arrive (setup time), never past Config's max_* (an agent that sees one
// candidate each way holds one pair, not max_pairs); RFC 8445 §8.3 lets a
// full agent free them 3 s after ICE
// completes, keeping only the selected pair (consent goes on, requests on
// it are answered; restart() allocates the block again). The TURN clients
// are allocated once, when the first TURN server is added (setup time).
// Nothing is allocated on any other path (agent_storage.cpp).
//
// Scope and simplifications (each a deliberate choice, see the .cpp files):
// one component (rtcp-mux), UDP only (TCP candidates are ignored); relayed
// candidates come from TURN servers (agent_relay.cpp, RFC 8656), one
// allocation per server from the first host of its family; a learned local peer-reflexive candidate shares its
// base, so the generating pair is the valid pair; after restart()
// the old selected pair is still reported but gets no consent checks until
// a new pair is selected; a peer's new ufrag is not detected by
// set_remote_credentials — call restart() on both sides.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string_view>

#include "keyway/ice/address.hpp"
#include "keyway/ice/candidate.hpp"
#include "keyway/ice/checklist.hpp"
#include "keyway/ice/credentials.hpp"
#include "keyway/ice/output.hpp"
#include "keyway/ice/stun/message.hpp"
#include "keyway/ice/timing.hpp"
#include "keyway/ice/turn/client.hpp"
#include "keyway/lib/profile.hpp"
#include "keyway/lib/bytes.hpp"
#include "keyway/lib/result.hpp"
#include "keyway/lib/rng.hpp"
#include "keyway/lib/time.hpp"

namespace keyway::ice {

constexpr std::size_t kMaxLocalCandidates = 8;
constexpr std::size_t kMaxRemoteCandidates = 16;
constexpr std::size_t kMaxPairs = 64;
constexpr std::size_t kMaxStunServers = 2;
constexpr std::size_t kMaxTurnServers = 2;

// A TURN server (RFC 7065 URI's host, port and transport) and its long-term
// credentials; the strings are copied by add_turn_server.
struct TurnServer {
  SocketAddr address{};
  turn::Transport transport = turn::Transport::udp;
  std::string_view username{};
  std::string_view password{};
};

// A datagram that came through a TURN allocation, unwrapped: `data` came
// from `from` (the peer) to `to` (our relayed address), as if on a socket.
struct Relayed {
  bool from_relay = false;  // the datagram came from one of our TURN servers (consumed)
  Bytes data{};             // relayed data, a view into the datagram; empty if none
  SocketAddr from{};
  SocketAddr to{};
};

struct Config {
  bool controlling = true;  // the offerer is controlling (RFC 8445 §6.1.1)
  bool lite = false;        // ICE-lite (RFC 8445 §2.5): answer checks, never send them
  Rng* rng = nullptr;       // public randomness: credentials, tie-breaker, transaction ids, jitter
  Timing timing{};
  std::size_t max_local_candidates = kMaxLocalCandidates;
  std::size_t max_remote_candidates = kMaxRemoteCandidates;
  std::size_t max_pairs = kMaxPairs;
  const char* software = nullptr;  // SOFTWARE attribute in requests, if set
  // Controlling only: USE-CANDIDATE on every check (RFC 5245 aggressive
  // nomination). Off by default; RFC 8445 agents use regular nomination.
  bool aggressive_nomination = false;
  // Like the browsers' iceTransportPolicy 'relay': only relayed candidates
  // are offered and paired; host addresses serve as the sockets to the TURN
  // servers only, and checks arriving on them are dropped.
  bool relay_only = false;
  // TURN timers (refreshes, retransmission); tests shorten them.
  Duration turn_permission_refresh = Duration::seconds(240);
  Duration turn_channel_refresh = Duration::seconds(540);
};

// A path ICE has validated (RFC 8445 §7.2.5.3.2): DTLS and media may go
// from `local` (a base: the socket to send from) to `remote`.
struct ValidPath {
  SocketAddr local{};
  SocketAddr remote{};
  std::optional<Duration> rtt;  // from an unretransmitted check (Karn's rule); none if unknown
};

enum class AgentState : uint8_t { gathering_or_new, checking, connected, disconnected, failed };
const char* to_string(AgentState s);

struct AgentStats {
  uint32_t checks_sent = 0;           // connectivity-check requests, retransmissions included
  uint32_t retransmits = 0;
  uint32_t requests_received = 0;     // authenticated Binding requests
  uint32_t responses_received = 0;    // authenticated responses to our checks / consent
  uint32_t consent_checks_sent = 0;
  uint32_t keepalives_sent = 0;
  uint32_t integrity_failures = 0;    // requests or responses dropped for MESSAGE-INTEGRITY
  uint32_t malformed = 0;             // not STUN or not parseable
  uint32_t unknown_transactions = 0;  // responses matching nothing outstanding
  uint32_t role_conflicts = 0;        // 487 sent or received, or role switched
  uint32_t ignored_candidates = 0;    // TCP or other-component remote candidates
  uint32_t dropped = 0;               // anything else discarded (wrong ufrag, unknown local address ...)
};

class Agent {
 public:
  explicit Agent(const Config& config);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // --- typed inputs ---------------------------------------------------------
  const Credentials& local_credentials() const { return local_creds_; }
  [[nodiscard]] Status set_local_credentials(std::string_view ufrag, std::string_view pwd);
  [[nodiscard]] Status set_remote_credentials(std::string_view ufrag, std::string_view pwd);
  // A host candidate on an address the caller has bound (RFC 8445 §5.1.1.1).
  // The pointer is valid until the next local candidate is added.
  [[nodiscard]] Result<const CandidateCore*> add_local_host(const SocketAddr& addr);
  // Gather a server-reflexive candidate for each host through this STUN server
  // (hosts already gathering through it are skipped: call again after a new host).
  [[nodiscard]] Status add_stun_server(const SocketAddr& server);
  // A STUN server has not answered (or given up on) some host yet.
  bool gathering_pending() const;
  // An a=candidate line (or parsed candidate); TCP ones are accepted and ignored.
  [[nodiscard]] Status add_remote_candidate(std::string_view text);
  [[nodiscard]] Status add_remote_candidate(const CandidateCore& c);
  // Gather a relayed candidate (and the server-reflexive one its
  // XOR-MAPPED-ADDRESS shows) through this TURN server (RFC 8656, RFC 8445 §5.1.1.2).
  [[nodiscard]] Status add_turn_server(const TurnServer& server);
  // a=ice-lite from the peer: RFC 8445 §6.1.1 makes a full agent controlling.
  void set_remote_lite();
  // The pacing both sides agreed (RFC 8445 §14.2, RFC 8839 §5.5: the larger
  // of the two a=ice-pacing values, 50 ms for a side that sent none) becomes
  // Ta; never below 5 ms (§14.2).
  void set_pacing(Duration ta);
  Duration pacing() const { return config_.timing.ta; }
  // a=end-of-candidates from the peer (RFC 8838 §8): failure may now be declared.
  void end_of_remote_candidates();
  // ICE restart (RFC 8445 §9): new local credentials, remote side forgotten.
  // The old selected pair stays reported until a new one is selected.
  void restart();

  // --- sans-IO surface ------------------------------------------------------
  // A datagram from one of our TURN servers is unwrapped first (peer/ does
  // this before demultiplexing the inner datagram, RFC 7983): the TURN
  // client consumes its responses, relayed data comes back in `data`.
  Relayed unwrap_relayed(Timestamp now, Bytes datagram, const SocketAddr& from, const SocketAddr& to);
  // Data (DTLS, SRTP) to send on a path whose local base is a relayed
  // address: wrapped as ChannelData or a Send indication into out, addressed
  // to the TURN server. Fails if `local` is not a relayed base or the peer
  // has no permission.
  [[nodiscard]] Result<Transmit> wrap_relayed(Timestamp now, const SocketAddr& local, const SocketAddr& remote, Bytes data,
                                              MutableBytes out);
  bool is_relayed_base(const SocketAddr& local) const { return profile::kTurn && relay_of_base(local) >= 0; }
  // No server-reflexive or TURN request is pending: the local candidates are all known.
  bool gathering_done() const;
  // Whether a local candidate is offered to the peer (relay-only offers relayed ones only).
  bool offered(const CandidateCore& c) const { return !config_.relay_only || c.type == CandidateType::relay; }
  // The candidate types of the selected pair (RFC 8445 §5.1.1), for stats.
  std::optional<CandidateType> selected_local_type() const;
  std::optional<CandidateType> selected_remote_type() const;
  // Releases every TURN allocation (Refresh LIFETIME 0, RFC 8656 §8) once the
  // call is over; their last requests come out of poll_output.
  void close_relays(Timestamp now);
  // The TURN clients, for stats and the ladder.
  std::span<const turn::Client> turn_clients() const { return {relays_.get(), relay_count()}; }
  // to: the local address the datagram arrived on.
  Verdict handle_datagram(Timestamp now, Bytes datagram, const SocketAddr& from, const SocketAddr& to);
  void handle_timeout(Timestamp now);
  Output poll_output(Timestamp now, MutableBytes scratch);
  const char* last_timeout_reason() const { return timeout_reason_; }

  // --- observation ----------------------------------------------------------
  bool controlling() const { return controlling_; }
  // Always lite without the full agent in the build (profile::kIceFull).
  bool lite() const { return !profile::kIceFull || config_.lite; }
  AgentState state() const { return state_; }
  uint64_t tie_breaker() const { return tie_breaker_; }
  const AgentStats& stats() const { return stats_; }
  std::span<const CandidatePair> pairs() const { return {pairs_, pair_count_}; }
  std::span<const CandidateCore> local_candidates() const { return {local_, local_count_}; }
  std::span<const CandidateCore> remote_candidates() const { return {remote_, remote_count_}; }
  const CandidatePair* selected_pair() const;
  bool has_selected() const { return has_selected_; }
  // The one question peer/ asks: where may DTLS and media go, and what RTT
  // has that path. The selected pair (none before nomination):
  std::optional<ValidPath> selected_path() const;
  // RFC 8445 §12.1: before a pair is selected, data may go on any valid pair;
  // this is the highest-priority one (none: no valid pair), the pair consent covers.
  std::optional<ValidPath> best_valid_path() const;
  // The selected path, else the best valid one.
  std::optional<ValidPath> best_path() const;
  // For a valid pair whose RTT is unknown (its check was retransmitted):
  // the time since we last sent on it, which can only be shorter than its
  // round trip. None when every valid pair has an RTT or nothing was sent.
  std::optional<Duration> rtt_lower_bound(Timestamp now) const;
  // Trust at the joints (peer::Connection): is (local base, remote) a pair
  // ICE has validated — our check on it drew an authenticated response (RFC
  // 8445 §7.2.5.3; on a lite agent, the peer's authenticated check, §2.5) —
  // or the selected pair? Its path and RTT if so. Only such a pair may carry
  // anything but STUN (RFC 7675 §1).
  std::optional<ValidPath> validated_path(const SocketAddr& local, const SocketAddr& remote) const;
  // An authenticated Binding request arrived from `remote` (RFC 8445
  // §7.3.1.4: a triggered check toward it is pending or done). Weaker than
  // validated: nothing may be sent there on its strength.
  bool authenticated_remote(const SocketAddr& remote) const;
  // DTLS from an authenticated remote waits for its pair: a triggered check
  // on the pair (local base, remote) now (RFC 8445 §7.3.1.4), if not valid yet.
  void check_again(const SocketAddr& local, const SocketAddr& remote);
  SocketAddr selected_local() const { return selected_local_; }
  SocketAddr selected_remote() const { return selected_remote_; }
  // Round-trip time last measured on the selected pair (the DTLS layer seeds
  // its retransmission timer with it).
  std::optional<Duration> selected_rtt() const;
  // RFC 8445 §8.3: the check storage was freed after completion (only the
  // selected pair is kept until restart()).
  bool checks_released() const { return released_; }
  // Heap the agent holds now: the check storage, or once released the
  // pairs block, which then holds the selected pair and its candidates.
  std::size_t heap_bytes() const { return storage_bytes_; }
  // And the host addresses and STUN servers restart() re-creates candidates from (exact size, kept).
  std::size_t hosts_heap_bytes() const { return (host_cap_ + server_cap_) * sizeof(SocketAddr); }
  // And the exact-size blocks of the two credentials (ice-ufrag + ice-pwd).
  std::size_t credentials_heap_bytes() const {
    return local_creds_.ufrag_view().size() + local_creds_.pwd_view().size() + remote_creds_.ufrag_view().size() +
           remote_creds_.pwd_view().size();
  }
  // Why the agent failed (Layer::ice, a precise code; detail valid while the agent lives).
  Error failure() const { return make_error(Layer::ice, failure_code_, failure_detail_ ? failure_detail_.get() : ""); }

 private:
  struct GatherTx {
    uint8_t host = 0;
    SocketAddr server{};
    stun::TransactionId txid{};
    uint8_t transmits = 0;
    Duration rto{};
    Timestamp next = Timestamp::zero();
    bool done = false;
  };
  // A response waits for poll_output without the list a 420 names (issue
  // 13: 40 of its 96 bytes): that list waits in unknown_, one at a time.
  struct PendingResponse {
    stun::TransactionId txid{};
    SocketAddr local{};
    SocketAddr remote{};
    uint16_t error = 0;  // 0: success response
    bool authenticated = true;
  };
  // Every event reports the selected path as it was when the event was
  // queued (Event::local/remote). The path changes only where a
  // selected_pair_changed event is queued, so the queue needs to know only
  // the path each queued change replaced (paths_, beside the queue; issue
  // 13: a queued event was 42 bytes, now 2): an event reports the path the
  // next queued change replaced, or the selected path if none is queued.
  struct QueuedEvent {
    EventKind kind = EventKind::connected;
    uint8_t candidate = 0;
    bool is_failure() const { return kind == EventKind::failed; }
  };
  struct Path {
    SocketAddr local{}, remote{};
  };
  // Responses queued between a datagram and the poll_output that sends
  // them: a request draws at most one, and callers poll after each datagram
  // (lib/sans_io.hpp), so one waits at a time; four let a caller read a few
  // datagrams first. A request past that is dropped and counted (its sender
  // retransmits). Eight cost 224 bytes more for a call's whole life (issue 13).
  static constexpr std::size_t kMaxResponses = 4;
  static constexpr std::size_t kMaxEvents = 24;
  // Unread path changes kept (each needs a datagram, and callers poll after
  // each): a further one is not queued, the newest unread one then reports
  // the latest path.
  static constexpr std::size_t kQueuedPaths = 2;
  static constexpr std::size_t kConsentTxids = 4;
  // RFC 8445 §7.3.1.4: a check cancelled for a triggered one is not
  // retransmitted, but its response still counts until its transaction
  // timeout. The newest few are remembered, whatever pair they were for.
  struct CancelledCheck {
    stun::TransactionId txid{};
    uint8_t pair = 0;
    bool sent_once = false;  // never retransmitted: its response measures the RTT (Karn)
    Timestamp sent_at{};
    Timestamp until = Timestamp::never();  // its transaction timeout; never: the slot is free
  };
  static constexpr std::size_t kCancelledChecks = 8;

  // agent.cpp: candidates, pairs, events, selection
  void clamp(Timestamp now);
  int find_local_base(const SocketAddr& addr) const;
  int find_remote(const SocketAddr& addr) const;
  int find_pair(int local, int remote) const;
  void assign_foundation(CandidateCore& c, const SocketAddr& base);
  Status add_remote_entry(const CandidateCore& c, int& index);
  void form_pairs_for_local(uint8_t local);
  void form_pairs_for_remote(uint8_t remote);
  void add_pair(uint8_t local, uint8_t remote);
  int prunable_pair(uint64_t priority) const;
  void set_initial_state(uint8_t pair);
  bool same_foundation_as(const CandidatePair& a, const CandidatePair& b) const;
  void recompute_priorities();
  void push_event(EventKind kind, uint8_t candidate = 0);
  void push_path_change(const Path& replaced);  // selected_pair_changed
  void select_pair(uint8_t pair);
  void nominate(uint8_t pair);
  void fail(Code code, const char* detail);
  // A failure's detail text, formatted only where errors carry texts
  // (profile::kErrorText): failure() drops it otherwise, so it stays empty
  // and the format strings are not linked.
  template <std::size_t N, typename... Args>
  static void format_reason(char (&out)[N], const char* format, Args... args) {
    if constexpr (profile::kErrorText) std::snprintf(out, N, format, args...);
    else out[0] = '\0';
  }
  const CandidatePair* best_valid_pair() const;
  void new_transaction_id(stun::TransactionId& txid);
  // out becomes the datagram `bytes` from the base `local` to `remote`; true (poll_output sends it).
  static bool transmit(Output& out, const SocketAddr& local, const SocketAddr& remote, Bytes bytes);

  // agent_checks.cpp: outgoing checks and their responses
  bool checks_allowed() const;
  bool ordinary_checks_allowed() const;
  bool next_check(uint8_t& pair);
  bool next_triggered(uint8_t& pair);
  bool start_triggered_early(Timestamp now, MutableBytes scratch, Output& out);
  bool early_slot_free(Timestamp now) const;
  Result<Bytes> build_request(uint8_t pair, const stun::TransactionId& txid, bool use_candidate, MutableBytes scratch);
  bool start_check(uint8_t pair, Timestamp now, MutableBytes scratch, Output& out);
  void cancel_check(uint8_t pair);
  CancelledCheck* find_cancelled(const stun::TransactionId& txid);
  void forget_cancelled(uint8_t pair);
  bool poll_retransmit(Timestamp now, MutableBytes scratch, Output& out);
  void expire_checks(Timestamp now);
  Verdict on_check_response(uint8_t pair, const stun::Message& msg, const SocketAddr& from, const SocketAddr& to,
                            CancelledCheck* cancelled);
  void on_check_success(uint8_t pair, const stun::Message& msg, const CancelledCheck* cancelled);
  void learn_local_prflx(const SocketAddr& mapped, const CandidatePair& p);
  void on_role_conflict_response(uint8_t pair);
  void maybe_nominate(Timestamp now);
  void maybe_fail_checklist();
  Duration current_rto() const;
  Duration check_rto(const CandidatePair& p, Timestamp now) const;

  // agent_requests.cpp: incoming Binding requests
  Verdict on_request(const stun::Message& msg, const SocketAddr& from, const SocketAddr& to);
  Verdict on_unauthenticated_request(const stun::Message& msg, const SocketAddr& from, const SocketAddr& to);
  bool check_username(const stun::Message& msg) const;
  bool resolve_role_conflict(const stun::Message& msg);
  void on_authenticated_check(const stun::Message& msg, uint8_t local, const SocketAddr& from);
  void trigger_check(uint8_t pair);
  void queue_response(const stun::Message& msg, const SocketAddr& from, const SocketAddr& to, uint16_t error,
                      bool authenticated);
  bool poll_response(MutableBytes scratch, Output& out);
  bool unknown_queued() const;  // a 420 waits in responses_ (its list in unknown_)
  void touch_pair(const SocketAddr& local, const SocketAddr& remote);

  // agent_consent.cpp: consent freshness, keep-alives, server-reflexive gathering
  Timestamp next_consent_time(Timestamp now);
  void schedule_consent(Timestamp now);
  bool poll_consent(Timestamp now, MutableBytes scratch, Output& out);
  void expire_consent(Timestamp now);
  void expire_lite_selection(Timestamp now);
  int consent_pair() const;
  void note_valid_pair_consent(uint8_t pair);
  bool on_consent_response(const stun::Message& msg, const SocketAddr& from, Verdict& verdict);
  bool poll_gather(Timestamp now, MutableBytes scratch, Output& out);
  bool gathering_through(std::size_t host, const SocketAddr& server) const;
  void remember_server(const SocketAddr& server);
  bool on_gather_response(const stun::Message& msg, const SocketAddr& from);
  Timestamp next_deadline();
  void advance();
  Output poll_once(MutableBytes scratch);
  Verdict handle_stun(Bytes datagram, const SocketAddr& from, const SocketAddr& to);

  // agent_relay.cpp: TURN allocations, relayed candidates, wrapping. Without
  // TURN (profile::kTurn) relay_count() is a constant 0: no relay path is linked.
  std::size_t relay_count() const { return profile::kTurn ? relay_count_ : 0; }
  int relay_of_base(const SocketAddr& base) const;
  int relay_of_server(const SocketAddr& server, const SocketAddr& local) const;
  bool poll_relays(Timestamp now, MutableBytes scratch, Output& out);
  void on_relay_event(std::size_t relay, const turn::Event& e);
  void add_relayed_candidate(std::size_t relay, const turn::Event& e);
  void add_reflexive_candidate(uint8_t host, const SocketAddr& mapped);
  bool pair_sendable(const CandidatePair& p) const;
  bool hidden_local(std::size_t local) const;
  bool wrap_if_relayed(Output& out, MutableBytes scratch);  // false: dropped
  bool relays_pending() const;

  // agent_storage.cpp: the check storage's lifetime (RFC 8445 §8.3)
  void reset_check_storage();
  bool reserve_locals(std::size_t n);
  bool reserve_remotes(std::size_t n);
  bool reserve_pairs(std::size_t n);
  bool reserve_gathers(std::size_t n);
  void free_check_storage();
  bool completed() const;
  bool quiet() const;
  void maybe_release_checks();
  void release_checks();
  void recreate_local_candidates();

  // What the agent reads of its Config, bounded (issue 13: 120 bytes, not
  // the 160 of a Config copy; rng and controlling live in rng_, controlling_).
  struct Settings {
    bool lite = false;
    bool aggressive_nomination = false;
    bool relay_only = false;
    uint8_t max_local_candidates = 0;   // <= kMaxLocalCandidates
    uint8_t max_remote_candidates = 0;  // <= kMaxRemoteCandidates
    uint8_t max_pairs = 0;              // <= kMaxPairs
    const char* software = nullptr;
    Timing timing{};
    Duration turn_permission_refresh{};
    Duration turn_channel_refresh{};
  };
  static Settings settings_of(const Config& config);

  Settings config_;
  Rng* rng_;
  Timestamp now_ = Timestamp::zero();
  uint64_t tie_breaker_ = 0;
  Credentials local_creds_{};
  Credentials remote_creds_{};

  // Members are ordered by alignment, the one-byte ones together at the
  // end, counts in one byte (issue 13: every call holds an agent; each count
  // is bounded by kMaxPairs = 64 or less).

  // The check storage (agent_storage.cpp): arrays in heap blocks of
  // storage_bytes_ in all, with room for the *_cap_ entries (grown to what
  // the call has, at most Config's max_*); once released, the one-entry
  // arrays of kept_ (the selected pair and its candidates).
  CandidateCore* local_ = nullptr;
  SocketAddr* local_base_ = nullptr;
  CandidateCore* remote_ = nullptr;
  CandidatePair* pairs_ = nullptr;
  // kCancelledChecks entries in the pairs block (only checks cancel checks:
  // none once the storage is released, none in a lite-only build; issue 13:
  // 264 bytes a call kept).
  CancelledCheck* cancelled_ = nullptr;
  std::size_t cancelled_count() const { return profile::kIceFull && cancelled_ != nullptr ? kCancelledChecks : 0; }
  std::span<CancelledCheck> cancelled() { return {cancelled_, cancelled_count()}; }
  std::span<const CancelledCheck> cancelled() const { return {cancelled_, cancelled_count()}; }
  Timestamp next_check_at_ = Timestamp::zero();
  Timestamp first_valid_at_ = Timestamp::never();

  std::optional<Duration> selected_rtt_;
  SocketAddr selected_local_{}, selected_remote_{};
  // Remote candidates (bit per index) that sent us an authenticated check.
  uint32_t authenticated_remotes_ = 0;
  static_assert(kMaxRemoteCandidates <= 32);
  static_assert(kMaxPairs <= 255 && kMaxLocalCandidates * kMaxStunServers <= 255);
  // Lite: when an authenticated check last arrived on each pair (consent, RFC 7675 spirit).
  Timestamp* heard_ = nullptr;

  stun::TransactionId consent_txids_[kConsentTxids];
  Timestamp consent_sent_at_[kConsentTxids];
  Timestamp next_consent_ = Timestamp::never();
  Timestamp last_consent_ = Timestamp::never();
  Timestamp next_keepalive_ = Timestamp::never();

  GatherTx* gathers_ = nullptr;

  // Four blocks, each grown (agent_storage.cpp) as entries arrive, never
  // past Config's max_* (a pair, candidate or gathering reference stays
  // valid while another kind of entry is added).
  std::byte* locals_block_ = nullptr;   // local_ + local_base_
  std::byte* remotes_block_ = nullptr;  // remote_
  std::byte* pairs_block_ = nullptr;    // pairs_ + heard_ + cancelled_
  std::byte* gathers_block_ = nullptr;  // gathers_
  uint32_t storage_bytes_ = 0;
  Timestamp completed_at_ = Timestamp::never();  // complete and quiet since (agent_storage.cpp)
  // Once released, the selected pair, its candidates and its base, in the
  // pairs block that release_checks() keeps (issue 17: 296 bytes that every
  // agent held in place, unused until the release and, in a lite agent,
  // which never releases, for the whole call).
  struct Kept {
    CandidateCore local{}, remote{};
    SocketAddr local_base{};
    CandidatePair pair{};
    Timestamp heard = Timestamp::never();
  };
  Kept* kept_ = nullptr;
  // What restart() needs to re-create the local candidates once released:
  // the host addresses and STUN servers in exact-size heap blocks grown by
  // add_local_host / add_stun_server (setup time; issue 13: a call with one
  // host and no STUN server holds 20 bytes, not the 216 of room for
  // kMaxLocalCandidates and kMaxStunServers). Only a full agent releases:
  // a lite-only build (profile::kIceFull) keeps neither.
  SocketAddr* hosts_ = nullptr;
  SocketAddr* servers_ = nullptr;  // the same for the STUN servers (none: no block)
  void remember_host(const SocketAddr& addr);
  // TURN clients (4.4 KB each) exist only in agents given a TURN server:
  // allocated once, by the first add_turn_server (setup, never on the packet path).
  std::unique_ptr<turn::Client[]> relays_;

  PendingResponse responses_[kMaxResponses];
  stun::AttributeTypeList unknown_{};  // the queued 420's UNKNOWN-ATTRIBUTES (at most one queued)
  EventQueue<QueuedEvent, kMaxEvents> events_;
  Path paths_[kQueuedPaths] = {};  // FIFO: the paths the queued selected_pair_changed events replaced

  AgentStats stats_{};
  const char* timeout_reason_ = "none";
  // The failure's numbers, formatted (failure()): on the heap from the
  // failure on (issue 17: 96 bytes a working agent never reads).
  static constexpr std::size_t kFailureDetailSize = 96;
  std::unique_ptr<char[]> failure_detail_;
  Code failure_code_ = Code::ok;

  // The one-byte members.
  AgentState state_ = AgentState::gathering_or_new;
  bool controlling_;
  bool remote_end_of_candidates_ = false;
  uint8_t local_count_ = 0;
  uint8_t remote_count_ = 0;
  uint8_t pair_count_ = 0;
  uint8_t gather_count_ = 0;
  uint8_t next_foundation_ = 1;
  uint8_t prflx_count_ = 0;
  uint8_t cancelled_next_slot_ = 0;
  bool nomination_started_ = false;
  bool has_selected_ = false;
  uint8_t selected_ = 0;  // index into pairs_ (valid while the pair list is unchanged)
  bool selected_in_list_ = false;
  uint8_t consent_next_slot_ = 0;
  bool gathering_reported_ = false;
  // Entries each block has room for: at most kMaxPairs (64), Config is bounded by it.
  uint8_t local_cap_ = 0, remote_cap_ = 0, pair_cap_ = 0, gather_cap_ = 0;
  bool released_ = false;
  uint8_t host_count_ = 0;
  uint8_t host_cap_ = 0;
  uint8_t server_count_ = 0;
  uint8_t server_cap_ = 0;
  uint8_t relay_host_[kMaxTurnServers] = {};  // the host candidate whose socket reaches the server
  bool relay_done_[kMaxTurnServers] = {};     // allocated, failed or closed: gathering over for it
  uint8_t relay_count_ = 0;
  uint8_t response_count_ = 0;
  uint8_t path_head_ = 0;
  uint8_t path_count_ = 0;
  TriggeredQueue triggered_;
};

}  // namespace keyway::ice
