// SPDX-License-Identifier: Apache-2.0
#include "keyway/lib/crypto/ct.hpp"

#include <mbedtls/platform_util.h>

namespace keyway::crypto {

bool ct_equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  volatile uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff = static_cast<uint8_t>(diff | (a[i] ^ b[i]));
  return diff == 0;
}

void secure_zero(void* p, std::size_t n) { mbedtls_platform_zeroize(p, n); }

void wipe_and_free(uint8_t* p, std::size_t n) {
  if (p == nullptr) return;
  secure_zero(p, n);
  delete[] p;
}

}  // namespace keyway::crypto
