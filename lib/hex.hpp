// SPDX-License-Identifier: Apache-2.0
// Hex helpers for tests, traces and fingerprints.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "keyway/lib/result.hpp"

namespace keyway {

// Writes lowercase hex of in into out (2*in.size() chars + NUL).
// Returns chars written (excluding NUL), or 0 if out is too small.
std::size_t to_hex(std::span<const uint8_t> in, char* out, std::size_t out_len);

// Parses hex (upper or lower case; spaces and ':' are skipped) into out.
// Returns the number of bytes written.
Result<std::size_t> from_hex(const char* text, std::size_t text_len, std::span<uint8_t> out);

}  // namespace keyway
