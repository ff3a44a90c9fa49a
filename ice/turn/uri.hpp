// SPDX-License-Identifier: Apache-2.0
// TURN server URIs (RFC 7065 §3.1):
//
//   turnURI   = scheme ":" host [ ":" port ] [ "?transport=" transport ]
//   scheme    = "turn" / "turns"
//   transport = "udp" / "tcp" / transport-ext
//
// keyway is sans-IO and resolves no names: host is an IPv4 literal or an
// IPv6 literal in brackets. The default port is 3478 (RFC 8656 §3); "turns"
// (TURN over TLS/DTLS) is not supported and says so.
#pragma once

#include <string_view>

#include "keyway/ice/address.hpp"
#include "keyway/ice/turn/client.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::ice::turn {

struct Uri {
  SocketAddr server{};
  Transport transport = Transport::udp;
};

[[nodiscard]] Result<Uri> parse_uri(std::string_view text);

}  // namespace keyway::ice::turn
