// SPDX-License-Identifier: Apache-2.0
// Describes a datagram on the wire in one line, for the demo's ladder:
// "STUN Binding request USE-CANDIDATE", "DTLS ClientHello, ...",
// "SRTP ssrc 0x.. seq 12". Reads only cleartext headers (RFC 8489 §5,
// RFC 6347 §4.1/§4.2.2, RFC 3550 §5.1).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "keyway/lib/bytes.hpp"
#include "tools/explain/keylog.hpp"

namespace keyway::tools {

std::string describe_datagram(Bytes datagram);

// DTLS 1.3 with the key log (issue 18): the same datagram with its
// DTLSCiphertext records opened by `decryptor` (which learns the client
// random and the suite from the hellos it is shown, in order) and named by
// what they carry: "DTLS ServerHello, {EncryptedExtensions, ..., Finished}",
// {} = epoch 2 (handshake traffic keys), [] = epoch 3 and later.
std::string describe_dtls_opened(Bytes datagram, std::string_view flow, explain::DtlsDecryptor& decryptor,
                                 const std::vector<explain::KeyLog13Entry>& keys);

}  // namespace keyway::tools
