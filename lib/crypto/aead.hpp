// SPDX-License-Identifier: Apache-2.0
// AEAD ciphers: AES-GCM (SP 800-38D; 128/256-bit keys, 96-bit nonce,
// 128-bit tag) and ChaCha20-Poly1305 (RFC 8439). In place, allocation-free
// after set_key. open() checks the tag in constant time and, when it fails,
// leaves the buffer exactly as it was (so a dropped record or packet leaves
// no trace).
#pragma once

#include <cstdint>
#include <span>

#include "keyway/lib/result.hpp"

#ifndef KEYWAY_GCM_CONTEXT_BYTES  // meson.build: the size of mbedtls_gcm_context in this build
#error "build with keyway's compile flags: dependency('keyway') or pkg-config --cflags keyway"
#endif

namespace keyway::crypto {

constexpr std::size_t kAeadTagSize = 16;
constexpr std::size_t kAeadNonceSize = 12;

class AesGcm {
 public:
  AesGcm();
  ~AesGcm();
  AesGcm(const AesGcm& other) = delete;
  AesGcm& operator=(const AesGcm& other) = delete;

  [[nodiscard]] Status set_key(std::span<const uint8_t> key);  // 16 or 32 bytes
  // Encrypts data in place and writes the 16-byte tag.
  [[nodiscard]] Status seal(std::span<const uint8_t> nonce, std::span<const uint8_t> aad,
                            std::span<uint8_t> data, std::span<uint8_t> tag);
  // Verifies tag and decrypts data in place; on failure data is unchanged.
  [[nodiscard]] Status open(std::span<const uint8_t> nonce, std::span<const uint8_t> aad,
                            std::span<uint8_t> data, std::span<const uint8_t> tag);

 private:
  // mbedtls_gcm_context, sized exactly: four SRTP and two DTLS keys hold one
  // each. Its size is the build's (meson.build measures it): 424 bytes with
  // mbedTLS 2.28 and 3.6 on 64-bit hosts, whose cipher layer allocates the
  // AES key schedule (288 bytes) beside it; on the Cortex-M4 (3.6 without
  // the cipher layer, ports/qemu-m4/mbedtls_config.h) the key schedule is
  // inside: 616 bytes, 520 in the minimal profile (AES-128 only).
  alignas(16) unsigned char ctx_[KEYWAY_GCM_CONTEXT_BYTES];
  bool has_key_ = false;
};

class ChaCha20Poly1305 {
 public:
  ChaCha20Poly1305();
  ~ChaCha20Poly1305();
  ChaCha20Poly1305(const ChaCha20Poly1305& other) = delete;
  ChaCha20Poly1305& operator=(const ChaCha20Poly1305& other) = delete;

  [[nodiscard]] Status set_key(std::span<const uint8_t> key);  // 32 bytes
  [[nodiscard]] Status seal(std::span<const uint8_t> nonce, std::span<const uint8_t> aad,
                            std::span<uint8_t> data, std::span<uint8_t> tag);
  [[nodiscard]] Status open(std::span<const uint8_t> nonce, std::span<const uint8_t> aad,
                            std::span<uint8_t> data, std::span<const uint8_t> tag);

 private:
  alignas(16) unsigned char ctx_[256];
  bool has_key_ = false;
};

// Which AEAD a record layer negotiated (both DTLS 1.2 and 1.3 use these three).
enum class AeadKind : uint8_t { aes128_gcm, aes256_gcm, chacha20_poly1305 };
constexpr std::size_t aead_key_size(AeadKind kind) { return kind == AeadKind::aes128_gcm ? 16 : 32; }

// One of the AEADs above, chosen when keyed: the state of one direction of
// one epoch of a record layer (dtls/record.hpp, dtls/v13/record.hpp). Only
// the chosen cipher exists, on the heap from init() to clear(): an epoch
// that is not keyed yet (or no longer) holds a pointer and two bytes, and a
// keyed one exactly its cipher (most of an established association's state).
// init() is the only allocation; seal/open allocate nothing.
class Aead {
 public:
  Aead() {}
  ~Aead() { clear(); }
  Aead(const Aead&) = delete;
  Aead& operator=(const Aead&) = delete;

  // Allocates the cipher of `kind` and sets its key (aead_key_size bytes).
  [[nodiscard]] Status init(AeadKind kind, std::span<const uint8_t> key);
  void clear();  // frees the cipher; its destructor wipes the key
  bool ready() const { return gcm_ != nullptr || chacha_ != nullptr; }
  AeadKind kind() const { return kind_; }

  // As AesGcm / ChaCha20Poly1305 above; fail when not ready.
  [[nodiscard]] Status seal(std::span<const uint8_t> nonce, std::span<const uint8_t> aad,
                            std::span<uint8_t> data, std::span<uint8_t> tag);
  [[nodiscard]] Status open(std::span<const uint8_t> nonce, std::span<const uint8_t> aad,
                            std::span<uint8_t> data, std::span<const uint8_t> tag);

 private:
  AesGcm* gcm_ = nullptr;  // at most one of the two is set
  ChaCha20Poly1305* chacha_ = nullptr;
  AeadKind kind_ = AeadKind::aes128_gcm;
};

}  // namespace keyway::crypto
