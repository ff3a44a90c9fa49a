// SPDX-License-Identifier: Apache-2.0
// The OpaqueString profile (RFC 8265 §4.2) for the long-term password: RFC
// 8489 §9.2.2 derives the key from OpaqueString(password), so two clients
// that type the same password the same way get the same key.
//
//   width mapping     none
//   additional        non-ASCII spaces (Unicode Zs) -> U+0020
//   case mapping      none
//   normalization     NFC
//   directionality    none
//   then              the FreeformClass (RFC 8264 §4.3): no controls, no
//                     ignorable code points; the result must not be empty
//
// ASCII passes unchanged (printable ASCII is NFC and FreeformClass). keyway
// carries no Unicode tables: beyond ASCII it prepares what it can do exactly
// (the spaces, and U+00A0..U+02FF, where every code point is already NFC)
// and refuses the rest with an error saying so, rather than derive a key
// the server would not.
#pragma once

#include <cstddef>
#include <string_view>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::ice::turn {

// Writes OpaqueString(in), UTF-8, into out; returns its length.
[[nodiscard]] Result<std::size_t> prepare_opaque_string(std::string_view in, MutableBytes out);

}  // namespace keyway::ice::turn
