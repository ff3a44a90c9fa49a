// SPDX-License-Identifier: Apache-2.0
/* mbedTLS 3.6 configuration for the Cortex-M4 image (ports/qemu-m4/):
 * the primitives keyway's lib/crypto/ calls, nothing else. No file system,
 * networking, threading, time, entropy module or PSA: keyway injects time and
 * randomness and does its own TLS; mbedTLS provides the arithmetic only.
 * Used as MBEDTLS_CONFIG_FILE for both the mbedTLS archive and keyway. */
#ifndef KEYWAY_M4_MBEDTLS_CONFIG_H
#define KEYWAY_M4_MBEDTLS_CONFIG_H

/* The minimal set: AES, GCM, SHA-1/256, HMAC (keyway's own, over
 * SHA), ECP P-256 and X25519, ECDH, ECDSA, CTR-DRBG. */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES /* the AES tables live in flash, not in RAM */
#define MBEDTLS_BLOCK_CIPHER_NO_DECRYPT /* CTR and GCM only encrypt: no inverse tables */
/* No MBEDTLS_CIPHER_C: keyway calls no mbedtls_cipher_* function, and
 * without the cipher layer mbedTLS 3.6 builds GCM on its block-cipher module
 * (config_adjust_legacy_crypto.h: MBEDTLS_BLOCK_CIPHER_C), whose AES key
 * schedule lives inside the GCM context: one allocation per AES-GCM key
 * (lib/crypto/aead.hpp), not a second one of 280 bytes through the cipher
 * layer (issue 17: four in every call). */
#define MBEDTLS_GCM_C
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA224_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_MD_C
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ASN1_PARSE_C /* ECDSA's signature encoding */
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_HAVE_ASM /* bignum's Thumb-2 multiply-accumulate */

/* Referenced by keyway's full build (lib/crypto/ links them whatever the
 * negotiation picks): ChaCha20-Poly1305 (DTLS suites), SHA-384 (the
 * *_SHA384 suites), RSA verify (a peer's RSA certificate), MD5 (STUN).
 * The minimal profile drops RSA and ChaCha20-Poly1305 (below): it has no
 * DTLS 1.3 (profile::kDtls13), whose record-number masks need ChaCha20
 * (dtls/v13/record.cpp, RFC 9147 §4.2.3). */
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_OID_C
#define MBEDTLS_MD5_C

/* The minimal profile (meson -Dprofile=minimal; mbedtls_m4.sh minimal builds
 * this file with the same define): keyway calls none of these there. */
#if defined(KEYWAY_PROFILE_MINIMAL) && KEYWAY_PROFILE_MINIMAL
#undef MBEDTLS_RSA_C
#undef MBEDTLS_PKCS1_V15
#undef MBEDTLS_PKCS1_V21
#undef MBEDTLS_OID_C
#undef MBEDTLS_CHACHA20_C
#undef MBEDTLS_POLY1305_C
#undef MBEDTLS_CHACHAPOLY_C
/* Every AES key of the minimal profile is 128 bits (the one DTLS suite
 * ECDHE-ECDSA-AES128-GCM, SRTP AEAD_AES_128_GCM or AES_CM_128, its KDF):
 * AES contexts without room for longer key schedules (68 words -> 44, 96
 * bytes less in each SRTP and DTLS key), and CTR-DRBG keyed with AES-128
 * (SP 800-90A: security strength 128, that of P-256; lib/crypto/drbg.hpp). */
#define MBEDTLS_AES_ONLY_128_BIT_KEY_LENGTH
#define MBEDTLS_CTR_DRBG_USE_128_BIT_KEY
#endif

/* RAM before speed: no per-group precomputed table of the base point, a small
 * comb window (mbedTLS's heap use during ECDSA/ECDH drops accordingly). */
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
/* RSA verify up to 4096-bit keys (the default is 8192). */
#define MBEDTLS_MPI_MAX_SIZE 512

#endif /* KEYWAY_M4_MBEDTLS_CONFIG_H */
