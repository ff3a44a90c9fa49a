// SPDX-License-Identifier: Apache-2.0
// HKDF (RFC 5869) over lib/crypto's HMAC: the extract-then-expand key
// derivation TLS 1.3 and DTLS 1.3 build their whole key schedule from
// (RFC 8446 §7.1). Allocation-free; SHA-256 and SHA-384 (and SHA-1, which
// nothing in keyway uses with HKDF).
//
//   PRK = HKDF-Extract(salt, IKM)  = HMAC-Hash(salt, IKM)
//   OKM = HKDF-Expand(PRK, info, L) = T(1) | T(2) | ... first L bytes,
//         T(i) = HMAC-Hash(PRK, T(i-1) | info | i),  T(0) = empty
#pragma once

#include <cstdint>
#include <span>

#include "keyway/lib/crypto/sha.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::crypto {

// RFC 5869 §2.3: at most 255 blocks of output.
constexpr std::size_t hkdf_max_output(HashAlg alg) { return 255 * digest_size(alg); }

// RFC 5869 §2.2. prk must hold digest_size(alg) bytes. An empty salt means
// HashLen zero bytes, which is what HMAC's zero-padding of a short key gives.
[[nodiscard]] Status hkdf_extract(HashAlg alg, std::span<const uint8_t> salt, std::span<const uint8_t> ikm,
                                  std::span<uint8_t> prk);

// RFC 5869 §2.3. Fills all of okm (at most hkdf_max_output(alg) bytes).
[[nodiscard]] Status hkdf_expand(HashAlg alg, std::span<const uint8_t> prk, std::span<const uint8_t> info,
                                 std::span<uint8_t> okm);

}  // namespace keyway::crypto
