// SPDX-License-Identifier: Apache-2.0
// Rng: injected randomness (architecture.md). Production uses the mbedTLS
// CTR-DRBG (lib/crypto/drbg.hpp); tests and simulations use SeededRng so a
// run replays exactly from its seed.
#pragma once

#include <cstdint>
#include <span>

namespace keyway {

class Rng {
 public:
  virtual void fill(std::span<uint8_t> out) = 0;
  uint32_t next_u32();
  uint64_t next_u64();
  // Uniform in [0, bound) (bound > 0), without modulo bias.
  uint32_t uniform(uint32_t bound);

 protected:
  ~Rng() = default;
};

// Deterministic, NOT cryptographic: xoshiro256** seeded through splitmix64.
class SeededRng final : public Rng {
 public:
  explicit SeededRng(uint64_t seed);
  void fill(std::span<uint8_t> out) override;

 private:
  uint64_t next();
  uint64_t s_[4];
};

}  // namespace keyway
