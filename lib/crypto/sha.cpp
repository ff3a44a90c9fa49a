// SPDX-License-Identifier: Apache-2.0
#include "keyway/lib/crypto/sha.hpp"

#include <mbedtls/md5.h>
#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>
#include <mbedtls/version.h>

namespace keyway::crypto {

namespace {
// mbedTLS 3.0 removed the void hash calls of 2.x and gave their names to the
// int-returning `_ret` calls: the same functions under two names.
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
constexpr auto sha1_starts = mbedtls_sha1_starts;
constexpr auto sha1_update = mbedtls_sha1_update;
constexpr auto sha1_finish = mbedtls_sha1_finish;
constexpr auto sha256_starts = mbedtls_sha256_starts;
constexpr auto sha256_update = mbedtls_sha256_update;
constexpr auto sha256_finish = mbedtls_sha256_finish;
constexpr auto sha512_starts = mbedtls_sha512_starts;
constexpr auto sha512_update = mbedtls_sha512_update;
constexpr auto sha512_finish = mbedtls_sha512_finish;
constexpr auto md5_digest = mbedtls_md5;
#else
constexpr auto sha1_starts = mbedtls_sha1_starts_ret;
constexpr auto sha1_update = mbedtls_sha1_update_ret;
constexpr auto sha1_finish = mbedtls_sha1_finish_ret;
constexpr auto sha256_starts = mbedtls_sha256_starts_ret;
constexpr auto sha256_update = mbedtls_sha256_update_ret;
constexpr auto sha256_finish = mbedtls_sha256_finish_ret;
constexpr auto sha512_starts = mbedtls_sha512_starts_ret;
constexpr auto sha512_update = mbedtls_sha512_update_ret;
constexpr auto sha512_finish = mbedtls_sha512_finish_ret;
constexpr auto md5_digest = mbedtls_md5_ret;
#endif
}  // namespace

static_assert(sizeof(mbedtls_sha1_context) <= 112, "grow Sha1::ctx_");
static_assert(sizeof(mbedtls_sha256_context) <= 128, "grow Sha256::ctx_");
static_assert(sizeof(mbedtls_sha512_context) <= 240, "grow Sha384::ctx_");

// The mbedTLS hash contexts are plain data (no pointers, no heap), so the
// defaulted copy of these classes is a valid clone of the running state.

#define KW_CTX(type) reinterpret_cast<type*>(ctx_)

Sha1::Sha1() { reset(); }
void Sha1::reset() {
  mbedtls_sha1_init(KW_CTX(mbedtls_sha1_context));
  sha1_starts(KW_CTX(mbedtls_sha1_context));
}
void Sha1::update(std::span<const uint8_t> data) {
  sha1_update(KW_CTX(mbedtls_sha1_context), data.data(), data.size());
}
void Sha1::finish(uint8_t out[kDigestSize]) { sha1_finish(KW_CTX(mbedtls_sha1_context), out); }

Sha256::Sha256() { reset(); }
void Sha256::reset() {
  mbedtls_sha256_init(KW_CTX(mbedtls_sha256_context));
  sha256_starts(KW_CTX(mbedtls_sha256_context), 0);
}
void Sha256::update(std::span<const uint8_t> data) {
  sha256_update(KW_CTX(mbedtls_sha256_context), data.data(), data.size());
}
void Sha256::finish(uint8_t out[kDigestSize]) { sha256_finish(KW_CTX(mbedtls_sha256_context), out); }

Sha384::Sha384() { reset(); }
void Sha384::reset() {
  mbedtls_sha512_init(KW_CTX(mbedtls_sha512_context));
  sha512_starts(KW_CTX(mbedtls_sha512_context), 1);
}
void Sha384::update(std::span<const uint8_t> data) {
  sha512_update(KW_CTX(mbedtls_sha512_context), data.data(), data.size());
}
void Sha384::finish(uint8_t out[kDigestSize]) {
  uint8_t full[64];
  sha512_finish(KW_CTX(mbedtls_sha512_context), full);
  for (std::size_t i = 0; i < kDigestSize; ++i) out[i] = full[i];
}

#undef KW_CTX

void md5(std::span<const uint8_t> data, uint8_t out[16]) { md5_digest(data.data(), data.size(), out); }

void hash(HashAlg alg, std::span<const uint8_t> data, std::span<uint8_t> out) {
  Hash h(alg);
  h.update(data);
  h.peek(out);
}

namespace {
std::variant<Sha1, Sha256, Sha384> state_for(HashAlg alg) {
  switch (alg) {
    case HashAlg::sha1: return Sha1{};
    case HashAlg::sha256: return Sha256{};
    case HashAlg::sha384: return Sha384{};
  }
  return Sha256{};
}
}  // namespace

Hash::Hash(HashAlg alg) : alg_(alg), state_(state_for(alg)) {}

void Hash::update(std::span<const uint8_t> data) {
  switch (alg_) {
    case HashAlg::sha1: std::get_if<Sha1>(&state_)->update(data); break;
    case HashAlg::sha256: std::get_if<Sha256>(&state_)->update(data); break;
    case HashAlg::sha384: std::get_if<Sha384>(&state_)->update(data); break;
  }
}

// finish() ends a copy: the running state is left untouched.
void Hash::peek(std::span<uint8_t> out) const {
  if (out.size() < size()) return;
  switch (alg_) {
    case HashAlg::sha1: { Sha1 c = *std::get_if<Sha1>(&state_); c.finish(out.data()); break; }
    case HashAlg::sha256: { Sha256 c = *std::get_if<Sha256>(&state_); c.finish(out.data()); break; }
    case HashAlg::sha384: { Sha384 c = *std::get_if<Sha384>(&state_); c.finish(out.data()); break; }
  }
}

}  // namespace keyway::crypto
