// SPDX-License-Identifier: Apache-2.0
// AES-128/256 block cipher and counter mode (FIPS 197, SP 800-38A).
// The key schedule is expanded once; encrypting allocates nothing.
#pragma once

#include <cstdint>
#include <span>

#include "keyway/lib/result.hpp"

namespace keyway::crypto {

class Aes {
 public:
  Aes();
  ~Aes();
  Aes(const Aes& other);             // re-expands the key (the context is self-referential)
  Aes& operator=(const Aes& other);

  // key must be 16 or 32 bytes.
  [[nodiscard]] Status set_key(std::span<const uint8_t> key);
  bool has_key() const { return key_len_ != 0; }

  void encrypt_block(const uint8_t in[16], uint8_t out[16]) const;

  // Counter mode: XORs the keystream that starts at counter block iv into
  // data, in place. The whole 128-bit block is the counter (big-endian
  // increment), which is what RFC 3711 §4.1.1 AES-CM needs.
  void ctr_xor(const uint8_t iv[16], std::span<uint8_t> data) const;

 private:
  alignas(16) unsigned char ctx_[320];
  uint8_t key_[32];
  std::size_t key_len_ = 0;
};

}  // namespace keyway::crypto
