// SPDX-License-Identifier: Apache-2.0
#include "keyway/srtp/kdf.hpp"

#include <cstring>

#include "keyway/lib/crypto/aes.hpp"
#include "keyway/lib/crypto/ct.hpp"

namespace keyway::srtp {

namespace {
constexpr Error kBadKey = make_error(Layer::srtp, Code::invalid_argument, "srtp: master key length does not match the profile");
constexpr Error kBadSalt =
    make_error(Layer::srtp, Code::invalid_argument, "srtp: master salt length does not match the profile");
}  // namespace

SessionKeys::~SessionKeys() {
  crypto::secure_zero(cipher_key, sizeof cipher_key);
  crypto::secure_zero(salt, sizeof salt);
  crypto::secure_zero(auth_key, sizeof auth_key);
}

Status kdf_derive(Bytes master_key, Bytes master_salt, KdfLabel label, MutableBytes out) {
  ENSURE(master_salt.size() <= kMaxSaltLen, kBadSalt);
  crypto::Aes prf;
  TRY(prf.set_key(master_key));
  // IV = (master_salt XOR (label || r)) * 2^16 with r = 0 (§4.3.1, §4.3.3).
  // The salt is left-aligned in 112 bits; a shorter (AEAD) salt is zero-padded.
  uint8_t iv[16] = {};
  if (!master_salt.empty()) std::memcpy(iv, master_salt.data(), master_salt.size());
  iv[7] ^= static_cast<uint8_t>(label);
  std::memset(out.data(), 0, out.size());
  prf.ctr_xor(iv, out);
  crypto::secure_zero(iv, sizeof iv);
  return ok_status();
}

Status derive_session_keys(const ProfileInfo& profile, Bytes master_key, Bytes master_salt, bool rtcp,
                           SessionKeys& out) {
  ENSURE(master_key.size() == profile.key_len, kBadKey);
  ENSURE(master_salt.size() == profile.salt_len, kBadSalt);
  const KdfLabel enc = rtcp ? KdfLabel::rtcp_encryption : KdfLabel::rtp_encryption;
  const KdfLabel auth = rtcp ? KdfLabel::rtcp_auth : KdfLabel::rtp_auth;
  const KdfLabel salt = rtcp ? KdfLabel::rtcp_salt : KdfLabel::rtp_salt;
  out.key_len = profile.key_len;
  out.salt_len = profile.salt_len;
  out.auth_key_len = profile.auth_key_len;
  TRY(kdf_derive(master_key, master_salt, enc, {out.cipher_key, out.key_len}));
  TRY(kdf_derive(master_key, master_salt, salt, {out.salt, out.salt_len}));
  if (out.auth_key_len != 0) TRY(kdf_derive(master_key, master_salt, auth, {out.auth_key, out.auth_key_len}));
  return ok_status();
}

}  // namespace keyway::srtp
