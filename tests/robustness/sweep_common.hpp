// SPDX-License-Identifier: Apache-2.0
// Shared pieces of the issue 7 sweeps: how many seeds to run (fewer under
// sanitizers, or KEYWAY_SWEEP_SEEDS), the per-seed link, and percentiles.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "keyway/lib/rng.hpp"
#include "tests/support/netem.hpp"

namespace keyway::robustness {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

// `full` in the normal build, `sanitized` under ASan; the environment
// variable (e.g. KEYWAY_SWEEP_SEEDS=20) overrides both.
inline uint64_t scaled_count(const char* env, uint64_t full, uint64_t sanitized) {
  if (const char* v = std::getenv(env)) {
    char* end = nullptr;
    unsigned long long n = std::strtoull(v, &end, 10);
    if (end != v && n > 0) return n;
  }
  return kSanitized ? sanitized : full;
}
inline uint64_t sweep_seeds() { return scaled_count("KEYWAY_SWEEP_SEEDS", 1000, 100); }
// Corruption runs: 300 seeds per case by default (CI time; the issue note
// quotes KEYWAY_CORRUPT_SEEDS=1000), 50 under ASan.
inline uint64_t corrupt_seeds() { return scaled_count("KEYWAY_CORRUPT_SEEDS", 300, 50); }
inline const char* build_note() { return kSanitized ? " (asan build: reduced)" : ""; }

// The link of one sweep seed: `loss` both ways, reordering and duplication
// on, 10..30 ms one-way delay with jitter, and an MTU drawn from 576..1500
// that the endpoints use too (flights must fit the path: this is not an MTU
// discovery test).
struct SweepLink {
  sim::LinkConfig link;
  std::size_t mtu = 1200;
};
inline SweepLink sweep_link(uint64_t seed, double loss) {
  SeededRng r(seed ^ 0x4D7C5EEDull);
  SweepLink s;
  s.mtu = 576 + r.uniform(1500 - 576 + 1);
  s.link.loss = loss;
  s.link.duplicate = 0.05;
  s.link.reorder = 0.10;
  s.link.reorder_delay = Duration::millis(15);
  s.link.delay = Duration::millis(10 + r.uniform(21));
  s.link.jitter = Duration::millis(5);
  s.link.mtu = s.mtu;
  return s;
}

// Nearest-rank percentile of virtual milliseconds (0 when empty).
inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  std::size_t rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[rank == 0 ? 0 : rank - 1];
}

struct SweepTally {
  uint64_t seeds = 0, completed = 0, failed_clean = 0, hung = 0, key_mismatch = 0, media_bad = 0;
  // Clean failures where one side had finished (the last flight, RFC 6347
  // §4.2.4: the side that sent it completes, the other gives up).
  uint64_t one_side_done = 0;
  // ... of which the connected side had still not noticed 45 s later (a
  // known open bug, see chain_run.hpp: reported, not yet asserted).
  uint64_t half_open = 0;
  std::vector<double> ms_to_keys;
  std::vector<std::string> notes;  // seed and reason: the first few clean failures, every problem
  std::size_t clean_notes = 0;
  void note(const std::string& s) {  // a clean failure
    if (clean_notes < 5 && notes.size() < 40) {
      clean_notes++;
      notes.push_back(s);
    }
  }
  void problem(const std::string& s) {  // a hang, different keys, bad media
    if (notes.size() < 40) notes.push_back("PROBLEM " + s);
  }
};

}  // namespace keyway::robustness
