// SPDX-License-Identifier: Apache-2.0
// The DTLS 1.3 transcript hash (RFC 8446 §4.4.1, RFC 9147 §5.2): the
// handshake messages as TLS 1.3 would carry them, type || uint24 length ||
// body, without DTLS's message_seq and fragment fields. The suite (and so
// the hash) is known only from the ServerHello, so both hashes run until then.
//
// After a HelloRetryRequest (RFC 8446 §4.4.1) ClientHello1 is replaced by a
// synthetic message_hash message carrying Hash(ClientHello1):
//   Transcript-Hash(CH1, HRR, ... Mn) =
//     Hash(message_hash || 00 00 Hash.length || Hash(CH1) || HRR || ... || Mn)
#pragma once

#include <cstdint>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/crypto/sha.hpp"

namespace keyway::dtls::v13 {

class Transcript {
 public:
  void add(uint8_t type, Bytes body) {
    const uint8_t header[4] = {type, static_cast<uint8_t>(body.size() >> 16), static_cast<uint8_t>(body.size() >> 8),
                               static_cast<uint8_t>(body.size())};
    sha256_.update(Bytes(header, 4));
    sha256_.update(body);
    sha384_.update(Bytes(header, 4));
    sha384_.update(body);
  }
  // RFC 8446 §4.4.1: the transcript so far (ClientHello1) becomes
  // message_hash(Hash(ClientHello1)) under the suite's hash.
  void replace_with_message_hash(crypto::HashAlg alg) {
    uint8_t h[crypto::kMaxDigestSize];
    hash(alg, MutableBytes(h, sizeof h));
    restart_from_message_hash(Bytes(h, crypto::digest_size(alg)));
  }
  // A stateless server's transcript starts from the ClientHello1 hash its
  // cookie carried (RFC 9147 §5.1).
  void restart_from_message_hash(Bytes client_hello1_hash) {
    sha256_ = crypto::Hash(crypto::HashAlg::sha256);
    sha384_ = crypto::Hash(crypto::HashAlg::sha384);
    add(kMessageHash, client_hello1_hash);
  }
  static constexpr uint8_t kMessageHash = 254;  // HandshakeType message_hash (RFC 8446 §4)

  // Transcript-Hash of everything added so far; out gets digest_size(alg) bytes.
  void hash(crypto::HashAlg alg, MutableBytes out) const {
    (alg == crypto::HashAlg::sha384 ? sha384_ : sha256_).peek(out.first(crypto::digest_size(alg)));
  }

 private:
  crypto::Hash sha256_{crypto::HashAlg::sha256};
  crypto::Hash sha384_{crypto::HashAlg::sha384};
};

}  // namespace keyway::dtls::v13
