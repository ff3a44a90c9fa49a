// SPDX-License-Identifier: Apache-2.0
// Strict grammar of each SDP line type's value (RFC 8866 §9, ABNF).
// Each check returns nullptr when the value conforms, otherwise a static
// description of what is wrong. Used only in strict mode.
#pragma once

#include <string_view>

namespace keyway::sdp {

const char* check_line_grammar(char type, std::string_view value);


}  // namespace keyway::sdp
