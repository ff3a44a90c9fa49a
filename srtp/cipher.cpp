#include "srtp/cipher.hpp"

#include <bit>
#include <cstring>

namespace keyway::srtp {

PacketCipher::~PacketCipher() {
  crypto::secure_zero(&hmac_, sizeof hmac_);
  crypto::secure_zero(salt_, sizeof salt_);
  salt_hi_ = salt_lo_ = 0;
}

Status PacketCipher::init(const ProfileInfo& profile, const SessionKeys& keys, std::size_t tag_len) {
  aead_ = profile.aead;
  tag_len_ = tag_len;
  std::memset(salt_, 0, sizeof salt_);
  std::memcpy(salt_, keys.salt, keys.salt_len);
  salt_hi_ = salt_lo_ = 0;
  for (int i = 0; i < 8; ++i) salt_hi_ = (salt_hi_ << 8) | salt_[i];
  for (int i = 8; i < 14; ++i) salt_lo_ = (salt_lo_ << 8) | salt_[i];
  salt_lo_ <<= 16;
  if (aead_) return gcm_.set_key(keys.cipher_key_view());
  TRY(aes_.set_key(keys.cipher_key_view()));
  hmac_.set_key(keys.auth_key_view());
  return ok_status();
}

namespace {
// Big-endian store of a 64-bit value into a local array (not packet parsing).
inline void store_be64(uint8_t* out, uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  std::memcpy(out, &v, 8);
}
}  // namespace

void PacketCipher::cm_iv(uint32_t ssrc, uint64_t index, uint8_t iv[16]) const {
  // As two 64-bit halves: SSRC lands in bytes 4..7, the index in bytes 8..13.
  store_be64(iv, salt_hi_ ^ ssrc);
  store_be64(iv + 8, salt_lo_ ^ (index << 16));
}

void PacketCipher::mac(Bytes a, Bytes b, uint8_t out[crypto::Sha1::kDigestSize]) const {
  auto m = hmac_.begin();
  m.update(a);
  m.update(b);
  m.finish(out);
}

void PacketCipher::gcm_rtp_iv(uint32_t ssrc, uint64_t index, uint8_t iv[crypto::kAeadNonceSize]) const {
  // Bytes 6..11 hold ROC || SEQ, i.e. the 48-bit packet index.
  iv[0] = salt_[0];
  iv[1] = salt_[1];
  for (int i = 0; i < 4; ++i) iv[2 + i] = static_cast<uint8_t>(salt_[2 + i] ^ (ssrc >> (24 - 8 * i)));
  for (int i = 0; i < 6; ++i) iv[6 + i] = static_cast<uint8_t>(salt_[6 + i] ^ (index >> (40 - 8 * i)));
}

void PacketCipher::gcm_rtcp_iv(uint32_t ssrc, uint32_t index, uint8_t iv[crypto::kAeadNonceSize]) const {
  iv[0] = salt_[0];
  iv[1] = salt_[1];
  for (int i = 0; i < 4; ++i) iv[2 + i] = static_cast<uint8_t>(salt_[2 + i] ^ (ssrc >> (24 - 8 * i)));
  iv[6] = salt_[6];
  iv[7] = salt_[7];
  for (int i = 0; i < 4; ++i) iv[8 + i] = static_cast<uint8_t>(salt_[8 + i] ^ (index >> (24 - 8 * i)));
}

}  // namespace keyway::srtp
