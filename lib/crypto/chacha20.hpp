// SPDX-License-Identifier: Apache-2.0
// The bare ChaCha20 stream cipher (RFC 8439 §2.4): 256-bit key, 96-bit
// nonce, 32-bit initial block counter. DTLS 1.3 uses it alone (without
// Poly1305) to mask record sequence numbers (RFC 9147 §4.2.3).
#pragma once

#include <cstdint>
#include <span>

#include "keyway/lib/result.hpp"

namespace keyway::crypto {

constexpr std::size_t kChaCha20KeySize = 32;
constexpr std::size_t kChaCha20NonceSize = 12;

// XORs the keystream that starts at block `counter` into data, in place.
[[nodiscard]] Status chacha20_xor(std::span<const uint8_t> key, std::span<const uint8_t> nonce, uint32_t counter,
                                  std::span<uint8_t> data);

}  // namespace keyway::crypto
