// SPDX-License-Identifier: Apache-2.0
#include "keyway/lib/crypto/aes.hpp"

#include <cstring>

#include <mbedtls/aes.h>
#include <mbedtls/platform_util.h>

#include "keyway/lib/crypto/ct.hpp"

namespace keyway::crypto {

static_assert(sizeof(mbedtls_aes_context) <= 320, "grow Aes::ctx_");

namespace {
mbedtls_aes_context* ctx(unsigned char* p) { return reinterpret_cast<mbedtls_aes_context*>(p); }
const mbedtls_aes_context* ctx(const unsigned char* p) { return reinterpret_cast<const mbedtls_aes_context*>(p); }
}  // namespace

Aes::Aes() { mbedtls_aes_init(ctx(ctx_)); }
Aes::~Aes() {
  mbedtls_aes_free(ctx(ctx_));
  secure_zero(key_, sizeof key_);
}

Aes::Aes(const Aes& other) : Aes() {
  if (other.key_len_ != 0) (void)set_key({other.key_, other.key_len_});
}

Aes& Aes::operator=(const Aes& other) {
  if (this == &other) return *this;
  mbedtls_aes_free(ctx(ctx_));
  mbedtls_aes_init(ctx(ctx_));
  key_len_ = 0;
  if (other.key_len_ != 0) (void)set_key({other.key_, other.key_len_});
  return *this;
}

Status Aes::set_key(std::span<const uint8_t> key) {
  if (key.size() != 16 && key.size() != 32)
    return make_error(Layer::crypto, Code::invalid_argument, "aes: key must be 16 or 32 bytes");
  if (mbedtls_aes_setkey_enc(ctx(ctx_), key.data(), static_cast<unsigned>(key.size() * 8)) != 0)
    return make_error(Layer::crypto, Code::crypto_failure, "aes: key setup failed");
  std::memcpy(key_, key.data(), key.size());
  key_len_ = key.size();
  return ok_status();
}

void Aes::encrypt_block(const uint8_t in[16], uint8_t out[16]) const {
  // mbedTLS takes a non-const context but does not modify it when encrypting.
  mbedtls_aes_crypt_ecb(const_cast<mbedtls_aes_context*>(ctx(ctx_)), MBEDTLS_AES_ENCRYPT, in, out);
}

void Aes::ctr_xor(const uint8_t iv[16], std::span<uint8_t> data) const {
  uint8_t counter[16];
  uint8_t block[16];
  std::memcpy(counter, iv, 16);
  std::size_t off = 0;
  while (off < data.size()) {
    encrypt_block(counter, block);
    std::size_t n = data.size() - off < 16 ? data.size() - off : 16;
    for (std::size_t i = 0; i < n; ++i) data[off + i] ^= block[i];
    off += n;
    for (int i = 15; i >= 0; --i)
      if (++counter[i] != 0) break;
  }
  secure_zero(block, sizeof block);
}

}  // namespace keyway::crypto
