// SPDX-License-Identifier: Apache-2.0
// DTLS handshake message header (RFC 6347 §4.2.2).
//
//   struct {
//     HandshakeType msg_type;    uint24 length;
//     uint16 message_seq;        uint24 fragment_offset;
//     uint24 fragment_length;    body[fragment_length];
//   } Handshake;
#pragma once

#include <cstdint>

#include "keyway/dtls/constants.hpp"
#include "keyway/lib/bytes.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::dtls {

struct HandshakeFragment {
  uint8_t type = 0;
  uint32_t length = 0;       // whole message
  uint16_t msg_seq = 0;
  uint32_t frag_offset = 0;
  Bytes body;                // fragment_length bytes
};

// Reads one fragment from a handshake record; checks offset+len <= length.
[[nodiscard]] Result<HandshakeFragment> read_handshake_fragment(ByteReader& r);

void write_handshake_header(ByteWriter& w, uint8_t type, uint32_t length, uint16_t msg_seq, uint32_t frag_offset,
                            uint32_t frag_len);

}  // namespace keyway::dtls
