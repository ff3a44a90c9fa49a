// SPDX-License-Identifier: Apache-2.0
#include "keyway/lib/crypto/rsa.hpp"

// The minimal profile (meson -Dprofile=minimal, docs/embedding.md) has no
// RSA: a peer with an RSA certificate is refused as unsupported.
#if KEYWAY_PROFILE_MINIMAL
namespace keyway::crypto {
constexpr Error kNoRsa = make_error(Layer::crypto, Code::unsupported, "rsa: not in the minimal profile");
Status rsa_verify_pkcs1(const RsaPublicKey&, HashAlg, std::span<const uint8_t>, std::span<const uint8_t>) {
  return kNoRsa;
}
Status rsa_verify_pss(const RsaPublicKey&, HashAlg, std::span<const uint8_t>, std::span<const uint8_t>) {
  return kNoRsa;
}
}  // namespace keyway::crypto
#else

#include <mbedtls/md.h>
#include <mbedtls/rsa.h>
#include <mbedtls/version.h>

#include "keyway/lib/fuzzing.hpp"

namespace keyway::crypto {

namespace {

mbedtls_md_type_t md_type(HashAlg alg) {
  switch (alg) {
    case HashAlg::sha1: return MBEDTLS_MD_SHA1;
    case HashAlg::sha256: return MBEDTLS_MD_SHA256;
    case HashAlg::sha384: return MBEDTLS_MD_SHA384;
  }
  return MBEDTLS_MD_NONE;
}

enum class Padding { pkcs1, pss };

// mbedTLS 3.0 dropped the RNG and mode arguments of the verify calls (a
// public-key operation needs neither) and the padding arguments of init (the
// calls below name their padding themselves): same operations, two spellings.
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
void rsa_init(mbedtls_rsa_context* rsa) { mbedtls_rsa_init(rsa); }
int pkcs1_v15_verify(mbedtls_rsa_context* rsa, mbedtls_md_type_t md, std::span<const uint8_t> digest,
                     const uint8_t* sig) {
  return mbedtls_rsa_rsassa_pkcs1_v15_verify(rsa, md, static_cast<unsigned>(digest.size()), digest.data(), sig);
}
int pss_verify(mbedtls_rsa_context* rsa, mbedtls_md_type_t md, std::span<const uint8_t> digest, const uint8_t* sig) {
  return mbedtls_rsa_rsassa_pss_verify_ext(rsa, md, static_cast<unsigned>(digest.size()), digest.data(), md,
                                           static_cast<int>(digest.size()), sig);
}
#else
void rsa_init(mbedtls_rsa_context* rsa) { mbedtls_rsa_init(rsa, MBEDTLS_RSA_PKCS_V15, 0); }
int pkcs1_v15_verify(mbedtls_rsa_context* rsa, mbedtls_md_type_t md, std::span<const uint8_t> digest,
                     const uint8_t* sig) {
  return mbedtls_rsa_rsassa_pkcs1_v15_verify(rsa, nullptr, nullptr, MBEDTLS_RSA_PUBLIC, md,
                                             static_cast<unsigned>(digest.size()), digest.data(), sig);
}
int pss_verify(mbedtls_rsa_context* rsa, mbedtls_md_type_t md, std::span<const uint8_t> digest, const uint8_t* sig) {
  return mbedtls_rsa_rsassa_pss_verify_ext(rsa, nullptr, nullptr, MBEDTLS_RSA_PUBLIC, md,
                                           static_cast<unsigned>(digest.size()), digest.data(), md,
                                           static_cast<int>(digest.size()), sig);
}
#endif

Status verify(const RsaPublicKey& key, HashAlg alg, std::span<const uint8_t> digest,
              std::span<const uint8_t> signature, Padding padding) {
  ENSURE(digest.size() == digest_size(alg),
         make_error(Layer::crypto, Code::invalid_argument, "rsa: digest length does not match the hash"));
  ENSURE(key.modulus.size() >= 128 && key.modulus.size() <= 1024,
         make_error(Layer::crypto, Code::unsupported, "rsa: modulus must be 1024..8192 bits"));
  mbedtls_rsa_context rsa;
  rsa_init(&rsa);
  Status st = ok_status();
  if (mbedtls_rsa_import_raw(&rsa, key.modulus.data(), key.modulus.size(), nullptr, 0, nullptr, 0, nullptr, 0,
                             key.exponent.data(), key.exponent.size()) != 0 ||
      mbedtls_rsa_complete(&rsa) != 0 || mbedtls_rsa_check_pubkey(&rsa) != 0) {
    st = make_error(Layer::crypto, Code::illegal_parameter, "rsa: invalid public key");
  } else if (signature.size() != mbedtls_rsa_get_len(&rsa)) {
    st = make_error(Layer::crypto, Code::auth_failed, "rsa: signature length differs from the modulus length");
  } else {
    // RFC 8446 §4.2.3: PSS uses MGF1 with the same hash and a salt as long as the digest.
    int rc = padding == Padding::pkcs1 ? pkcs1_v15_verify(&rsa, md_type(alg), digest, signature.data())
                                       : pss_verify(&rsa, md_type(alg), digest, signature.data());
    if (rc != 0 && !kFuzzing) st = make_error(Layer::crypto, Code::auth_failed, "rsa: signature does not verify");
  }
  mbedtls_rsa_free(&rsa);
  return st;
}

}  // namespace

Status rsa_verify_pkcs1(const RsaPublicKey& key, HashAlg alg, std::span<const uint8_t> digest,
                        std::span<const uint8_t> signature) {
  return verify(key, alg, digest, signature, Padding::pkcs1);
}

Status rsa_verify_pss(const RsaPublicKey& key, HashAlg alg, std::span<const uint8_t> digest,
                      std::span<const uint8_t> signature) {
  return verify(key, alg, digest, signature, Padding::pss);
}

}  // namespace keyway::crypto

#endif  // KEYWAY_PROFILE_MINIMAL
