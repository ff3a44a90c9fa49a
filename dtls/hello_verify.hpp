// SPDX-License-Identifier: Apache-2.0
// HelloVerifyRequest, both sides, in one place (RFC 6347 §4.2.1).
//
//   Client                                       Server (Listener, or an Endpoint
//                                                        with cookie_exchange on)
//   ClientHello (msg 0, no cookie)  ------>
//                                   <------      HelloVerifyRequest (msg 0, cookie),
//                                                in a record numbered as the hello's;
//                                                nothing is kept
//   ClientHello (msg 1, cookie)     ------>      cookie recomputed and compared; the
//                                                handshake follows the hello's
//                                                message_seq and record number
//
// Server: the request is built from the hello alone (cookie.hpp); an
// Endpoint keeps it only until poll_output sends it.
// Client: each request is answered with a new ClientHello (same random)
// carrying its cookie, at most Endpoint::kMaxHelloVerifies times. A server
// that refuses our cookie answers with a fresh one, again as message 0: it
// is taken before the reassembler, which would drop it as a repeat.
//
// The Endpoint's side is in hello_verify.cpp (Endpoint::client_*hello_verify*,
// client_fresh_cookie, server_*hello*); this header holds what the stateless
// Listener shares with it.
#pragma once

#include <cstdint>

#include "keyway/dtls/cookie.hpp"
#include "keyway/dtls/handshake_header.hpp"
#include "keyway/dtls/record.hpp"

namespace keyway::dtls {

// The HelloVerifyRequest message (header + server_version + cookie) and the record carrying it.
constexpr std::size_t kHelloVerifyMessageSize = kHandshakeHeaderSize + 3 + CookieJar::kCookieSize;
constexpr std::size_t kHelloVerifyRecordSize = kRecordHeaderSize + kHelloVerifyMessageSize;

// Writes the record answering `ch` from `peer_address`: message_seq 0 and,
// RFC 6347 §4.2.1, the record sequence number of the ClientHello it answers.
void write_hello_verify_record(ByteWriter& w, const CookieJar& jar, Bytes peer_address, const ClientHello& ch,
                               uint64_t hello_record_seq);

}  // namespace keyway::dtls
