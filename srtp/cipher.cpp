// SPDX-License-Identifier: Apache-2.0
#include "keyway/srtp/cipher.hpp"

#include <bit>
#include <cstring>
#include <new>

namespace keyway::srtp {
namespace {
constexpr Error kNoHeap = make_error(Layer::srtp, Code::capacity, "srtp: no heap for the packet transform (keys)");
}  // namespace

namespace {
constexpr Error kNoCm =
    make_error(Layer::srtp, Code::invalid_argument, "srtp: AES-CM + HMAC-SHA1 is not in this build (meson -Dprofile=minimal)");
}  // namespace

PacketCipher::CmSha1::~CmSha1() { crypto::secure_zero(&hmac, sizeof hmac); }

void PacketCipher::release() {
  if (aead_)
    delete static_cast<crypto::AesGcm*>(transform_);
  else
    delete static_cast<CmSha1*>(transform_);
  transform_ = nullptr;
}

PacketCipher::~PacketCipher() {
  release();
  salt_hi_ = salt_lo_ = 0;
}

Status PacketCipher::init(const ProfileInfo& profile, const SessionKeys& keys, std::size_t tag_len) {
  ENSURE(profile.aead || keyway::profile::kSrtpCm, kNoCm);
  release();
  aead_ = profile.aead;
  tag_len_ = static_cast<uint8_t>(tag_len);  // a profile's tag length (<= kMaxTagLen)
  // The salt (at most kMaxSaltLen = 14 bytes, zero-padded) as two halves.
  uint8_t salt[kMaxSaltLen] = {};
  std::memcpy(salt, keys.salt, keys.salt_len);
  salt_hi_ = salt_lo_ = 0;
  for (int i = 0; i < 8; ++i) salt_hi_ = (salt_hi_ << 8) | salt[i];
  for (int i = 8; i < 14; ++i) salt_lo_ = (salt_lo_ << 8) | salt[i];
  salt_lo_ <<= 16;
  crypto::secure_zero(salt, sizeof salt);
  if (aead_) {
    auto* gcm = new (std::nothrow) crypto::AesGcm;
    ENSURE(gcm != nullptr, kNoHeap);
    transform_ = gcm;
    return gcm->set_key(keys.cipher_key_view());
  }
  auto* cm = new (std::nothrow) CmSha1;
  ENSURE(cm != nullptr, kNoHeap);
  transform_ = cm;
  TRY(cm->aes.set_key(keys.cipher_key_view()));
  cm->hmac.set_key(keys.auth_key_view());
  return ok_status();
}

namespace {
// Big-endian store of a 64-bit value into a local array (not packet parsing).
inline void store_be64(uint8_t* out, uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  std::memcpy(out, &v, 8);
}
inline void store_be32(uint8_t* out, uint32_t v) {
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap32(v);
  std::memcpy(out, &v, 4);
}
}  // namespace

void PacketCipher::cm_iv(uint32_t ssrc, uint64_t index, uint8_t iv[16]) const {
  // As two 64-bit halves: SSRC lands in bytes 4..7, the index in bytes 8..13.
  store_be64(iv, salt_hi_ ^ ssrc);
  store_be64(iv + 8, salt_lo_ ^ (index << 16));
}

void PacketCipher::mac(Bytes a, Bytes b, uint8_t out[crypto::Sha1::kDigestSize]) const {
  auto m = cm().hmac.begin();
  m.update(a);
  m.update(b);
  m.finish(out);
}

// salt_hi_ holds salt bytes 0..7 and the top half of salt_lo_ bytes 8..11.
void PacketCipher::gcm_iv(uint32_t ssrc, uint64_t index, uint8_t iv[crypto::kAeadNonceSize]) const {
  // Bytes 2..5 SSRC, 6..11 the 48-bit index (SRTP: ROC || SEQ; SRTCP: 0 || index).
  store_be64(iv, salt_hi_ ^ (uint64_t{ssrc} << 16) ^ (index >> 32));
  store_be32(iv + 8, static_cast<uint32_t>(salt_lo_ >> 32) ^ static_cast<uint32_t>(index));
}

}  // namespace keyway::srtp
