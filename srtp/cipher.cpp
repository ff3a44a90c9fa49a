#include "srtp/cipher.hpp"

#include <cstring>

namespace keyway::srtp {

Status PacketCipher::init(const ProfileInfo& profile, const SessionKeys& keys, std::size_t tag_len) {
  aead_ = profile.aead;
  tag_len_ = tag_len;
  std::memset(salt_, 0, sizeof salt_);
  std::memcpy(salt_, keys.salt, keys.salt_len);
  if (aead_) return gcm_.set_key(keys.cipher_key_view());
  TRY(aes_.set_key(keys.cipher_key_view()));
  hmac_.set_key(keys.auth_key_view());
  return ok_status();
}

void PacketCipher::cm_iv(uint32_t ssrc, uint64_t index, uint8_t iv[16]) const {
  std::memcpy(iv, salt_, 14);
  iv[14] = 0;
  iv[15] = 0;
  for (int i = 0; i < 4; ++i) iv[4 + i] ^= static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  for (int i = 0; i < 6; ++i) iv[8 + i] ^= static_cast<uint8_t>(index >> (40 - 8 * i));
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
