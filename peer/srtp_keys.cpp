#include "peer/srtp_keys.hpp"

namespace keyway::peer {

Status split_keying_material(srtp::Profile profile, Bytes material, SrtpKeyHalf& client, SrtpKeyHalf& server) {
  const srtp::ProfileInfo& info = srtp::profile_info(profile);
  const std::size_t k = info.key_len, s = info.salt_len;
  ENSURE(material.size() == 2 * (k + s),
         make_error(Layer::peer, Code::invalid_argument, "keying material length does not match the SRTP profile"));
  ByteReader r(material);
  // RFC 5764 §4.2: keys first (client, server), then salts (client, server).
  if (!r.read_bytes(k, client.key) || !r.read_bytes(k, server.key) || !r.read_bytes(s, client.salt) ||
      !r.read_bytes(s, server.salt))
    return make_error(Layer::peer, Code::internal, "keying material split failed");
  return ok_status();
}

Status init_srtp_sessions(srtp::Profile profile, Bytes material, bool we_are_dtls_client, srtp::SessionConfig base,
                          srtp::Session& outbound, srtp::Session& inbound) {
  SrtpKeyHalf client, server;
  TRY(split_keying_material(profile, material, client, server));
  const SrtpKeyHalf& ours = we_are_dtls_client ? client : server;
  const SrtpKeyHalf& theirs = we_are_dtls_client ? server : client;
  base.profile = profile;
  base.direction = srtp::Direction::outbound;
  TRY(outbound.init(base, ours.key, ours.salt));
  base.direction = srtp::Direction::inbound;
  TRY(inbound.init(base, theirs.key, theirs.salt));
  return ok_status();
}

}  // namespace keyway::peer
