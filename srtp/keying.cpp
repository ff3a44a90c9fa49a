// SPDX-License-Identifier: Apache-2.0
#include "keyway/srtp/keying.hpp"

namespace keyway::srtp {

Result<DtlsSrtpKeys> split_dtls_srtp_material(Profile profile, Bytes material, bool is_dtls_client) {
  ENSURE(material.size() == dtls_srtp_material_len(profile),
         make_error(Layer::srtp, Code::invalid_argument,
                    "srtp: DTLS-SRTP keying material is not 2 * (key + salt) bytes for this profile"));
  const ProfileInfo& info = profile_info(profile);
  // RFC 5764 §4.2: client key | server key | client salt | server salt
  // (the length check above makes each part whole).
  const std::size_t key = info.key_len, salt = info.salt_len;
  const Bytes client_key = material.subspan(0, key), server_key = material.subspan(key, key);
  const Bytes client_salt = material.subspan(2 * key, salt), server_salt = material.subspan(2 * key + salt, salt);
  if (is_dtls_client) return DtlsSrtpKeys{client_key, client_salt, server_key, server_salt};
  return DtlsSrtpKeys{server_key, server_salt, client_key, client_salt};
}

}  // namespace keyway::srtp
