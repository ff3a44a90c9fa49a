// SPDX-License-Identifier: Apache-2.0
// Describes a datagram on the wire in one line, for the demo's ladder:
// "STUN Binding request USE-CANDIDATE", "DTLS ClientHello, ...",
// "SRTP ssrc 0x.. seq 12". Reads only cleartext headers (RFC 8489 §5,
// RFC 6347 §4.1/§4.2.2, RFC 3550 §5.1).
#pragma once

#include <string>

#include "keyway/lib/bytes.hpp"

namespace keyway::tools {

std::string describe_datagram(Bytes datagram);

}  // namespace keyway::tools
