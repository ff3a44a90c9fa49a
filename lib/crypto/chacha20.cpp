// SPDX-License-Identifier: Apache-2.0
#include "keyway/lib/crypto/chacha20.hpp"

#include <mbedtls/chacha20.h>

namespace keyway::crypto {

Status chacha20_xor(std::span<const uint8_t> key, std::span<const uint8_t> nonce, uint32_t counter,
                    std::span<uint8_t> data) {
  ENSURE(key.size() == kChaCha20KeySize,
         make_error(Layer::crypto, Code::invalid_argument, "chacha20: key must be 32 bytes"));
  ENSURE(nonce.size() == kChaCha20NonceSize,
         make_error(Layer::crypto, Code::invalid_argument, "chacha20: nonce must be 12 bytes"));
  // One-shot: the context lives on the stack and mbedTLS wipes it.
  if (mbedtls_chacha20_crypt(key.data(), nonce.data(), counter, data.size(), data.data(), data.data()) != 0)
    return make_error(Layer::crypto, Code::crypto_failure, "chacha20: encrypt failed");
  return ok_status();
}

}  // namespace keyway::crypto
