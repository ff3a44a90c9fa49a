// SPDX-License-Identifier: Apache-2.0
// CRC-32 (ISO-HDLC, the one of ITU-T V.42 and Ethernet) for the STUN
// FINGERPRINT attribute (RFC 8489 §14.7). Table-driven, incremental.
#pragma once

#include <cstdint>
#include <span>

namespace keyway::ice::stun {

// Continue a CRC over data; start from crc = 0 for a fresh computation.
uint32_t crc32(std::span<const uint8_t> data, uint32_t crc = 0);

namespace detail {
// The minimal profile's crc32 (profile::kFastCrc32 off): a 16-entry table,
// four bits at a time. Same results; exposed so the host tests check it.
uint32_t crc32_by_nibble(std::span<const uint8_t> data, uint32_t crc = 0);
}  // namespace detail

}  // namespace keyway::ice::stun
