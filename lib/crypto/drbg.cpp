// SPDX-License-Identifier: Apache-2.0
#include "keyway/lib/crypto/drbg.hpp"

#include <cstring>

#include <mbedtls/ctr_drbg.h>

namespace keyway::crypto {

static_assert(sizeof(mbedtls_ctr_drbg_context) <= 448, "grow DrbgRng::ctx_");

namespace {
mbedtls_ctr_drbg_context* drbg(unsigned char* p) { return reinterpret_cast<mbedtls_ctr_drbg_context*>(p); }
constexpr std::size_t kEntropyLen = 48;
}  // namespace

// Hands mbedTLS exactly the caller's entropy bytes, once.
int drbg_entropy_callback(void* ctx, unsigned char* out, size_t len) {
  auto* self = static_cast<DrbgRng*>(ctx);
  if (self->pending_entropy_.size() < len) return -1;
  std::memcpy(out, self->pending_entropy_.data(), len);
  self->pending_entropy_ = self->pending_entropy_.subspan(len);
  return 0;
}

DrbgRng::DrbgRng() { mbedtls_ctr_drbg_init(drbg(ctx_)); }
DrbgRng::~DrbgRng() { mbedtls_ctr_drbg_free(drbg(ctx_)); }

Status DrbgRng::instantiate(std::span<const uint8_t> entropy, std::span<const uint8_t> personalization) {
  ENSURE(entropy.size() >= kEntropyLen,
         make_error(Layer::crypto, Code::invalid_argument, "drbg: need at least 48 bytes of entropy"));
  mbedtls_ctr_drbg_free(drbg(ctx_));
  mbedtls_ctr_drbg_init(drbg(ctx_));
  // SP 800-90A: seed with entropy_len bytes of entropy plus a nonce of half
  // that length, both taken from the caller's buffer.
  mbedtls_ctr_drbg_set_entropy_len(drbg(ctx_), 32);
  mbedtls_ctr_drbg_set_nonce_len(drbg(ctx_), 16);
  pending_entropy_ = entropy;
  int rc = mbedtls_ctr_drbg_seed(drbg(ctx_), drbg_entropy_callback, this, personalization.data(),
                                 personalization.size());
  pending_entropy_ = {};
  if (rc != 0) return make_error(Layer::crypto, Code::crypto_failure, "drbg: instantiate failed");
  // Reseeding needs fresh entropy from the caller; never reseed on our own.
  mbedtls_ctr_drbg_set_reseed_interval(drbg(ctx_), 0x7FFFFFFF);
  ready_ = true;
  return ok_status();
}

Status DrbgRng::reseed(std::span<const uint8_t> entropy) {
  ENSURE(entropy.size() >= 32, make_error(Layer::crypto, Code::invalid_argument, "drbg: need 32 bytes to reseed"));
  pending_entropy_ = entropy;
  int rc = mbedtls_ctr_drbg_reseed(drbg(ctx_), nullptr, 0);
  pending_entropy_ = {};
  if (rc != 0) return make_error(Layer::crypto, Code::crypto_failure, "drbg: reseed failed");
  return ok_status();
}

void DrbgRng::fill(std::span<uint8_t> out) {
  // mbedTLS limits one request to MBEDTLS_CTR_DRBG_MAX_REQUEST bytes.
  while (!out.empty()) {
    std::size_t n = out.size() < MBEDTLS_CTR_DRBG_MAX_REQUEST ? out.size() : MBEDTLS_CTR_DRBG_MAX_REQUEST;
    if (!ready_ || mbedtls_ctr_drbg_random(drbg(ctx_), out.data(), n) != 0) {
      // Fail closed: handing out predictable bytes (keys, nonces) would be
      // silent catastrophe, and the interface has no error path.
      __builtin_trap();
    }
    out = out.subspan(n);
  }
}

}  // namespace keyway::crypto
