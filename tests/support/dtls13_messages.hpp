// SPDX-License-Identifier: Apache-2.0
// Hand-made DTLS 1.3 handshake messages in plaintext records (epoch 0), for
// tests/dtls/v13_retry_test and fuzz/dtls/make_corpus's HelloRetryRequest
// seeds. No doctest: fuzz/ includes it too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "keyway/dtls/handshake_header.hpp"
#include "keyway/dtls/record.hpp"
#include "keyway/dtls/v13/messages.hpp"
#include "keyway/lib/bytes.hpp"
#include "keyway/lib/crypto/ecc.hpp"

namespace keyway::test {

// One plaintext record (epoch 0) holding one whole handshake message.
inline std::vector<uint8_t> hello_record(uint8_t type, Bytes body, uint16_t msg_seq = 0, uint64_t record_seq = 0) {
  std::vector<uint8_t> msg(dtls::kHandshakeHeaderSize + body.size());
  ByteWriter m(msg);
  const auto len = static_cast<uint32_t>(body.size());
  dtls::write_handshake_header(m, type, len, msg_seq, 0, len);
  m.write_bytes(body);
  std::vector<uint8_t> out(dtls::kRecordHeaderSize + msg.size());
  ByteWriter w(out);
  dtls::write_plain_record(w, dtls::ContentType::handshake, dtls::kVersionDtls12, record_seq, msg);
  return out;
}

// The body of a ClientHello making `offer` (at most `room` bytes).
inline std::vector<uint8_t> client_hello_body(const dtls::v13::ClientHelloOffer& offer, std::size_t room) {
  std::vector<uint8_t> body(room);
  ByteWriter w(body);
  dtls::v13::write_client_hello(w, offer);
  body.resize(w.size());
  return body;
}

// The body of a HelloRetryRequest for TLS_AES_128_GCM_SHA256 asking for a
// share of `group` (RFC 8446 §4.1.4).
inline std::vector<uint8_t> retry_request_body(crypto::NamedGroup group) {
  dtls::v13::RetryRequest hrr;
  hrr.cipher_suite = 0x1301;
  hrr.has_group = true;
  hrr.group = group;
  std::vector<uint8_t> body(256);
  ByteWriter w(body);
  dtls::v13::write_hello_retry_request(w, hrr);
  body.resize(w.size());
  return body;
}

}  // namespace keyway::test
