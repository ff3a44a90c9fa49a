// TLS 1.2 digitally-signed structs at the digest level (RFC 5246 §4.7,
// §7.4.3, §7.4.8). The handshake keeps running transcript hashes rather than
// the messages themselves, so signatures are made and checked over digests.
//
//   ECDSA wire form (RFC 8422 §5.4, RFC 3279 §2.2.3):
//     Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }
#pragma once

#include <cstdint>

#include "dtls/certificate.hpp"
#include "lib/bytes.hpp"
#include "lib/crypto/ecc.hpp"
#include "lib/crypto/sha.hpp"
#include "lib/result.hpp"
#include "lib/rng.hpp"

namespace keyway::dtls {

constexpr std::size_t kMaxSignatureSize = 1024;  // RSA-8192 at most

// The hash a SignatureScheme uses; fails for schemes we do not verify.
[[nodiscard]] Result<crypto::HashAlg> scheme_hash(uint16_t scheme);

// Checks `signature` (TLS wire form) over `digest` with the peer's key.
[[nodiscard]] Status verify_digest(const CertificateView& cert, uint16_t scheme, Bytes digest, Bytes signature);

// Signs digest with an ECDSA key and writes a DER Ecdsa-Sig-Value.
[[nodiscard]] Result<std::size_t> sign_digest_der(crypto::EcdsaKey& key, Bytes digest, MutableBytes out, Rng& rng);

// DER <-> fixed-width r||s (exposed for tests and fuzzing).
[[nodiscard]] Result<std::size_t> ecdsa_der_to_raw(Bytes der, std::size_t scalar_size, MutableBytes out);
[[nodiscard]] Result<std::size_t> ecdsa_raw_to_der(Bytes raw, MutableBytes out);

}  // namespace keyway::dtls
