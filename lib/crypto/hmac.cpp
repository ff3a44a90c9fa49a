// SPDX-License-Identifier: Apache-2.0
#include "keyway/lib/crypto/hmac.hpp"

namespace keyway::crypto {

void hmac(HashAlg alg, std::span<const uint8_t> key, std::span<const uint8_t> data, std::span<uint8_t> out) {
  if (out.size() < digest_size(alg)) return;
  switch (alg) {
    case HashAlg::sha1: HmacSha1(key).mac(data, out.data()); break;
    case HashAlg::sha256: HmacSha256(key).mac(data, out.data()); break;
    case HashAlg::sha384: HmacSha384(key).mac(data, out.data()); break;
  }
}

}  // namespace keyway::crypto
