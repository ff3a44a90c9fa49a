// SPDX-License-Identifier: Apache-2.0
// Strict grammar of each SDP line type's value (RFC 8866 §9, ABNF).
// Each check returns nullptr when the value conforms, otherwise a static
// description of what is wrong (failure() below). Used only in strict mode.
#pragma once

#include <string_view>

#include "keyway/lib/profile.hpp"

namespace keyway::sdp {

const char* check_line_grammar(char type, std::string_view value);

// What a check returns on failure: the description, or "" without error
// texts (profile::kErrorText; non-null, so still a failure, and the minimal
// profile keeps none of the texts in flash).
constexpr const char* failure(const char* text) { return profile::kErrorText ? text : ""; }

}  // namespace keyway::sdp
