// Shared by `keyway sdp check` and the test suite's sdp_tool: parse an SDP
// strictly and print its WebRTC view, or the error with its line.
#pragma once

#include <string>

namespace keyway::tools {

// Returns 0 when the text parses and its transport can be read, 1 otherwise.
int print_sdp_check(const std::string& text);

}  // namespace keyway::tools
