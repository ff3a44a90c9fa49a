// SPDX-License-Identifier: Apache-2.0
// ICE's addresses are lib/socket_addr.hpp's SocketAddr (an IP and a UDP
// port, no ICE logic): these names keep ice::SocketAddr readable in ICE
// code and its callers.
#pragma once

#include "keyway/lib/socket_addr.hpp"

namespace keyway::ice {

using keyway::Family;
using keyway::kMaxAddrText;
using keyway::SocketAddr;

}  // namespace keyway::ice
