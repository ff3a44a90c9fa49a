// SPDX-License-Identifier: Apache-2.0
// The messages each handshake state waits for, in order, as data
// (RFC 5246 §7.3 Figure 1, RFC 6347 §4.2.4 flights). The client and server
// state machines (client.cpp, server.cpp) check every incoming message
// against it, and the conformance test (tests/dtls/conformance_test.cpp)
// derives its "expected here" cells from it.
//
//   state                      waits for                                      flight
//   client_wait_server_hello   HelloVerifyRequest? | ServerHello              2, or 4 begins
//   client_wait_server_flight  Certificate ServerKeyExchange                  rest of 4
//                              CertificateRequest? ServerHelloDone
//   client_wait_finished       [ChangeCipherSpec] Finished                    6
//   server_wait_client_hello   ClientHello                                    1 or 3
//   server_wait_client_flight  Certificate (if requested) ClientKeyExchange   5
//                              CertificateVerify (if a certificate was sent)
//                              [ChangeCipherSpec] Finished
//
// Finished is the only message that travels in epoch 1, after the
// ChangeCipherSpec (RFC 5246 §7.1); there is no renegotiation.
#pragma once

#include <cstdint>
#include <span>

#include "keyway/dtls/constants.hpp"
#include "keyway/dtls/endpoint.hpp"

namespace keyway::dtls {

enum class Presence : uint8_t {
  required,
  optional,           // the peer's choice: HelloVerifyRequest (RFC 6347 §4.2.1), CertificateRequest (RFC 5246 §7.4.4)
  if_requested,       // the client Certificate: only when the server asked for one (RFC 5246 §7.4.6)
  if_peer_certified,  // CertificateVerify: after a client Certificate (RFC 5246 §7.4.8)
};

struct Expected {
  HandshakeType type;
  Presence presence;
};

// What decides the conditional messages of a flight.
struct FlightFacts {
  bool certificate_requested = false;  // the server sent CertificateRequest
  bool peer_certified = false;         // the client sent a (non-empty) Certificate
};

inline constexpr Expected kServerHelloOrVerify[] = {
    {HandshakeType::hello_verify_request, Presence::optional},
    {HandshakeType::server_hello, Presence::required},
};
inline constexpr Expected kServerFlightRest[] = {
    {HandshakeType::certificate, Presence::required},          // ECDSA suites (RFC 8422 §5.3)
    {HandshakeType::server_key_exchange, Presence::required},  // ECDHE (RFC 8422 §5.4)
    {HandshakeType::certificate_request, Presence::optional},
    {HandshakeType::server_hello_done, Presence::required},
};
inline constexpr Expected kFinishedOnly[] = {
    {HandshakeType::finished, Presence::required},
};
inline constexpr Expected kClientHelloOnly[] = {
    {HandshakeType::client_hello, Presence::required},
};
inline constexpr Expected kClientFlight[] = {
    {HandshakeType::certificate, Presence::if_requested},
    {HandshakeType::client_key_exchange, Presence::required},
    {HandshakeType::certificate_verify, Presence::if_peer_certified},
    {HandshakeType::finished, Presence::required},
};

// The messages `state` waits for; empty when it waits for none.
constexpr std::span<const Expected> expected_messages(HandshakeState state) {
  switch (state) {
    case HandshakeState::client_wait_server_hello: return kServerHelloOrVerify;
    case HandshakeState::client_wait_server_flight: return kServerFlightRest;
    case HandshakeState::client_wait_finished: return kFinishedOnly;
    case HandshakeState::server_wait_client_hello: return kClientHelloOnly;
    case HandshakeState::server_wait_client_flight: return kClientFlight;
    default: return {};
  }
}

// The epoch a handshake message travels in (RFC 5246 §7.4.9: Finished is the
// first message under the new keys).
constexpr uint16_t epoch_of(HandshakeType type) { return type == HandshakeType::finished ? 1 : 0; }

inline constexpr int kNotExpected = -1;

// Where `type` stands in the messages of `state` if it may come after the
// first `done` of them: optional and absent conditional messages may be
// skipped, a required or present one may not. kNotExpected otherwise.
constexpr int position_of_next(HandshakeState state, std::size_t done, HandshakeType type, FlightFacts facts) {
  auto list = expected_messages(state);
  for (std::size_t i = done; i < list.size(); ++i) {
    Presence p = list[i].presence;
    bool present = p == Presence::required || (p == Presence::if_requested && facts.certificate_requested) ||
                   (p == Presence::if_peer_certified && facts.peer_certified);
    if (list[i].type == type && (present || p == Presence::optional)) return static_cast<int>(i);
    if (present) return kNotExpected;  // a message that must come first
  }
  return kNotExpected;
}

// The table checks itself at compile time (RFC 5246 §7.3 Figure 1).
static_assert(position_of_next(HandshakeState::client_wait_server_hello, 0, HandshakeType::server_hello, {}) == 1);
static_assert(position_of_next(HandshakeState::client_wait_server_flight, 2, HandshakeType::server_hello_done, {}) == 3);
static_assert(position_of_next(HandshakeState::client_wait_server_flight, 1, HandshakeType::server_hello_done, {}) ==
              kNotExpected);
static_assert(position_of_next(HandshakeState::server_wait_client_flight, 0, HandshakeType::client_key_exchange, {}) == 1);
static_assert(position_of_next(HandshakeState::server_wait_client_flight, 0, HandshakeType::client_key_exchange,
                               {true, false}) == kNotExpected);
static_assert(position_of_next(HandshakeState::server_wait_client_flight, 2, HandshakeType::finished, {true, true}) ==
              kNotExpected);
static_assert(position_of_next(HandshakeState::server_wait_client_flight, 2, HandshakeType::finished, {false, false}) == 3);

}  // namespace keyway::dtls
