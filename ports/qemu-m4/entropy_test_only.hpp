// SPDX-License-Identifier: Apache-2.0
// TEST-ONLY ENTROPY. NOT RANDOM. NEVER USE IN A PRODUCT.
// QEMU's netduinoplus2 has no hardware RNG, so the image seeds its CTR-DRBGs
// from a fixed, per-endpoint sequence: every run's keys are the same and
// anyone can compute them. A device must seed from its TRNG (the STM32F405's
// RNG peripheral) or a provisioned secret (docs/embedding.md).
#pragma once

#include <cstddef>
#include <cstdint>

namespace test_only {

// Fills `out` with a fixed pseudo-random sequence chosen by `stream`.
void fake_entropy(uint32_t stream, uint8_t* out, std::size_t len);

}  // namespace test_only
