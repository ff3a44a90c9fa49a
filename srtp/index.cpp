#include "srtp/index.hpp"

namespace keyway::srtp {

uint64_t estimate_packet_index(uint64_t highest_index, uint16_t seq) {
  const uint64_t roc = highest_index >> 16;
  const uint32_t s_l = static_cast<uint32_t>(highest_index & 0xFFFF);
  uint64_t v = roc;
  if (s_l < 0x8000) {
    if (seq > s_l && seq - s_l > 0x8000 && roc > 0) v = roc - 1;  // RFC 3711 App. A
  } else {
    if (s_l - 0x8000 > seq) v = roc + 1;
  }
  return (v << 16) | seq;
}

}  // namespace keyway::srtp
