// SPDX-License-Identifier: Apache-2.0
#include "keyway/lib/crypto/ecc.hpp"

#include <mbedtls/bignum.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>

#include "keyway/lib/crypto/ct.hpp"
#include "keyway/lib/crypto/drbg.hpp"

namespace keyway::crypto {

namespace {

// A key pair as three public mbedTLS objects rather than an
// mbedtls_ecp_keypair, whose fields mbedTLS 3 made private. Every call below
// takes them one by one and exists, unchanged, in mbedTLS 2.28 and 3.6.
struct EcKey {
  mbedtls_ecp_group grp;
  mbedtls_mpi d;
  mbedtls_ecp_point Q;
};
static_assert(sizeof(EcKey) <= 512, "grow key storage");

EcKey* ek(unsigned char* p) { return reinterpret_cast<EcKey*>(p); }
const EcKey* ek(const unsigned char* p) { return reinterpret_cast<const EcKey*>(p); }

void init(EcKey* k) {
  mbedtls_ecp_group_init(&k->grp);
  mbedtls_mpi_init(&k->d);
  mbedtls_ecp_point_init(&k->Q);
}

void release(EcKey* k) {  // mbedtls_mpi_free zeroizes the scalar
  mbedtls_ecp_group_free(&k->grp);
  mbedtls_mpi_free(&k->d);
  mbedtls_ecp_point_free(&k->Q);
}

void reset(EcKey* k) {
  release(k);
  init(k);
}

// Adapts the injected Rng to mbedTLS's f_rng callback.
int rng_callback(void* ctx, unsigned char* out, size_t len) {
  static_cast<Rng*>(ctx)->fill({out, len});
  return 0;
}

mbedtls_ecp_group_id group_id(NamedGroup g) {
  switch (g) {
    case NamedGroup::secp256r1: return MBEDTLS_ECP_DP_SECP256R1;
    case NamedGroup::secp384r1: return MBEDTLS_ECP_DP_SECP384R1;
    case NamedGroup::x25519: return MBEDTLS_ECP_DP_CURVE25519;
  }
  return MBEDTLS_ECP_DP_NONE;
}

mbedtls_ecp_group_id curve_id(EcCurve c) {
  return c == EcCurve::p256 ? MBEDTLS_ECP_DP_SECP256R1 : MBEDTLS_ECP_DP_SECP384R1;
}

constexpr Error kEcFail = make_error(Layer::crypto, Code::crypto_failure, "ecc: mbedTLS operation failed");

// Q = d·G for a loaded private key. mbedTLS 3 requires an RNG for the
// blinding of this multiplication (2.x seeded one from the scalar when given
// none). Loading has no Rng, so do as 2.x did: blinding must be unpredictable
// to whoever watches the side channel, not fresh, so a DRBG seeded with a
// hash of the scalar serves. The result does not depend on the blinding.
Status compute_public(EcKey* k, std::span<const uint8_t> scalar) {
  static constexpr char kLabel[] = "keyway ecc blinding";
  uint8_t seed[Sha384::kDigestSize];
  Sha384 h;
  h.update({reinterpret_cast<const uint8_t*>(kLabel), sizeof kLabel - 1});
  h.update(scalar);
  h.finish(seed);
  h.reset();  // clears the state that saw the scalar
  DrbgRng blinding;
  Status st = blinding.instantiate(seed, {});
  secure_zero(seed, sizeof seed);
  if (!st.ok()) return st;
  Rng& rng = blinding;
  if (mbedtls_ecp_mul(&k->grp, &k->Q, &k->d, &k->grp.G, rng_callback, &rng) != 0) return kEcFail;
  return ok_status();
}

}  // namespace

std::size_t public_key_size(NamedGroup g) {
  switch (g) {
    case NamedGroup::secp256r1: return 65;
    case NamedGroup::secp384r1: return 97;
    case NamedGroup::x25519: return 32;
  }
  return 0;
}

std::size_t shared_secret_size(NamedGroup g) {
  switch (g) {
    case NamedGroup::secp256r1: return 32;
    case NamedGroup::secp384r1: return 48;
    case NamedGroup::x25519: return 32;
  }
  return 0;
}

// ---- ECDH ----

EcdhKeyPair::EcdhKeyPair() { init(ek(key_)); }
EcdhKeyPair::~EcdhKeyPair() { release(ek(key_)); }

Status EcdhKeyPair::generate(NamedGroup group, Rng& rng) {
  reset(ek(key_));
  has_key_ = false;
  EcKey* k = ek(key_);
  if (mbedtls_ecp_group_load(&k->grp, group_id(group)) != 0) return kEcFail;
  if (mbedtls_ecp_gen_keypair(&k->grp, &k->d, &k->Q, rng_callback, &rng) != 0) return kEcFail;
  group_ = group;
  return finish_load();
}

Status EcdhKeyPair::load_private(NamedGroup group, std::span<const uint8_t> d) {
  ENSURE(d.size() == shared_secret_size(group),
         make_error(Layer::crypto, Code::invalid_argument, "ecdh: private key has the wrong length"));
  reset(ek(key_));
  has_key_ = false;
  EcKey* k = ek(key_);
  if (mbedtls_ecp_group_load(&k->grp, group_id(group)) != 0) return kEcFail;
  int rc;
  if (group == NamedGroup::x25519) {
    // RFC 7748 §5: decodeScalar25519 clears bits 0-2 and 255, sets bit 254.
    uint8_t scalar[32];
    for (std::size_t i = 0; i < 32; ++i) scalar[i] = d[i];
    scalar[0] &= 248;
    scalar[31] &= 127;
    scalar[31] |= 64;
    rc = mbedtls_mpi_read_binary_le(&k->d, scalar, sizeof scalar);
    secure_zero(scalar, sizeof scalar);
  } else {
    rc = mbedtls_mpi_read_binary(&k->d, d.data(), d.size());
  }
  if (rc != 0 || mbedtls_ecp_check_privkey(&k->grp, &k->d) != 0)
    return make_error(Layer::crypto, Code::invalid_argument, "ecdh: private key out of range");
  TRY(compute_public(k, d));
  group_ = group;
  return finish_load();
}

Status EcdhKeyPair::finish_load() {
  EcKey* k = ek(key_);
  size_t olen = 0;
  if (mbedtls_ecp_point_write_binary(&k->grp, &k->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pub_, sizeof pub_) != 0)
    return kEcFail;
  pub_len_ = olen;
  has_key_ = true;
  return ok_status();
}

Result<std::size_t> EcdhKeyPair::compute_shared(std::span<const uint8_t> peer_public, std::span<uint8_t> out,
                                                 Rng& rng) {
  ENSURE(has_key_, make_error(Layer::crypto, Code::bad_state, "ecdh: no key pair generated"));
  ENSURE(peer_public.size() == public_key_size(group_),
         make_error(Layer::crypto, Code::illegal_parameter, "ecdh: peer public key has the wrong length"));
  std::size_t n = shared_secret_size(group_);
  ENSURE(out.size() >= n, make_error(Layer::crypto, Code::buffer_too_small, "ecdh: output too small"));
  EcKey* k = ek(key_);
  mbedtls_ecp_point peer;
  mbedtls_mpi z;
  mbedtls_ecp_point_init(&peer);
  mbedtls_mpi_init(&z);
  Status st = ok_status();
  if (mbedtls_ecp_point_read_binary(&k->grp, &peer, peer_public.data(), peer_public.size()) != 0 ||
      mbedtls_ecp_check_pubkey(&k->grp, &peer) != 0) {
    st = make_error(Layer::crypto, Code::illegal_parameter, "ecdh: peer public key is not a valid point");
  } else if (mbedtls_ecdh_compute_shared(&k->grp, &z, &peer, &k->d, rng_callback, &rng) != 0) {
    st = make_error(Layer::crypto, Code::illegal_parameter, "ecdh: shared secret computation failed");
  } else {
    // RFC 7748 §6.1: x25519 output is little-endian; RFC 8422 §5.10: the
    // NIST-curve premaster is the big-endian X coordinate, full width.
    int rc = group_ == NamedGroup::x25519 ? mbedtls_mpi_write_binary_le(&z, out.data(), n)
                                          : mbedtls_mpi_write_binary(&z, out.data(), n);
    if (rc != 0) st = kEcFail;
    // RFC 7748 §6.1: an all-zero x25519 result means a low-order point.
    if (st.ok() && group_ == NamedGroup::x25519) {
      uint8_t acc = 0;
      for (std::size_t i = 0; i < n; ++i) acc = static_cast<uint8_t>(acc | out[i]);
      if (acc == 0) st = make_error(Layer::crypto, Code::illegal_parameter, "ecdh: x25519 shared secret is zero");
    }
  }
  mbedtls_ecp_point_free(&peer);
  mbedtls_mpi_free(&z);
  if (!st.ok()) return st.error();
  return n;
}

// ---- ECDSA ----

EcdsaKey::EcdsaKey() { init(ek(key_)); }
EcdsaKey::~EcdsaKey() { release(ek(key_)); }

Status EcdsaKey::finish_load() {
  EcKey* k = ek(key_);
  size_t olen = 0;
  if (mbedtls_ecp_point_write_binary(&k->grp, &k->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pub_, sizeof pub_) != 0)
    return kEcFail;
  pub_len_ = olen;
  has_key_ = true;
  return ok_status();
}

Status EcdsaKey::generate(EcCurve curve, Rng& rng) {
  reset(ek(key_));
  has_key_ = false;
  curve_ = curve;
  EcKey* k = ek(key_);
  if (mbedtls_ecp_group_load(&k->grp, curve_id(curve)) != 0) return kEcFail;
  if (mbedtls_ecp_gen_keypair(&k->grp, &k->d, &k->Q, rng_callback, &rng) != 0) return kEcFail;
  return finish_load();
}

Status EcdsaKey::load_private(EcCurve curve, std::span<const uint8_t> d) {
  ENSURE(d.size() == ecdsa_scalar_size(curve),
         make_error(Layer::crypto, Code::invalid_argument, "ecdsa: private scalar has the wrong length"));
  reset(ek(key_));
  has_key_ = false;
  curve_ = curve;
  EcKey* k = ek(key_);
  if (mbedtls_ecp_group_load(&k->grp, curve_id(curve)) != 0) return kEcFail;
  if (mbedtls_mpi_read_binary(&k->d, d.data(), d.size()) != 0) return kEcFail;
  if (mbedtls_ecp_check_privkey(&k->grp, &k->d) != 0)
    return make_error(Layer::crypto, Code::invalid_argument, "ecdsa: private scalar out of range");
  TRY(compute_public(k, d));
  return finish_load();
}

Status EcdsaKey::export_private(std::span<uint8_t> out) const {
  ENSURE(has_key_, make_error(Layer::crypto, Code::bad_state, "ecdsa: no key"));
  std::size_t n = ecdsa_scalar_size(curve_);
  ENSURE(out.size() >= n, make_error(Layer::crypto, Code::buffer_too_small, "ecdsa: output too small"));
  const EcKey* k = ek(key_);
  if (mbedtls_mpi_write_binary(&k->d, out.data(), n) != 0) return kEcFail;
  return ok_status();
}

Status EcdsaKey::sign_digest(std::span<const uint8_t> digest, std::span<uint8_t> out, Rng& rng) {
  ENSURE(has_key_, make_error(Layer::crypto, Code::bad_state, "ecdsa: no key"));
  std::size_t n = ecdsa_scalar_size(curve_);
  ENSURE(out.size() >= 2 * n, make_error(Layer::crypto, Code::buffer_too_small, "ecdsa: signature buffer too small"));
  EcKey* k = ek(key_);
  mbedtls_mpi r, s;
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  int rc = mbedtls_ecdsa_sign(&k->grp, &r, &s, &k->d, digest.data(), digest.size(), rng_callback, &rng);
  if (rc == 0) rc = mbedtls_mpi_write_binary(&r, out.data(), n);
  if (rc == 0) rc = mbedtls_mpi_write_binary(&s, out.data() + n, n);
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&s);
  if (rc != 0) return kEcFail;
  return ok_status();
}

Status ecdsa_verify_digest(EcCurve curve, std::span<const uint8_t> public_point, std::span<const uint8_t> digest,
                           std::span<const uint8_t> signature_rs) {
  std::size_t n = ecdsa_scalar_size(curve);
  ENSURE(signature_rs.size() == 2 * n,
         make_error(Layer::crypto, Code::invalid_argument, "ecdsa: signature must be r||s of the curve's width"));
  mbedtls_ecp_group grp;
  mbedtls_ecp_point q;
  mbedtls_mpi r, s;
  mbedtls_ecp_group_init(&grp);
  mbedtls_ecp_point_init(&q);
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  Status st = ok_status();
  if (mbedtls_ecp_group_load(&grp, curve_id(curve)) != 0) {
    st = kEcFail;
  } else if (mbedtls_ecp_point_read_binary(&grp, &q, public_point.data(), public_point.size()) != 0 ||
             mbedtls_ecp_check_pubkey(&grp, &q) != 0) {
    st = make_error(Layer::crypto, Code::illegal_parameter, "ecdsa: public key is not a valid point");
  } else if (mbedtls_mpi_read_binary(&r, signature_rs.data(), n) != 0 ||
             mbedtls_mpi_read_binary(&s, signature_rs.data() + n, n) != 0) {
    st = kEcFail;
  } else if (!kFuzzing && mbedtls_ecdsa_verify(&grp, digest.data(), digest.size(), &q, &r, &s) != 0) {
    st = make_error(Layer::crypto, Code::auth_failed, "ecdsa: signature does not verify");
  }
  mbedtls_ecp_group_free(&grp);
  mbedtls_ecp_point_free(&q);
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&s);
  return st;
}

}  // namespace keyway::crypto
