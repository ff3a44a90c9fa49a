// SPDX-License-Identifier: Apache-2.0
#include "keyway/ice/stun/crc32.hpp"

#include <array>

namespace keyway::ice::stun {
namespace {

// The reflected polynomial 0xEDB88320. Table 0 is the classic byte-at-a-time
// table; tables 1..3 advance it by 1..3 more zero bytes, so four message
// bytes fold in with four lookups ("slicing-by-4"), about 3x faster than
// one byte at a time. The 4 KiB of tables are constant (flash on an MCU).
using Tables = std::array<std::array<uint32_t, 256>, 4>;

constexpr Tables make_tables() {
  Tables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i)
    for (std::size_t s = 1; s < 4; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  return t;
}
constexpr Tables kTables = make_tables();

}  // namespace

uint32_t crc32(std::span<const uint8_t> data, uint32_t crc) {
  crc = ~crc;
  std::size_t i = 0;
  for (; i + 4 <= data.size(); i += 4) {
    crc ^= uint32_t{data[i]} | (uint32_t{data[i + 1]} << 8) | (uint32_t{data[i + 2]} << 16) |
           (uint32_t{data[i + 3]} << 24);
    crc = kTables[3][crc & 0xFF] ^ kTables[2][(crc >> 8) & 0xFF] ^ kTables[1][(crc >> 16) & 0xFF] ^
          kTables[0][crc >> 24];
  }
  for (; i < data.size(); ++i) crc = kTables[0][(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

}  // namespace keyway::ice::stun
