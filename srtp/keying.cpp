// SPDX-License-Identifier: Apache-2.0
#include "keyway/srtp/keying.hpp"

namespace keyway::srtp {

Result<DtlsSrtpKeys> split_dtls_srtp_material(Profile profile, Bytes material, bool is_dtls_client) {
  ENSURE(material.size() == dtls_srtp_material_len(profile),
         make_error(Layer::srtp, Code::invalid_argument,
                    "srtp: DTLS-SRTP keying material is not 2 * (key + salt) bytes for this profile"));
  const ProfileInfo& info = profile_info(profile);
  ByteReader r(material);
  Bytes client_key, server_key, client_salt, server_salt;
  // The length check above makes every read succeed (RFC 5764 §4.2 layout).
  (void)(r.read_bytes(info.key_len, client_key) && r.read_bytes(info.key_len, server_key) &&
         r.read_bytes(info.salt_len, client_salt) && r.read_bytes(info.salt_len, server_salt));
  if (is_dtls_client) return DtlsSrtpKeys{client_key, client_salt, server_key, server_salt};
  return DtlsSrtpKeys{server_key, server_salt, client_key, client_salt};
}

}  // namespace keyway::srtp
