// SPDX-License-Identifier: Apache-2.0
#include "keyway/ice/checklist.hpp"

namespace keyway::ice {

const char* to_string(PairState s) {
  switch (s) {
    case PairState::frozen: return "frozen";
    case PairState::waiting: return "waiting";
    case PairState::in_progress: return "in-progress";
    case PairState::succeeded: return "succeeded";
    case PairState::failed: return "failed";
  }
  return "?";
}

bool TriggeredQueue::contains(uint8_t pair) const {
  for (std::size_t i = 0; i < count_; ++i)
    if (items_[(head_ + i) % kCapacity] == pair) return true;
  return false;
}

bool TriggeredQueue::push(uint8_t pair) {
  if (count_ == kCapacity || contains(pair)) return false;
  items_[(head_ + count_) % kCapacity] = pair;
  ++count_;
  return true;
}

bool TriggeredQueue::pop(uint8_t& pair) {
  if (count_ == 0) return false;
  pair = items_[head_];
  head_ = static_cast<uint8_t>((head_ + 1) % kCapacity);
  --count_;
  return true;
}

}  // namespace keyway::ice
