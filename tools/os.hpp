// SPDX-License-Identifier: Apache-2.0
// The operating-system services the sans-IO library never touches itself:
// entropy for the DRBG and the monotonic clock.
#pragma once

#include <cstdint>
#include <span>

#include "keyway/lib/time.hpp"

namespace keyway::tools {

// Fills out from getrandom(2); returns false if the OS cannot.
bool os_entropy(std::span<uint8_t> out);
// CLOCK_MONOTONIC as a keyway Timestamp.
Timestamp monotonic_now();
// Seconds since the Unix epoch (certificate validity only).
int64_t unix_seconds();

}  // namespace keyway::tools
