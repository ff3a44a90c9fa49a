// SPDX-License-Identifier: Apache-2.0
// The keyed transform of one packet kind (SRTP or SRTCP) of a session:
// AES-CM + HMAC-SHA1 (RFC 3711 §4.1.1, §4.2.1) or AES-GCM (RFC 7714), with
// the session salt that builds each packet's IV. Keys are expanded once in
// init(); nothing here allocates afterwards. Only the profile's own
// transform is held (AES-CM + HMAC or AES-GCM, never both: issue 13), on
// the heap from init() on, so a session without keys (a call still in its
// handshake) holds neither.
#pragma once

#include <cstddef>
#include <cstdint>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/crypto/aead.hpp"
#include "keyway/lib/crypto/aes.hpp"
#include "keyway/lib/crypto/hmac.hpp"
#include "keyway/lib/profile.hpp"
#include "keyway/lib/result.hpp"
#include "keyway/srtp/kdf.hpp"
#include "keyway/srtp/profile.hpp"

namespace keyway::srtp {

class PacketCipher {
 public:
  PacketCipher() = default;
  PacketCipher(const PacketCipher&) = delete;
  PacketCipher& operator=(const PacketCipher&) = delete;
  ~PacketCipher();  // wipes the salt (the transform wipes its own keys)

  [[nodiscard]] Status init(const ProfileInfo& profile, const SessionKeys& keys, std::size_t tag_len);

  // Without AES-CM (profile::kSrtpCm) a constant: the AES-CM + HMAC paths are not linked.
  bool aead() const { return aead_ || !profile::kSrtpCm; }
  std::size_t tag_len() const { return tag_len_; }

  // AES-CM counter block (RFC 3711 §4.1.1):
  //   IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16)
  // where i is the 48-bit SRTP packet index or the 31-bit SRTCP index.
  void cm_iv(uint32_t ssrc, uint64_t index, uint8_t iv[16]) const;
  void cm_xor(const uint8_t iv[16], MutableBytes data) const { cm().aes.ctr_xor(iv, data); }

  // HMAC-SHA1 of a || b (the authenticated portion, then the ROC or nothing),
  // full 20 bytes; callers truncate to the tag length (§4.2.1).
  void mac(Bytes a, Bytes b, uint8_t out[crypto::Sha1::kDigestSize]) const;

  // AES-GCM nonces (RFC 7714 §8.1, §9.1), 12 bytes, salted:
  //   SRTP:  (00 00 || SSRC || ROC || SEQ) XOR salt
  //   SRTCP: (00 00 || SSRC || 00 00 || 0 || SRTCP index) XOR salt
  // Both are (00 00 || SSRC || 48-bit index) XOR salt: SRTP's index is
  // ROC || SEQ, SRTCP's 31-bit index leaves its top 17 bits zero.
  void gcm_iv(uint32_t ssrc, uint64_t index, uint8_t iv[crypto::kAeadNonceSize]) const;
  crypto::AesGcm& gcm() { return *static_cast<crypto::AesGcm*>(transform_); }

 private:
  // RFC 3711 §4.1.1 + §4.2.1: the AES-CM key schedule and the HMAC pads.
  struct CmSha1 {
    crypto::Aes aes;
    crypto::HmacSha1 hmac;
    ~CmSha1();  // wipes the HMAC pads (the AES context wipes itself)
  };
  const CmSha1& cm() const { return *static_cast<const CmSha1*>(transform_); }
  void release();

  // The profile's one transform (aead_ says which), owned: 32 bytes in all,
  // not 48 (issue 13: four in every call). The salt lives only as the two
  // halves the IVs are built from.
  void* transform_ = nullptr;  // a crypto::AesGcm (AEAD profiles) or a CmSha1 (AES-CM + HMAC-SHA1)
  uint8_t tag_len_ = 0;  // at most kMaxTagLen
  bool aead_ = false;
  uint64_t salt_hi_ = 0;  // the salt * 2^16 as a 128-bit big-endian number, high and low halves
  uint64_t salt_lo_ = 0;
};

}  // namespace keyway::srtp
