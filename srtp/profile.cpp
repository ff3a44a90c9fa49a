// SPDX-License-Identifier: Apache-2.0
#include "keyway/srtp/profile.hpp"

namespace keyway::srtp {

namespace {
// Same order as enum class Profile.
constexpr ProfileInfo kProfiles[] = {
    {Profile::aes128_cm_sha1_80, "SRTP_AES128_CM_HMAC_SHA1_80", kDtlsSrtpAes128CmSha1_80, false, 16, 14, 20, 10, 10},
    {Profile::aes128_cm_sha1_32, "SRTP_AES128_CM_HMAC_SHA1_32", kDtlsSrtpAes128CmSha1_32, false, 16, 14, 20, 4, 10},
    {Profile::aead_aes128_gcm, "SRTP_AEAD_AES_128_GCM", kDtlsSrtpAeadAes128Gcm, true, 16, 12, 0, 16, 16},
    {Profile::aead_aes256_gcm, "SRTP_AEAD_AES_256_GCM", kDtlsSrtpAeadAes256Gcm, true, 32, 12, 0, 16, 16},
    {Profile::aes256_cm_sha1_80, "AES_256_CM_HMAC_SHA1_80", 0x0000, false, 32, 14, 20, 10, 10},
    {Profile::aes256_cm_sha1_32, "AES_256_CM_HMAC_SHA1_32", 0x0000, false, 32, 14, 20, 4, 10},
};
static_assert(sizeof kProfiles / sizeof kProfiles[0] == sizeof kAllProfiles / sizeof kAllProfiles[0]);
}  // namespace

const ProfileInfo& profile_info(Profile profile) {
  auto i = static_cast<std::size_t>(profile);
  if (i >= sizeof kProfiles / sizeof kProfiles[0]) i = 0;
  return kProfiles[i];
}

Result<Profile> profile_from_dtls_id(uint16_t id) {
  for (const ProfileInfo& info : kProfiles)
    if (id != 0 && info.dtls_id == id) return info.profile;
  return make_error(Layer::srtp, Code::unsupported, "srtp: unknown DTLS-SRTP protection profile id");
}

}  // namespace keyway::srtp
