// SPDX-License-Identifier: Apache-2.0
// CTR-DRBG (NIST SP 800-90A, AES-256; AES-128 in the Cortex-M4's minimal
// profile, ports/qemu-m4/mbedtls_config.h) as the production Rng. The library
// never reads an entropy source itself: the caller (a driver in tools/ or
// peer/'s UDP driver) gathers seed bytes from the OS and hands them in.
#pragma once

#include <cstdint>
#include <span>

#include "keyway/lib/result.hpp"
#include "keyway/lib/rng.hpp"

namespace keyway::crypto {

class DrbgRng final : public Rng {
 public:
  DrbgRng();
  ~DrbgRng();
  DrbgRng(const DrbgRng&) = delete;
  DrbgRng& operator=(const DrbgRng&) = delete;

  // entropy: at least 48 bytes of OS randomness (entropy || nonce).
  [[nodiscard]] Status instantiate(std::span<const uint8_t> entropy, std::span<const uint8_t> personalization);
  [[nodiscard]] Status reseed(std::span<const uint8_t> entropy);
  bool ready() const { return ready_; }
  void fill(std::span<uint8_t> out) override;

 private:
  alignas(16) unsigned char ctx_[448];
  std::span<const uint8_t> pending_entropy_{};
  bool ready_ = false;
  friend int drbg_entropy_callback(void*, unsigned char*, size_t);
};

}  // namespace keyway::crypto
