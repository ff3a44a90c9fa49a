// SPDX-License-Identifier: Apache-2.0
// dtls::Listener: one server port, many peers (RFC 6347 §4.2.1), sans-IO.
//
//   datagram from A ──> known address? ──yes──> A's Endpoint
//                            │ no
//                            v
//                 initial ClientHello? ──no──> dropped
//                            │ yes
//            cookies on and in fragments ──> held in a pool of a few hellos,
//                            │                allocated once, until whole
//                            │                (dtls/hello_pool.hpp)
//            cookies on and no valid cookie ──> HelloVerifyRequest to A
//                            │                 (stateless: nothing is kept);
//                            │                 a hello offering DTLS 1.3 (offer_dtls13)
//                            │                 gets a HelloRetryRequest with the
//                            │                 1.3 cookie instead (dtls/v13/retry.hpp),
//                            │                 never larger than the hello; a forged
//                            │                 or stale 1.3 cookie is dropped
//                            v
//          new server Endpoint for A, in a slot of a fixed table
//          (beyond max_pending handshakes, the oldest pending one is dropped)
//
// The cookie secret changes every cookie_secret_period; cookies of the
// previous secret still pass (RFC 6347 §4.2.1, dtls/cookie.hpp CookieSecrets).
//
// A peer whose association ended (failed, closed) may start over; one whose
// association is established restarts only with a valid cookie (§4.2.8).
// The table is allocated once, at construction; a ClientHello never
// allocates. The caller owns the socket: it passes (now, from, datagram),
// sends a HelloVerifyRequest back to `from`, and drives the Endpoints
// (poll_output, handle_timeout) through endpoint_at().
#pragma once

#include <cstddef>
#include <cstdint>

#include "keyway/dtls/cookie.hpp"
#include "keyway/dtls/endpoint.hpp"
#include "keyway/dtls/hello_pool.hpp"
#include "keyway/lib/bytes.hpp"
#include "keyway/lib/time.hpp"

namespace keyway::dtls {

struct ListenerConfig {
  Config server;                // template for each association (role and cookies are set here)
  bool cookie_exchange = true;  // RFC 6347 §4.2.1: verify the address before keeping state
  std::size_t capacity = 4;     // associations held at once (the table size)
  std::size_t max_pending = 2;  // handshakes in progress; beyond it the oldest is dropped
  // RFC 6347 §4.2.1, RFC 9147 §5.1: the cookie secret changes this often (by
  // the `now` given to handle_datagram); a cookie of the previous secret is
  // still accepted, so one is good for one to two periods. Zero: never.
  Duration cookie_secret_period = Duration::seconds(60);
  // With cookies on, a ClientHello in several records is reassembled before
  // its cookie is made or checked, in a pool of this many hellos allocated
  // at construction (dtls/hello_pool.hpp): one per address, the oldest gives
  // way. 0: fragmented hellos are dropped.
  std::size_t hello_reassembly_slots = 2;
  std::size_t max_fragmented_hello = 3072;  // body bytes (browsers' 1.3 hellos: 1.4-1.6 KB)
};

struct ListenerStats {
  uint64_t datagrams = 0;
  uint64_t hello_verify_sent = 0;
  uint64_t hello_retry_sent = 0;      // DTLS 1.3: HelloRetryRequest with a cookie (RFC 9147 §5.1)
  uint64_t bad_cookies = 0;           // a cookie was present but wrong
  uint64_t endpoints_created = 0;
  uint64_t pending_dropped = 0;       // oldest pending handshake evicted (cap reached)
  uint64_t dropped = 0;               // not a ClientHello, or no room (or a reply larger than the hello)
  uint64_t cookie_secret_changes = 0; // RFC 6347 §4.2.1: secrets changed (cookie_secret_period)
  uint64_t hello_fragments_held = 0;  // fragments of a ClientHello buffered before its cookie
  uint64_t hellos_reassembled = 0;    // fragmented ClientHellos made whole
  uint64_t hellos_evicted = 0;        // partial hellos that gave way to another address's
};

struct Dispatch {
  enum class Kind : uint8_t { dropped, hello_verify, endpoint };
  Kind kind = Kind::dropped;
  // hello_verify: the stateless reply for `from` (HelloVerifyRequest, or a
  // DTLS 1.3 HelloRetryRequest), in the caller's scratch.
  Bytes transmit;
  Endpoint* endpoint = nullptr; // endpoint: the association that took the datagram
};

class Listener {
 public:
  static constexpr std::size_t kMaxAddress = 32;  // bytes of a peer address (sockaddr_in6 fits)

  explicit Listener(const ListenerConfig& config);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  Dispatch handle_datagram(Timestamp now, Bytes from, MutableBytes datagram, MutableBytes scratch);

  // The table: slot i holds an association or nothing.
  std::size_t capacity() const { return capacity_; }
  Endpoint* endpoint_at(std::size_t i);
  Bytes address_at(std::size_t i) const;
  void remove(std::size_t i);   // e.g. after the caller saw closed or failure
  std::size_t active() const;   // associations held
  std::size_t pending() const;  // of which handshakes in progress
  const ListenerStats& stats() const { return stats_; }
  // Bytes allocated at construction (the memory report): the table, and the
  // pool of fragmented hellos.
  std::size_t table_bytes() const;
  std::size_t hello_pool_bytes() const { return hellos_.bytes(); }

 private:
  struct Slot;
  Slot* find(Bytes from);
  Slot* make_room();
  Dispatch create(Timestamp now, Bytes from, MutableBytes datagram, Bytes random, const CookieJar* jar = nullptr);
  bool cookie12_valid(Bytes from, const ClientHello& ch) const;
  Dispatch hello_fragment(Timestamp now, const Record& rec, const HandshakeFragment& f, Bytes from,
                          std::size_t datagram_size, MutableBytes scratch, Slot* restart);
  Dispatch whole_hello(Timestamp now, const Record& rec, const HandshakeFragment& f, Bytes from, MutableBytes datagram,
                       MutableBytes scratch, Slot* restart, std::size_t received);
  Dispatch hello_verify(const Record& rec, Bytes from, const ClientHello& ch, MutableBytes scratch);
  // A ClientHello offering DTLS 1.3: the HelloRetryRequest with a cookie,
  // or the association for a hello that returned a valid one. Kind endpoint
  // with a null endpoint: not a 1.3 hello keyway can answer (1.2 goes on).
  Dispatch hello13(Timestamp now, const Record& rec, const HandshakeFragment& f, Bytes from, MutableBytes datagram,
                   MutableBytes scratch, Slot* restart, std::size_t received);
  static bool is_pending(const Slot& s);
  static bool ended(const Slot& s);

  ListenerConfig config_;
  CookieSecrets cookies_;
  HelloPool hellos_;
  Slot* slots_ = nullptr;
  std::size_t capacity_ = 0;
  uint64_t created_order_ = 0;
  ListenerStats stats_;
};

}  // namespace keyway::dtls
