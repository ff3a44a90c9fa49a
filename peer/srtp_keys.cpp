// SPDX-License-Identifier: Apache-2.0
#include "keyway/peer/srtp_keys.hpp"

#include "keyway/srtp/keying.hpp"

namespace keyway::peer {

// The split itself (RFC 5764 §4.2 layout) lives in srtp/keying; here each
// half becomes a session for our direction.
Status init_srtp_sessions(srtp::Profile profile, Bytes material, bool we_are_dtls_client, srtp::SessionConfig base,
                          std::size_t outbound_streams, std::size_t inbound_streams, srtp::Session& outbound, srtp::Session& inbound) {
  auto keys = srtp::split_dtls_srtp_material(profile, material, we_are_dtls_client);
  if (!keys.ok()) return keys.error();
  base.profile = profile;
  base.direction = srtp::Direction::outbound;
  base.max_streams = outbound_streams;
  TRY(outbound.init(base, keys->local_key, keys->local_salt));
  base.direction = srtp::Direction::inbound;
  base.max_streams = inbound_streams;
  TRY(inbound.init(base, keys->remote_key, keys->remote_salt));
  return ok_status();
}

}  // namespace keyway::peer
