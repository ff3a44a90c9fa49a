// SPDX-License-Identifier: Apache-2.0
#include "keyway/lib/crypto/aead.hpp"

#include <cstring>
#include <new>

#if !KEYWAY_PROFILE_MINIMAL
#include <mbedtls/chachapoly.h>
#endif
#include <mbedtls/gcm.h>

#include "keyway/lib/crypto/ct.hpp"

namespace keyway::crypto {

static_assert(sizeof(mbedtls_gcm_context) == KEYWAY_GCM_CONTEXT_BYTES, "meson.build measured another mbedTLS");
#if !KEYWAY_PROFILE_MINIMAL
static_assert(sizeof(mbedtls_chachapoly_context) <= 256, "grow ChaCha20Poly1305::ctx_");
#endif

namespace {
mbedtls_gcm_context* gcm(unsigned char* p) { return reinterpret_cast<mbedtls_gcm_context*>(p); }
#if !KEYWAY_PROFILE_MINIMAL
mbedtls_chachapoly_context* ccp(unsigned char* p) { return reinterpret_cast<mbedtls_chachapoly_context*>(p); }
#endif

constexpr Error kBadNonce = make_error(Layer::crypto, Code::invalid_argument, "aead: nonce must be 12 bytes");
constexpr Error kBadTag = make_error(Layer::crypto, Code::invalid_argument, "aead: tag must be 16 bytes");
constexpr Error kAuth = make_error(Layer::crypto, Code::auth_failed, "aead: tag mismatch");
constexpr Error kNoKey = make_error(Layer::crypto, Code::bad_state, "aead: no key set");
constexpr Error kNoHeap = make_error(Layer::crypto, Code::capacity, "aead: no heap for the cipher's key state");

// Fuzzing builds only (lib/fuzzing.hpp): records and packets stay plaintext
// with a zero tag, so a fuzzer can write what follows a key change.
Status null_seal(std::span<uint8_t> tag) {
  std::memset(tag.data(), 0, tag.size());
  return ok_status();
}
}  // namespace

// ---- AES-GCM ----

AesGcm::AesGcm() { mbedtls_gcm_init(gcm(ctx_)); }
AesGcm::~AesGcm() { mbedtls_gcm_free(gcm(ctx_)); }  // mbedTLS zeroizes the key schedule

Status AesGcm::set_key(std::span<const uint8_t> key) {
  if (key.size() != 16 && key.size() != 32)
    return make_error(Layer::crypto, Code::invalid_argument, "aes-gcm: key must be 16 or 32 bytes");
  // Key setup allocates once inside mbedTLS when GCM runs through its cipher
  // layer (the AES context; without it, nothing); seal/open never do.
  if (mbedtls_gcm_setkey(gcm(ctx_), MBEDTLS_CIPHER_ID_AES, key.data(), static_cast<unsigned>(key.size() * 8)) != 0)
    return make_error(Layer::crypto, Code::crypto_failure, "aes-gcm: key setup failed");
  has_key_ = true;
  return ok_status();
}

Status AesGcm::seal(std::span<const uint8_t> nonce, std::span<const uint8_t> aad, std::span<uint8_t> data,
                    std::span<uint8_t> tag) {
  ENSURE(has_key_, kNoKey);
  ENSURE(nonce.size() == kAeadNonceSize, kBadNonce);
  ENSURE(tag.size() == kAeadTagSize, kBadTag);
  if constexpr (kFuzzing) return null_seal(tag);  // lib/fuzzing.hpp: a null cipher
  if (mbedtls_gcm_crypt_and_tag(gcm(ctx_), MBEDTLS_GCM_ENCRYPT, data.size(), nonce.data(), nonce.size(), aad.data(),
                                aad.size(), data.data(), data.data(), tag.size(), tag.data()) != 0)
    return make_error(Layer::crypto, Code::crypto_failure, "aes-gcm: encrypt failed");
  return ok_status();
}

Status AesGcm::open(std::span<const uint8_t> nonce, std::span<const uint8_t> aad, std::span<uint8_t> data,
                    std::span<const uint8_t> tag) {
  ENSURE(has_key_, kNoKey);
  ENSURE(nonce.size() == kAeadNonceSize, kBadNonce);
  ENSURE(tag.size() == kAeadTagSize, kBadTag);
  if constexpr (kFuzzing) return ok_status();  // lib/fuzzing.hpp: a null cipher, the tag is ignored
  // Decrypt in place computing the tag, then compare in constant time. On a
  // mismatch, run the same counter-mode pass again to restore the
  // ciphertext (mbedtls_gcm_auth_decrypt would zero the buffer instead).
  // In decrypt mode the one-shot call tags its input, the ciphertext; unlike
  // the streaming calls, it has the same signature in mbedTLS 2.28 and 3.x.
  uint8_t computed[kAeadTagSize];
  if (mbedtls_gcm_crypt_and_tag(gcm(ctx_), MBEDTLS_GCM_DECRYPT, data.size(), nonce.data(), nonce.size(), aad.data(),
                                aad.size(), data.data(), data.data(), sizeof computed, computed) != 0)
    return make_error(Layer::crypto, Code::crypto_failure, "aes-gcm: decrypt failed");
  if (ct_equal(computed, tag)) return ok_status();
  uint8_t ignored[kAeadTagSize];
  (void)mbedtls_gcm_crypt_and_tag(gcm(ctx_), MBEDTLS_GCM_ENCRYPT, data.size(), nonce.data(), nonce.size(), aad.data(),
                                  aad.size(), data.data(), data.data(), sizeof ignored, ignored);
  return kAuth;
}

// ---- ChaCha20-Poly1305 ----

#if KEYWAY_PROFILE_MINIMAL
// The minimal profile (meson -Dprofile=minimal) offers AES-GCM only: no key
// is ever set, so the suite cannot be used.
ChaCha20Poly1305::ChaCha20Poly1305() = default;
ChaCha20Poly1305::~ChaCha20Poly1305() = default;
Status ChaCha20Poly1305::set_key(std::span<const uint8_t>) {
  return make_error(Layer::crypto, Code::unsupported, "chacha20-poly1305: not in the minimal profile");
}
Status ChaCha20Poly1305::seal(std::span<const uint8_t>, std::span<const uint8_t>, std::span<uint8_t>,
                              std::span<uint8_t>) {
  return kNoKey;
}
Status ChaCha20Poly1305::open(std::span<const uint8_t>, std::span<const uint8_t>, std::span<uint8_t>,
                              std::span<const uint8_t>) {
  return kNoKey;
}
#else

ChaCha20Poly1305::ChaCha20Poly1305() { mbedtls_chachapoly_init(ccp(ctx_)); }
ChaCha20Poly1305::~ChaCha20Poly1305() { mbedtls_chachapoly_free(ccp(ctx_)); }  // zeroizes the key

Status ChaCha20Poly1305::set_key(std::span<const uint8_t> key) {
  if (key.size() != 32)
    return make_error(Layer::crypto, Code::invalid_argument, "chacha20-poly1305: key must be 32 bytes");
  if (mbedtls_chachapoly_setkey(ccp(ctx_), key.data()) != 0)
    return make_error(Layer::crypto, Code::crypto_failure, "chacha20-poly1305: key setup failed");
  has_key_ = true;
  return ok_status();
}

Status ChaCha20Poly1305::seal(std::span<const uint8_t> nonce, std::span<const uint8_t> aad, std::span<uint8_t> data,
                              std::span<uint8_t> tag) {
  ENSURE(has_key_, kNoKey);
  ENSURE(nonce.size() == kAeadNonceSize, kBadNonce);
  ENSURE(tag.size() == kAeadTagSize, kBadTag);
  if constexpr (kFuzzing) return null_seal(tag);  // lib/fuzzing.hpp: a null cipher
  if (mbedtls_chachapoly_encrypt_and_tag(ccp(ctx_), data.size(), nonce.data(), aad.data(), aad.size(), data.data(),
                                         data.data(), tag.data()) != 0)
    return make_error(Layer::crypto, Code::crypto_failure, "chacha20-poly1305: encrypt failed");
  return ok_status();
}

Status ChaCha20Poly1305::open(std::span<const uint8_t> nonce, std::span<const uint8_t> aad, std::span<uint8_t> data,
                              std::span<const uint8_t> tag) {
  ENSURE(has_key_, kNoKey);
  ENSURE(nonce.size() == kAeadNonceSize, kBadNonce);
  ENSURE(tag.size() == kAeadTagSize, kBadTag);
  if constexpr (kFuzzing) return ok_status();  // lib/fuzzing.hpp: a null cipher, the tag is ignored
  // Same restore-on-failure approach as AES-GCM: the tag covers the
  // ciphertext, and a second pass of the stream cipher undoes the first.
  uint8_t computed[kAeadTagSize];
  if (mbedtls_chachapoly_starts(ccp(ctx_), nonce.data(), MBEDTLS_CHACHAPOLY_DECRYPT) != 0 ||
      mbedtls_chachapoly_update_aad(ccp(ctx_), aad.data(), aad.size()) != 0 ||
      mbedtls_chachapoly_update(ccp(ctx_), data.size(), data.data(), data.data()) != 0 ||
      mbedtls_chachapoly_finish(ccp(ctx_), computed) != 0)
    return make_error(Layer::crypto, Code::crypto_failure, "chacha20-poly1305: decrypt failed");
  if (ct_equal(computed, tag)) return ok_status();
  uint8_t ignored[kAeadTagSize];
  (void)mbedtls_chachapoly_encrypt_and_tag(ccp(ctx_), data.size(), nonce.data(), aad.data(), aad.size(), data.data(),
                                           data.data(), ignored);
  return kAuth;
}

#endif  // KEYWAY_PROFILE_MINIMAL

// ---- Aead: the one chosen at run time ----

Status Aead::init(AeadKind kind, std::span<const uint8_t> key) {
  clear();
  kind_ = kind;
  Status s = kNoHeap;
  if (kind == AeadKind::chacha20_poly1305) {
    chacha_ = new (std::nothrow) ChaCha20Poly1305();
    if (chacha_ != nullptr) s = chacha_->set_key(key);
  } else {
    gcm_ = new (std::nothrow) AesGcm();
    if (gcm_ != nullptr) s = gcm_->set_key(key);
  }
  if (!s.ok()) clear();
  return s;
}

void Aead::clear() {
  delete gcm_;  // each destructor wipes its key
  delete chacha_;
  gcm_ = nullptr;
  chacha_ = nullptr;
}

Status Aead::seal(std::span<const uint8_t> nonce, std::span<const uint8_t> aad, std::span<uint8_t> data,
                  std::span<uint8_t> tag) {
  if (chacha_ != nullptr) return chacha_->seal(nonce, aad, data, tag);
  ENSURE(gcm_ != nullptr, kNoKey);
  return gcm_->seal(nonce, aad, data, tag);
}

Status Aead::open(std::span<const uint8_t> nonce, std::span<const uint8_t> aad, std::span<uint8_t> data,
                  std::span<const uint8_t> tag) {
  if (chacha_ != nullptr) return chacha_->open(nonce, aad, data, tag);
  ENSURE(gcm_ != nullptr, kNoKey);
  return gcm_->open(nonce, aad, data, tag);
}

}  // namespace keyway::crypto
