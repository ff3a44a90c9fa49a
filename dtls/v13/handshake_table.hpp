// SPDX-License-Identifier: Apache-2.0
// The messages each DTLS 1.3 state waits for, and the epoch each message
// travels in, as data (RFC 8446 §2 Figure 1, §4; RFC 9147 §5, §6.1), as
// dtls/handshake_table.hpp is for 1.2. The endpoint (dtls/v13/endpoint.cpp)
// checks every complete message against it before the client or server
// step reads it, and the 1.3 conformance test
// (tests/dtls/v13_conformance_test.cpp) derives its "expected here" cells
// from it.
//
//   state                              waits for                epoch
//   client_wait_server_hello           ServerHello              0 (plaintext)
//   client_wait_encrypted_extensions   EncryptedExtensions      2 (handshake keys)
//   client_wait_certificate_request    CertificateRequest?      2
//                                      Certificate              2
//   client_wait_certificate            Certificate              2
//   client_wait_certificate_verify     CertificateVerify        2
//   client_wait_finished               Finished                 2
//   server_wait_client_hello           ClientHello              0
//   server_wait_certificate            Certificate              2
//   server_wait_certificate_verify     CertificateVerify        2
//   server_wait_finished               Finished                 2
//   established                        KeyUpdate                3 and up (application keys)
//
// (keyway's server always sends CertificateRequest: WebRTC authenticates
// both ends, so the server always waits for the client's Certificate.)
#pragma once

#include <cstdint>
#include <span>

#include "keyway/dtls/v13/endpoint.hpp"
#include "keyway/dtls/v13/messages.hpp"

namespace keyway::dtls::v13 {

enum class Presence : uint8_t {
  required,
  optional,  // the peer's choice: CertificateRequest (RFC 8446 §4.3.2)
};

struct Expected {
  MessageType type;
  Presence presence;
};

inline constexpr Expected kServerHello[] = {{MessageType::server_hello, Presence::required}};
inline constexpr Expected kEncryptedExtensions[] = {{MessageType::encrypted_extensions, Presence::required}};
inline constexpr Expected kRequestOrCertificate[] = {
    {MessageType::certificate_request, Presence::optional},
    {MessageType::certificate, Presence::required},
};
inline constexpr Expected kCertificate[] = {{MessageType::certificate, Presence::required}};
inline constexpr Expected kCertificateVerify[] = {{MessageType::certificate_verify, Presence::required}};
inline constexpr Expected kFinished[] = {{MessageType::finished, Presence::required}};
inline constexpr Expected kClientHello[] = {{MessageType::client_hello, Presence::required}};
inline constexpr Expected kKeyUpdate[] = {{MessageType::key_update, Presence::required}};

// The messages `state` waits for, in order; empty when it waits for none.
constexpr std::span<const Expected> expected_messages(State state) {
  switch (state) {
    case State::client_wait_server_hello: return kServerHello;
    case State::client_wait_encrypted_extensions: return kEncryptedExtensions;
    case State::client_wait_certificate_request: return kRequestOrCertificate;
    case State::client_wait_certificate: return kCertificate;
    case State::client_wait_certificate_verify: return kCertificateVerify;
    case State::client_wait_finished: return kFinished;
    case State::server_wait_client_hello: return kClientHello;
    case State::server_wait_certificate: return kCertificate;
    case State::server_wait_certificate_verify: return kCertificateVerify;
    case State::server_wait_finished: return kFinished;
    case State::established: return kKeyUpdate;
    case State::client_start:  // nothing sent yet: nothing is awaited
    case State::closed:
    case State::failed: return {};
  }
  return {};  // (every State is listed above: a new one must say what it waits for)
}

// May `type` come next in `state`? (optional messages may be skipped)
constexpr bool may_come_next(State state, MessageType type) {
  for (const Expected& e : expected_messages(state)) {
    if (e.type == type) return true;
    if (e.presence == Presence::required) return false;
  }
  return false;
}

// The epoch a message travels in (RFC 9147 §6.1): the hellos in plaintext
// epoch 0, the rest of the handshake under the handshake keys (epoch 2),
// KeyUpdate under the application keys (epoch 3 and the ones it starts).
enum class EpochClass : uint8_t { plaintext, handshake, application, none };
constexpr EpochClass epoch_class(MessageType type) {
  switch (type) {
    case MessageType::client_hello:
    case MessageType::server_hello: return EpochClass::plaintext;
    case MessageType::encrypted_extensions:
    case MessageType::certificate_request:
    case MessageType::certificate:
    case MessageType::certificate_verify:
    case MessageType::finished: return EpochClass::handshake;
    case MessageType::new_session_ticket:
    case MessageType::key_update: return EpochClass::application;
  }
  return EpochClass::none;  // not a 1.3 message keyway knows: the state machine refuses it
}
constexpr EpochClass epoch_class_of_record(uint64_t epoch) {
  if (epoch == 0) return EpochClass::plaintext;
  if (epoch == 1) return EpochClass::none;  // early data: never (no 0-RTT in WebRTC)
  return epoch == 2 ? EpochClass::handshake : EpochClass::application;
}

// The table checks itself at compile time (RFC 8446 §2 Figure 1).
static_assert(may_come_next(State::client_wait_certificate_request, MessageType::certificate));
static_assert(may_come_next(State::client_wait_certificate_request, MessageType::certificate_request));
static_assert(!may_come_next(State::client_wait_certificate_request, MessageType::certificate_verify));
static_assert(!may_come_next(State::server_wait_certificate, MessageType::finished));
static_assert(!may_come_next(State::established, MessageType::finished));
static_assert(epoch_class(MessageType::key_update) == EpochClass::application);

}  // namespace keyway::dtls::v13
