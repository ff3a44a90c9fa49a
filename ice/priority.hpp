// SPDX-License-Identifier: Apache-2.0
// Candidate and pair priorities (RFC 8445 §5.1.2, §6.1.2.3).
#pragma once

#include <cstdint>

#include "keyway/ice/candidate.hpp"

namespace keyway::ice {

// RFC 8445 §5.1.2.2: recommended type preferences.
constexpr uint32_t type_preference(CandidateType t) {
  switch (t) {
    case CandidateType::host: return 126;
    case CandidateType::prflx: return 110;
    case CandidateType::srflx: return 100;
    case CandidateType::relay: return 0;
  }
  return 0;
}

// RFC 8445 §5.1.2.1: priority = 2^24*type pref + 2^8*local pref + (256 - component).
constexpr uint32_t candidate_priority(CandidateType t, uint16_t local_pref, uint16_t component) {
  return (type_preference(t) << 24) + (uint32_t{local_pref} << 8) + (256u - component);
}

// The local preference a priority was computed with.
constexpr uint16_t local_preference_of(uint32_t priority) {
  return static_cast<uint16_t>((priority >> 8) & 0xFFFF);
}

// RFC 8445 §6.1.2.3: 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0), where G is
// the controlling agent's candidate priority and D the controlled one's.
constexpr uint64_t pair_priority(uint32_t controlling, uint32_t controlled) {
  uint64_t g = controlling, d = controlled;
  uint64_t lo = g < d ? g : d, hi = g < d ? d : g;
  return (lo << 32) + 2 * hi + (g > d ? 1 : 0);
}

}  // namespace keyway::ice
