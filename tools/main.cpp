// SPDX-License-Identifier: Apache-2.0
// keyway: the command-line front end (drivers live here, never in the
// sans-IO library).
#include <cstdio>
#include <cstring>

#include "tools/commands.hpp"

namespace {
struct Command {
  const char* name;
  int (*run)(int argc, char** argv);
  const char* what;
};

const Command kCommands[] = {
    {"demo", keyway::tools::run_demo, "walk through a secure call step by step (the README's main job)"},
    {"answer", keyway::tools::run_answer, "answer an SDP offer from stdin and run the call (echoes media)"},
    {"offer", keyway::tools::run_offer, "print an offer, read the answer from stdin, run the call"},
    {"sdp", keyway::tools::run_sdp, "check an SDP file, or answer an offer (for studying SDP)"},
    {"dtls", keyway::tools::run_dtls, "one DTLS 1.2 + use_srtp association: dtls client|server (interop)"},
    {"explain", keyway::tools::run_explain, "explain every byte of STUN/DTLS/RTP/RTCP datagrams (hex, file, pcap)"},
    {"srtp-demo", keyway::tools::run_srtp_demo, "a generated call protected with every SRTP profile (simulated network)"},
    {nullptr, nullptr, nullptr},
};

void usage(std::FILE* out) {
  std::fprintf(out, "usage: keyway <command> [options]   (keyway <command> --help)\ncommands:\n");
  for (const Command* c = kCommands; c->name != nullptr; ++c) std::fprintf(out, "  %-10s %s\n", c->name, c->what);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  for (const Command* c = kCommands; c->name != nullptr; ++c)
    if (std::strcmp(argv[1], c->name) == 0) return c->run(argc, argv);
  std::fprintf(stderr, "keyway: unknown command %s\n", argv[1]);
  usage(stderr);
  return 2;
}
