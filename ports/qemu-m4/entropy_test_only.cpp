// SPDX-License-Identifier: Apache-2.0
// TEST-ONLY ENTROPY: see entropy_test_only.hpp. Not random; never ship it.
#include "entropy_test_only.hpp"

namespace test_only {

void fake_entropy(uint32_t stream, uint8_t* out, std::size_t len) {
  uint32_t x = 0x9E3779B9u * (stream + 1);  // xorshift32 from a fixed seed
  for (std::size_t i = 0; i < len; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out[i] = static_cast<uint8_t>(x >> 24);
  }
}

}  // namespace test_only
