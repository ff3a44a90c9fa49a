// SPDX-License-Identifier: Apache-2.0
// Shared by `keyway sdp check|answer` and the test suite's sdp_tool: parse an
// SDP strictly and print its WebRTC view, or the error with its line; answer
// an offer.
#pragma once

#include <string>

#include "keyway/sdp/negotiate.hpp"

namespace keyway::tools {

// Returns 0 when the text parses and its transport can be read, 1 otherwise.
// Every error names its line. With `answerer`, the text is also taken as an
// offer to that answerer: a refused offer is reported with the reason and
// its line (1), and so is each refused section (a note; issue 15).
int print_sdp_check(const std::string& text, const sdp::AnswerOptions* answerer = nullptr);

// Parses `offer_text` leniently and prints the answer made with `options` on
// stdout (and a note when an extmap id conflict was dropped). Returns 0, or 1
// after printing the parse or negotiation error.
int print_sdp_answer(const std::string& offer_text, const sdp::AnswerOptions& options);

}  // namespace keyway::tools
