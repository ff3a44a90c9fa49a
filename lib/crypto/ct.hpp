// SPDX-License-Identifier: Apache-2.0
// Constant-time helpers: MAC comparison and secret wiping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "keyway/lib/fuzzing.hpp"

namespace keyway::crypto {

// True when a and b have the same length and contents. The time taken
// depends only on the length, never on where the first difference is.
bool ct_equal(std::span<const uint8_t> a, std::span<const uint8_t> b);

// Checks a received MAC, tag, cookie or verify_data against the expected one:
// ct_equal. Fuzzing builds (lib/fuzzing.hpp) only compare the lengths.
inline bool verify_mac(std::span<const uint8_t> expected, std::span<const uint8_t> received) {
  if constexpr (kFuzzing) return expected.size() == received.size();
  else return ct_equal(expected, received);
}

// Wipes memory in a way the optimiser may not remove.
void secure_zero(void* p, std::size_t n);

// Wipes then frees a heap buffer of secrets (new uint8_t[n]); null is fine.
void wipe_and_free(uint8_t* p, std::size_t n);

// A fixed-size secret that wipes itself when destroyed. Never log it.
// Len: the type of its length (one byte where many are held, e.g. a DTLS 1.3
// association's traffic secrets, dtls/v13/key_schedule.hpp).
template <std::size_t N, typename Len = std::size_t>
struct Secret {
  uint8_t bytes[N] = {};
  Len len = 0;
  Secret() = default;
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  ~Secret() { secure_zero(bytes, N); }
  std::span<const uint8_t> view() const { return {bytes, len}; }
  std::span<uint8_t> mutable_view() { return {bytes, len}; }
};

}  // namespace keyway::crypto
