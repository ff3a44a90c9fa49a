// SPDX-License-Identifier: Apache-2.0
// Entry points of the keyway subcommands; argv[1] is the command name.
#pragma once

namespace keyway::tools {
int run_demo(int argc, char** argv);
int run_srtp_demo(int argc, char** argv);
int run_answer(int argc, char** argv);
int run_offer(int argc, char** argv);
int run_sdp(int argc, char** argv);
int run_dtls(int argc, char** argv);
int run_explain(int argc, char** argv);
}  // namespace keyway::tools
