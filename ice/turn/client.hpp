// SPDX-License-Identifier: Apache-2.0
// The TURN client (RFC 8656), sans-IO: one allocation on one TURN server,
// its permissions and channels. The caller owns the socket to the server
// and the clock; the client speaks in Transmits, Events and Timeouts like
// every keyway engine (lib/sans_io.hpp).
//
//   client                         TURN server                        peer
//     | Allocate (401, then with MESSAGE-INTEGRITY)  §7.1                 |
//     |<-------> XOR-RELAYED-ADDRESS, XOR-MAPPED-ADDRESS, LIFETIME         |
//     | CreatePermission XOR-PEER-ADDRESS  §9     (refresh before 300 s)   |
//     | Send indication (DATA)  §11 ----------------- UDP ---------------->|
//     |<-------------------------------------- Data indication <-----------|
//     | ChannelBind CHANNEL-NUMBER  §12           (refresh before 600 s)   |
//     | ChannelData (4-byte header) <-------------- UDP ------------------>|
//     | Refresh LIFETIME  §8 (before expiry); Refresh LIFETIME 0 on close  |
//
// Relayed data costs no allocation: wrap() writes a Send indication or a
// ChannelData into the caller's buffer, handle_datagram() returns the data
// of a Data indication or ChannelData as a view into the datagram.
#pragma once

#include <cstdint>
#include <string_view>

#include "keyway/ice/address.hpp"
#include "keyway/ice/turn/channel_data.hpp"
#include "keyway/ice/turn/long_term.hpp"
#include "keyway/ice/turn/transaction.hpp"
#include "keyway/lib/rng.hpp"
#include "keyway/lib/sans_io.hpp"

namespace keyway::ice::turn {

enum class Transport : uint8_t { udp, tcp };

struct ClientConfig {
  SocketAddr server{};
  SocketAddr local{};  // the caller's socket (Transmit::from)
  Transport transport = Transport::udp;
  std::string_view username{};  // copied by the constructor
  std::string_view password{};
  Duration lifetime = Duration::seconds(600);          // requested LIFETIME (RFC 8656 §7.1)
  Duration refresh_margin = Duration::seconds(60);     // refresh this long before the allocation expires
  Duration permission_refresh = Duration::seconds(240);  // permissions last 300 s (RFC 8656 §9)
  Duration channel_refresh = Duration::seconds(540);     // channel bindings last 600 s (RFC 8656 §12)
  bool bind_channels = true;  // ChannelBind each peer once its permission exists
  RetransmitPolicy retransmit{};
};

struct Event {
  enum class Kind : uint8_t {
    allocated,            // relayed, mapped, lifetime
    refreshed,            // lifetime
    permission_created,   // peer (also on each refresh of it: refreshes counts those)
    channel_bound,        // peer, channel
    peer_failed,          // peer, error: its permission or channel was refused or timed out
    closed,               // the allocation was released (Refresh LIFETIME 0) or never made
    failed,               // error: the allocation is gone or could not be made
  };
  Kind kind = Kind::closed;
  SocketAddr relayed{};
  SocketAddr mapped{};
  SocketAddr peer{};
  uint16_t channel = 0;
  Duration lifetime{};
  Error error{};
  bool is_failure() const { return kind == Kind::failed; }
};

using Output = EngineOutput<Event>;

struct Stats {
  uint32_t allocations = 0;       // successful Allocate
  uint32_t refreshes = 0;         // successful Refresh (not counting the final LIFETIME 0)
  uint32_t permissions = 0;       // successful CreatePermission, refreshes included
  uint32_t channel_binds = 0;     // successful ChannelBind, refreshes included
  uint32_t stale_nonces = 0;      // 438 answered by retrying with the new NONCE
  uint32_t retransmissions = 0;
  uint64_t relayed_bytes_sent = 0;      // application bytes, without TURN framing
  uint64_t relayed_bytes_received = 0;
  uint32_t discarded = 0;         // datagrams dropped silently (malformed, unknown, unauthenticated)
};

// What handle_datagram made of one datagram from the server.
struct Received {
  Verdict verdict = Verdict::discarded;
  SocketAddr peer{};  // for relayed data: who sent it through the relay
  Bytes data{};       // relayed application data (a view into the datagram), else empty
};

class Client {
 public:
  static constexpr std::size_t kMaxPeers = 8;

  // Unusable until assigned a configured client. Out of line (client.cpp):
  // the member initialisers of this 4.4 KB object are compiled once, not
  // wherever a Client is made.
  Client();
  Client(const ClientConfig& config, Rng& rng);

  // Begins the allocation (RFC 8656 §7.1); fails if the credentials do not fit.
  [[nodiscard]] Status start(Timestamp now);
  // Installs a permission for the peer (and then a channel), refreshed for as
  // long as the allocation lives. Before the allocation exists it is queued.
  [[nodiscard]] Status add_peer(Timestamp now, const SocketAddr& peer);
  // Releases the allocation: Refresh with LIFETIME 0 (RFC 8656 §8), then `closed`.
  void close(Timestamp now);

  // A datagram (or, over TCP, one framed message) from the server.
  Received handle_datagram(Timestamp now, Bytes datagram, const SocketAddr& from);
  void handle_timeout(Timestamp now);
  Output poll_output(Timestamp now, MutableBytes scratch);

  // Wraps data for a peer: ChannelData once the channel is bound, a Send
  // indication while only the permission exists (RFC 8656 §11, §12).
  [[nodiscard]] Result<Transmit> wrap(Timestamp now, const SocketAddr& peer, Bytes data, MutableBytes out);

  bool allocated() const { return state_ == State::allocated; }
  bool can_send_to(const SocketAddr& peer) const;
  const SocketAddr& relayed() const { return relayed_; }
  const SocketAddr& mapped() const { return mapped_; }
  const SocketAddr& server() const { return config_.server; }
  const Stats& stats() const { return stats_; }
  Timestamp deadline() const;

 private:
  enum class State : uint8_t { idle, allocating, allocated, closing, closed, failed };
  enum class Request : uint8_t { allocate, refresh, deallocate };

  struct Peer {
    SocketAddr addr{};
    uint16_t channel = 0;
    bool used = false;
    bool permitted = false;
    bool bound = false;
    Transaction permission{};
    Transaction bind{};
    Timestamp permission_refresh_at = Timestamp::never();
    Timestamp channel_refresh_at = Timestamp::never();
  };

  // client_requests.cpp
  Result<Bytes> build_allocation_request(MutableBytes out);
  Result<Bytes> build_permission(const Peer& p, MutableBytes out);
  Result<Bytes> build_channel_bind(const Peer& p, MutableBytes out);
  void finish_request(stun::Builder& b) const;
  Peer* find_peer(const SocketAddr& addr);
  const Peer* find_peer(const SocketAddr& addr) const;

  // client_responses.cpp
  Received handle_stun(Timestamp now, const stun::Message& m);
  Received handle_data_indication(const stun::Message& m);
  Received handle_channel_data(Bytes datagram);
  Verdict on_allocation_response(Timestamp now, const stun::Message& m);
  Verdict on_peer_response(Timestamp now, Peer& p, bool is_bind, const stun::Message& m);
  // 401/438 with a usable challenge: take it and resend; false if the response ends the request.
  bool retry_with_challenge(Timestamp now, const stun::Message& m, Transaction& t);
  bool authentic(const stun::Message& m) const;
  void fail(const Error& e);
  void start_peer_permissions(Timestamp now);
  void emit(const Event& e);

  ClientConfig config_{};
  Rng* rng_ = nullptr;
  LongTermCredentials credentials_{};
  Status config_status_{};
  State state_ = State::idle;
  Request request_ = Request::allocate;
  Transaction allocation_{};
  Timestamp refresh_at_ = Timestamp::never();
  SocketAddr relayed_{};
  SocketAddr mapped_{};
  Peer peers_[kMaxPeers]{};
  uint16_t next_channel_ = kMinChannel;
  EventQueue<Event, 16> events_{};
  Stats stats_{};
  Timestamp now_{};
};

// "turn: 441 Wrong Credentials" and so on: the error an error response
// to a TURN request becomes (RFC 8656 §19, RFC 8489 §14.8).
Error error_for_code(uint16_t code);

}  // namespace keyway::ice::turn
