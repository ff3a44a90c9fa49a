#include "lib/crypto/rsa.hpp"

#include <mbedtls/md.h>
#include <mbedtls/rsa.h>

#include "lib/fuzzing.hpp"

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

Status verify(const RsaPublicKey& key, HashAlg alg, std::span<const uint8_t> digest,
              std::span<const uint8_t> signature, Padding padding) {
  ENSURE(digest.size() == digest_size(alg),
         make_error(Layer::crypto, Code::invalid_argument, "rsa: digest length does not match the hash"));
  ENSURE(key.modulus.size() >= 128 && key.modulus.size() <= 1024,
         make_error(Layer::crypto, Code::unsupported, "rsa: modulus must be 1024..8192 bits"));
  mbedtls_rsa_context rsa;
  mbedtls_rsa_init(&rsa, padding == Padding::pss ? MBEDTLS_RSA_PKCS_V21 : MBEDTLS_RSA_PKCS_V15,
                   padding == Padding::pss ? static_cast<int>(md_type(alg)) : 0);
  Status st = ok_status();
  if (mbedtls_rsa_import_raw(&rsa, key.modulus.data(), key.modulus.size(), nullptr, 0, nullptr, 0, nullptr, 0,
                             key.exponent.data(), key.exponent.size()) != 0 ||
      mbedtls_rsa_complete(&rsa) != 0 || mbedtls_rsa_check_pubkey(&rsa) != 0) {
    st = make_error(Layer::crypto, Code::illegal_parameter, "rsa: invalid public key");
  } else if (signature.size() != mbedtls_rsa_get_len(&rsa)) {
    st = make_error(Layer::crypto, Code::auth_failed, "rsa: signature length differs from the modulus length");
  } else {
    int rc;
    if (padding == Padding::pkcs1) {
      rc = mbedtls_rsa_rsassa_pkcs1_v15_verify(&rsa, nullptr, nullptr, MBEDTLS_RSA_PUBLIC, md_type(alg),
                                               static_cast<unsigned>(digest.size()), digest.data(), signature.data());
    } else {
      rc = mbedtls_rsa_rsassa_pss_verify_ext(&rsa, nullptr, nullptr, MBEDTLS_RSA_PUBLIC, md_type(alg),
                                             static_cast<unsigned>(digest.size()), digest.data(), md_type(alg),
                                             static_cast<int>(digest.size()), signature.data());
    }
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
