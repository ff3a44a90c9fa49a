// SPDX-License-Identifier: Apache-2.0
// Entry points of keyway-bench's subcommands.
#pragma once

namespace keyway::bench {
int run_srtp(int argc, char** argv);
int run_ice(int argc, char** argv);
int run_sdp(int argc, char** argv);
int run_call(int argc, char** argv);
int run_dtls(int argc, char** argv);
int run_memory(int argc, char** argv);
int run_footprint(int argc, char** argv);
}  // namespace keyway::bench
