// SPDX-License-Identifier: Apache-2.0
// SHA-1, SHA-256 and SHA-384 (FIPS 180-4): incremental, copyable (a copy is
// a cheap "clone" of the running state, used for transcript hashes and for
// HMAC with precomputed pads), allocation-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

namespace keyway::crypto {

enum class HashAlg : uint8_t { sha1, sha256, sha384 };

constexpr std::size_t digest_size(HashAlg alg) {
  return alg == HashAlg::sha1 ? 20 : alg == HashAlg::sha256 ? 32 : 48;
}
constexpr std::size_t kMaxDigestSize = 48;

class Sha1 {
 public:
  static constexpr std::size_t kDigestSize = 20;
  static constexpr std::size_t kBlockSize = 64;
  Sha1();
  void update(std::span<const uint8_t> data);
  void finish(uint8_t out[kDigestSize]);  // the object must be reset() before reuse
  void reset();

 private:
  alignas(8) unsigned char ctx_[112];
};

class Sha256 {
 public:
  static constexpr std::size_t kDigestSize = 32;
  static constexpr std::size_t kBlockSize = 64;
  Sha256();
  void update(std::span<const uint8_t> data);
  void finish(uint8_t out[kDigestSize]);
  void reset();

 private:
  alignas(8) unsigned char ctx_[128];
};

class Sha384 {
 public:
  static constexpr std::size_t kDigestSize = 48;
  static constexpr std::size_t kBlockSize = 128;
  Sha384();
  void update(std::span<const uint8_t> data);
  void finish(uint8_t out[kDigestSize]);
  void reset();

 private:
  alignas(8) unsigned char ctx_[240];
};

// MD5 (RFC 1321), one-shot. Broken as a hash; present only because STUN's
// long-term credentials derive their key as MD5(user:realm:pass) (RFC 8489 §9.2.2).
void md5(std::span<const uint8_t> data, uint8_t out[16]);

// One-shot digest; out must hold digest_size(alg) bytes.
void hash(HashAlg alg, std::span<const uint8_t> data, std::span<uint8_t> out);

// A running hash of any supported algorithm (for the TLS transcript, whose
// algorithm is known only after ServerHello). It holds only its own
// algorithm's state (issue 13: a handshake keeps four of them).
class Hash {
 public:
  explicit Hash(HashAlg alg = HashAlg::sha256);
  HashAlg alg() const { return alg_; }
  std::size_t size() const { return digest_size(alg_); }
  void update(std::span<const uint8_t> data);
  // Digest of everything so far; the running state is left untouched.
  void peek(std::span<uint8_t> out) const;

 private:
  HashAlg alg_;
  std::variant<Sha1, Sha256, Sha384> state_;
};

}  // namespace keyway::crypto
