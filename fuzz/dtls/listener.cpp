// SPDX-License-Identifier: Apache-2.0
// Fuzz target: a dtls::Listener (stateless cookies, a table of server
// Endpoints) fed datagrams from a handful of peer addresses.
//
// Input: one flags byte (bit 0: cookie exchange on; bit 1: the server
// offers DTLS 1.3, so cookies travel in HelloRetryRequests), then the steps of
// fuzz_endpoint.hpp, where a datagram step's op byte picks the sender:
//   0x80 | n        advance time by n*10 ms; handle_timeout on every association
//   0x00..0x7f, u16 len, bytes   a datagram from address (op & 7)
// With cookies off and address 0 the dtls_server corpus replays a whole
// handshake (the Endpoint gets the same seeded Rng as in dtls_server).
#include <cstring>
#include <memory>

#include "keyway/dtls/listener.hpp"
#include "fuzz/dtls/fuzz_endpoint.hpp"

namespace {

void drain_all(keyway::dtls::Listener& l, keyway::Timestamp now) {
  for (std::size_t i = 0; i < l.capacity(); ++i)
    if (keyway::dtls::Endpoint* ep = l.endpoint_at(i)) keyway::fuzz::drain(*ep, now);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keyway;
  ByteReader r(Bytes(data, size));
  uint8_t flags = 0;
  if (!r.read_u8(flags)) return 0;
  SeededRng rng(fuzz::fuzz_seed(dtls::Role::server));
  dtls::ListenerConfig lc;
  lc.server = fuzz::fuzz_config(dtls::Role::server, rng);
  lc.cookie_exchange = (flags & 1) != 0;
  lc.server.offer_dtls13 = (flags & 2) != 0;
  lc.capacity = 3;
  lc.max_pending = 2;
  auto listener = std::make_unique<dtls::Listener>(lc);
  uint8_t addresses[8][6];
  for (uint8_t i = 0; i < 8; ++i)
    for (uint8_t j = 0; j < 6; ++j) addresses[i][j] = static_cast<uint8_t>(i * 16 + j);
  static uint8_t scratch[2048];
  Timestamp now = Timestamp::from_micros(1000000);
  uint8_t op = 0;
  while (r.read_u8(op)) {
    if (op & 0x80) {
      now = now + Duration::millis(10 * (op & 0x7f));
      for (std::size_t i = 0; i < listener->capacity(); ++i)
        if (dtls::Endpoint* ep = listener->endpoint_at(i)) ep->handle_timeout(now);
    } else {
      uint16_t len = 0;
      Bytes d;
      if (!r.read_u16(len)) break;
      if (!r.read_bytes(len < r.remaining() ? len : r.remaining(), d)) break;
      (void)listener->handle_datagram(now, Bytes(addresses[op & 7], 6), fuzz::writable_copy(d), scratch);
    }
    drain_all(*listener, now);
    if (listener->pending() > 2) __builtin_trap();  // the cap must hold
  }
  return 0;
}
