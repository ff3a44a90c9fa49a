// SPDX-License-Identifier: Apache-2.0
// DTLS-SRTP key splitting (RFC 5764 §4.2). The exporter output
// ("EXTRACTOR-dtls_srtp", 2 * (key_len + salt_len) bytes) is laid out as
//
//   client_write_SRTP_master_key | server_write_SRTP_master_key |
//   client_write_SRTP_master_salt | server_write_SRTP_master_salt
//
// The DTLS client protects with the client's key and salt and unprotects
// with the server's; the server the other way round. Typical use:
//
//   auto keys = srtp::split_dtls_srtp_material(profile, ekm, is_dtls_client);
//   cfg.direction = Direction::outbound; tx.init(cfg, keys->local_key, keys->local_salt);
//   cfg.direction = Direction::inbound;  rx.init(cfg, keys->remote_key, keys->remote_salt);
#pragma once

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/result.hpp"
#include "keyway/srtp/profile.hpp"

namespace keyway::srtp {

// Views into the caller's exporter output (no copy).
struct DtlsSrtpKeys {
  Bytes local_key, local_salt;    // protect what this side sends
  Bytes remote_key, remote_salt;  // unprotect what the peer sends
};

// Length of the exporter output a profile needs: 2 * (key + salt).
inline std::size_t dtls_srtp_material_len(Profile p) { return 2 * master_material_len(p); }

[[nodiscard]] Result<DtlsSrtpKeys> split_dtls_srtp_material(Profile profile, Bytes material, bool is_dtls_client);

}  // namespace keyway::srtp
