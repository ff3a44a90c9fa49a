// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the RTP/RTCP header parsers and header-extension iteration
// (RFC 3550 §5.1, §6.4; RFC 8285). Every view they return must lie inside
// the input.
#include <cstdint>

#include "keyway/srtp/rtp_header.hpp"

using namespace keyway;
using namespace keyway::srtp;

namespace {
void check_inside(Bytes outer, Bytes inner) {
  if (inner.empty()) return;
  if (inner.data() < outer.data() || inner.data() + inner.size() > outer.data() + outer.size()) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Bytes packet(data, size);
  if (auto h = parse_rtp_header(packet); h.ok()) {
    if (h->header_len > size) __builtin_trap();
    if (auto payload = rtp_payload_len(packet, *h); payload.ok() && h->header_len + *payload > size) __builtin_trap();
    if (h->extension) {
      HeaderExtensionReader ext(packet, *h);
      HeaderExtensionElement e;
      for (int i = 0; i < 1024; ++i) {
        auto more = ext.next(e);
        if (!more.ok() || !*more) break;
        check_inside(packet, e.data);
      }
    }
  }
  (void)parse_rtcp_header(packet);
  (void)check_rtcp_compound(packet);
  return 0;
}
