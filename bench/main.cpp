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
  const char* options;
  const char* what;
};

const Entry kBenches[] = {
    {"srtp", keyway::bench::run_srtp, "[NAME-FILTER]", "SRTP/SRTCP protect/unprotect vs libsrtp2 and the mbedTLS floor"},
    {"ice", keyway::bench::run_ice, "", "STUN parse+verify time; checks and virtual time to a selected pair (4x4 hosts)"},
    {"sdp", keyway::bench::run_sdp, "", "SDP parse/write time and heap allocations for a Chrome audio+video offer"},
    {"call", keyway::bench::run_call, "[--seeds N] [--loopback-runs N] [--per-seed] [--replay LOSS SEED]", "offer -> first decrypted media: simulated 50 ms RTT at 0/10/30% loss, and real loopback"},
    {"dtls", keyway::bench::run_dtls, "[HANDSHAKES]", "DTLS 1.2 and 1.3 handshake time and memory vs mbedTLS's DTLS 1.2 and the public-key floor; round trips to keys"},
    {"memory", keyway::bench::run_memory, "", "bytes one peer::Connection holds: handshake peak, established, per extra SSRC (DTLS 1.2, then 1.3)"},
    {"footprint", keyway::bench::run_footprint, "[--profile full|minimal] [--image call|device] [--build DIR]", "flash per keyway folder in a Cortex-M4 image (ports/qemu-m4/run.sh builds it)"},
    {nullptr, nullptr, nullptr, nullptr},
};

void usage(std::FILE* out) {
  std::fprintf(out, "usage: keyway-bench <benchmark> [options]   (keyway-bench <benchmark> --help)\nbenchmarks:\n");
  for (const Entry* e = kBenches; e->name != nullptr; ++e) std::fprintf(out, "  %-10s %s\n", e->name, e->what);
}

bool wants_help(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0 || (i == 1 && std::strcmp(argv[i], "help") == 0))
      return true;
  return false;
}
}  // namespace

int main(int argc, char** argv) {
  // --help anywhere prints the usage (of the named benchmark) and exits 0 without running anything.
  if (wants_help(argc, argv)) {
    for (const Entry* e = kBenches; e->name != nullptr; ++e)
      if (argc >= 2 && std::strcmp(argv[1], e->name) == 0) {
        std::printf("usage: keyway-bench %s %s\n  %s\n", e->name, e->options, e->what);
        return 0;
      }
    usage(stdout);
    return 0;
  }
  if (argc >= 2) {
    for (const Entry* e = kBenches; e->name != nullptr; ++e)
      if (std::strcmp(argv[1], e->name) == 0) return e->run(argc - 1, argv + 1);
  }
  usage(stderr);
  return 2;
}
