// SPDX-License-Identifier: Apache-2.0
// From the DTLS exporter to SRTP contexts (RFC 5764 §4.2).
//
// The exporter output for label "EXTRACTOR-dtls_srtp" is laid out as
//
//   client_write_SRTP_master_key | server_write_SRTP_master_key |
//   client_write_SRTP_master_salt | server_write_SRTP_master_salt
//
// and the DTLS client protects what it sends with the client key and salt
// (the server with the server's). Each side therefore builds an outbound
// session from its own half and an inbound session from the peer's.
#pragma once

#include <cstdint>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/result.hpp"
#include "keyway/srtp/profile.hpp"
#include "keyway/srtp/session.hpp"

namespace keyway::peer {

inline constexpr const char* kDtlsSrtpExporterLabel = "EXTRACTOR-dtls_srtp";  // RFC 5764 §4.2
inline constexpr std::size_t kMaxKeyingMaterial = 2 * (srtp::kMaxKeyLen + srtp::kMaxSaltLen);

// Bytes of exporter output a profile needs (both directions).
inline std::size_t keying_material_len(srtp::Profile p) { return 2 * srtp::master_material_len(p); }

// Stream table slots for one direction (issue 13, "memory bounded by
// configuration"): the SSRCs the SDP announces for it plus a small margin
// (an SSRC a sender adds without renegotiating), at most `max` (the srtp
// SessionConfig bound). Nothing announced: we cannot know, so `max`.
inline constexpr std::size_t kSsrcMargin = 2;
inline std::size_t stream_slots(std::size_t announced, std::size_t max) {
  if (announced == 0) return max;
  return announced + kSsrcMargin < max ? announced + kSsrcMargin : max;
}

// Initialises outbound/inbound sessions for our DTLS role, with tables of
// outbound_streams / inbound_streams slots.
[[nodiscard]] Status init_srtp_sessions(srtp::Profile profile, Bytes material, bool we_are_dtls_client,
                                        srtp::SessionConfig base, std::size_t outbound_streams,
                                        std::size_t inbound_streams, srtp::Session& outbound, srtp::Session& inbound);

}  // namespace keyway::peer
