// SPDX-License-Identifier: Apache-2.0
// TURN ChannelData (RFC 8656 §12.4): application data to or from a peer
// bound to a channel, with a 4-byte header instead of a 36-byte Send or
// Data indication.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |         Channel Number        |            Length             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                                                               |
// /                       Application Data                        /
// /                                                               /
// |                                                               |
// |                               +-------------------------------+
// |                               |
// +-------------------------------+
//                   RFC 8656 §12.4, Figure 5
//
// Channel numbers are 0x4000..0x4FFF (§12), so the first byte is 64..79,
// the range RFC 7983 §7 gives TURN channels in the demultiplexer.
#pragma once

#include <cstdint>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::ice::turn {

constexpr uint16_t kMinChannel = 0x4000;  // RFC 8656 §12
constexpr uint16_t kMaxChannel = 0x4FFF;
constexpr std::size_t kChannelDataHeader = 4;

struct ChannelData {
  uint16_t channel = 0;
  Bytes data{};  // borrows the input
};

// RFC 7983 §7: first byte 64..79.
inline bool looks_like_channel_data(Bytes d) { return d.size() >= kChannelDataHeader && d[0] >= 64 && d[0] <= 79; }

// Parses one ChannelData message at the start of `in`. Over UDP bytes after
// the announced length are padding and ignored (RFC 8656 §12.5).
[[nodiscard]] Result<ChannelData> parse_channel_data(Bytes in);

// The size of the ChannelData message at the start of `in` as it sits on a
// stream (header, data and padding to 4 bytes, RFC 8656 §12.5), or 0 if the
// header is incomplete.
std::size_t channel_data_stream_size(Bytes in);

// Writes header + data (+ zero padding to 4 bytes when `pad`, for TCP) into out.
[[nodiscard]] Result<Bytes> write_channel_data(MutableBytes out, uint16_t channel, Bytes data, bool pad);

}  // namespace keyway::ice::turn
