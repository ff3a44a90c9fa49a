// SPDX-License-Identifier: Apache-2.0
// The DTLS 1.3 transcript hash (RFC 8446 §4.4.1, RFC 9147 §5.2): the
// handshake messages as TLS 1.3 would carry them, type || uint24 length ||
// body, without DTLS's message_seq and fragment fields. The suite (and so
// the hash) is known only from the ServerHello, so both hashes run until then.
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
  // Transcript-Hash of everything added so far; out gets digest_size(alg) bytes.
  void hash(crypto::HashAlg alg, MutableBytes out) const {
    (alg == crypto::HashAlg::sha384 ? sha384_ : sha256_).peek(out.first(crypto::digest_size(alg)));
  }

 private:
  crypto::Hash sha256_{crypto::HashAlg::sha256};
  crypto::Hash sha384_{crypto::HashAlg::sha384};
};

}  // namespace keyway::dtls::v13
