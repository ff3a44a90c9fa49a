// SPDX-License-Identifier: Apache-2.0
// Fuzz target: a DTLS server endpoint fed arbitrary datagrams and time steps
// (deterministic RNG and identity; see fuzz_endpoint.hpp for the format).
#include <memory>

#include "fuzz/dtls/fuzz_endpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keyway;
  SeededRng rng(fuzz::fuzz_seed(dtls::Role::server));
  auto ep = fuzz::make_endpoint(dtls::Role::server, rng);
  fuzz::run_steps(*ep, Bytes(data, size));
  return 0;
}
