// SPDX-License-Identifier: Apache-2.0
// HelloRetryRequest: what a DTLS 1.3 server decides from a ClientHello, and
// the stateless cookie of dtls::Listener (RFC 8446 §4.1.4, §4.2.2; RFC 9147 §5.1).
//
//   Client                                    Server (dtls::Listener)
//   ClientHello1 (msg 0)           ------>
//                                  <------    HelloRetryRequest (msg 0, cookie,
//                                             selected_group if no share fits);
//                                             nothing is kept
//   ClientHello2 (msg 1, cookie)   ------>    cookie checked; a server Endpoint
//                                             starts its transcript from the
//                                             cookie: message_hash(Hash(CH1)),
//                                             then the same HRR rebuilt
//                                  <------    ServerHello (msg 1) ...
//
//   cookie = suite (2) || group (2, 0: none selected) || Hash(ClientHello1)
//            || HMAC-SHA256(secret, "dtls13 retry" || peer address || the fields before)
//
// 68 bytes under a SHA-256 suite, 84 under SHA-384. The secret is the
// Listener's CookieJar (the 1.2 cookie's), under its own label.
#pragma once

#include <cstdint>

#include "keyway/dtls/cookie.hpp"
#include "keyway/dtls/v13/messages.hpp"
#include "keyway/lib/bytes.hpp"

namespace keyway::dtls::v13 {

// keyway's suite for a ClientHello: the first of kSuites it offers (null: none).
const Suite* choose_suite(const ClientHello& ch);

// The server's groups: x25519 then secp256r1, of those in `allowed`
// (dtls::Config.groups; empty: both).
// The client's share the server answers with. False: none usable.
bool choose_share(const ClientHello& ch, const SmallList<uint16_t>& allowed, KeyShareEntry& out);
// No usable share: the group a HelloRetryRequest asks for, from
// supported_groups. False when the client names none keyway can use.
bool choose_retry_group(const ClientHello& ch, const SmallList<uint16_t>& allowed, crypto::NamedGroup& out);

struct RetryCookie {
  uint16_t cipher_suite = 0;
  bool has_group = false;
  crypto::NamedGroup group = crypto::NamedGroup::x25519;
  uint8_t client_hello1_hash[crypto::kMaxDigestSize] = {};
  std::size_t hash_len = 0;
};
constexpr std::size_t kRetryCookieMaxSize = 4 + crypto::kMaxDigestSize + CookieJar::kCookieSize;

// Hash(ClientHello1) as the transcript carries it (type, uint24 length, body).
void client_hello_hash(crypto::HashAlg alg, Bytes body, uint8_t out[crypto::kMaxDigestSize]);

std::size_t write_retry_cookie(const CookieJar& jar, Bytes peer_address, const RetryCookie& c,
                               uint8_t out[kRetryCookieMaxSize]);
// False for anything but a cookie this jar made for this address (compared in constant time).
[[nodiscard]] bool open_retry_cookie(const CookieJar& jar, Bytes peer_address, Bytes cookie, RetryCookie& out);

// The HelloRetryRequest a stateless server sends for `c`: rebuilt the same
// way by the Endpoint that later takes ClientHello2.
RetryRequest stateless_retry_request(const RetryCookie& c, Bytes session_id, Bytes cookie);

// dtls::Listener: the record answering ClientHello1 (`body`, in the record
// numbered `record_seq`, RFC 6347 §4.2.1 as for HelloVerifyRequest).
// False when keyway cannot speak 1.3 with this hello (no common suite or
// group): the Listener then answers as a 1.2 server.
[[nodiscard]] bool write_stateless_retry_record(ByteWriter& w, const CookieJar& jar, Bytes peer_address, Bytes body,
                                                const ClientHello& ch, const SmallList<uint16_t>& groups,
                                                uint64_t record_seq);

}  // namespace keyway::dtls::v13
