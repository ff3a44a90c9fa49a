// SPDX-License-Identifier: Apache-2.0
// keyway-bench: benchmarks print figures and ratios against anchors measured
// in the same run; they never fail the build (architecture.md).
#include <cstdio>
#include <cstring>

#include "bench/benches.hpp"

namespace {
struct Entry {
  const char* name;
  int (*run)(int argc, char** argv);
  const char* what;
};

const Entry kBenches[] = {
    {"srtp", keyway::bench::run_srtp, "SRTP/SRTCP protect/unprotect vs libsrtp2 and the mbedTLS floor"},
    {"ice", keyway::bench::run_ice, "STUN parse+verify time; checks and virtual time to a selected pair (4x4 hosts)"},
    {"sdp", keyway::bench::run_sdp, "SDP parse/write time and heap allocations for a Chrome audio+video offer"},
    {"call", keyway::bench::run_call, "offer -> first decrypted media: simulated 50 ms RTT at 0/10/30% loss, and real loopback"},
    {"dtls", keyway::bench::run_dtls, "DTLS 1.2 handshake time and memory vs mbedTLS's DTLS and the public-key floor"},
    {"memory", keyway::bench::run_memory, "bytes one peer::Connection holds: handshake peak, established, per extra SSRC"},
    {"footprint", keyway::bench::run_footprint, "flash per keyway folder in the Cortex-M4 image (ports/qemu-m4/run.sh builds it)"},
    {nullptr, nullptr, nullptr},
};
}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2) {
    for (const Entry* e = kBenches; e->name != nullptr; ++e)
      if (std::strcmp(argv[1], e->name) == 0) return e->run(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "usage: keyway-bench <benchmark> [options]\nbenchmarks:\n");
  for (const Entry* e = kBenches; e->name != nullptr; ++e) std::fprintf(stderr, "  %-8s %s\n", e->name, e->what);
  return 2;
}
