// SPDX-License-Identifier: Apache-2.0
// Fuzz target: a whole dtls::Endpoint that offers DTLS 1.3 (Config.offer_dtls13,
// issue 18), the way peer::Connection runs it: the 1.2 engine reads the first
// flight, version negotiation (dtls/negotiation.cpp) hands a 1.3 association
// to the v13 engine, and every later datagram goes there. The first byte
// chooses the role (even: server, odd: client); the rest are steps in the
// fuzz_endpoint.hpp format. (dtls13_handshake drives the v13 engine alone.)
#include <memory>

#include "fuzz/dtls/fuzz_endpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keyway;
  if (size == 0) return 0;
  const dtls::Role role = (data[0] & 1) ? dtls::Role::client : dtls::Role::server;
  SeededRng rng(fuzz::fuzz_seed(role));
  auto ep = fuzz::make_endpoint(role, rng, false, true);
  fuzz::run_steps(*ep, Bytes(data + 1, size - 1));
  return 0;
}
