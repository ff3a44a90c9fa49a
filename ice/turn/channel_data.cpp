// SPDX-License-Identifier: Apache-2.0
#include "keyway/ice/turn/channel_data.hpp"

#include <cstring>

namespace keyway::ice::turn {
namespace {
constexpr Error err(Code code, const char* detail) { return make_error(Layer::ice, code, detail); }
constexpr Error kShort = err(Code::truncated, "turn: ChannelData shorter than its 4-byte header");
constexpr Error kChannel = err(Code::malformed, "turn: ChannelData channel number outside 0x4000..0x4FFF");
constexpr Error kLength = err(Code::truncated, "turn: ChannelData length runs past the end of the datagram");
constexpr Error kNoRoom = err(Code::buffer_too_small, "turn: ChannelData does not fit in the buffer");
constexpr Error kTooLong = err(Code::invalid_argument, "turn: ChannelData payload longer than 65535 bytes");
}  // namespace

Result<ChannelData> parse_channel_data(Bytes in) {
  ByteReader r(in);
  ChannelData cd;
  uint16_t len = 0;
  if (!r.read_u16(cd.channel) || !r.read_u16(len)) return kShort;
  ENSURE(cd.channel >= kMinChannel && cd.channel <= kMaxChannel, kChannel);
  if (!r.read_bytes(len, cd.data)) return kLength;
  return cd;
}

std::size_t channel_data_stream_size(Bytes in) {
  if (in.size() < kChannelDataHeader) return 0;
  std::size_t len = load_be16(in, 2);
  return kChannelDataHeader + len + (4 - len % 4) % 4;
}

Result<Bytes> write_channel_data(MutableBytes out, uint16_t channel, Bytes data, bool pad) {
  ENSURE(data.size() <= 0xFFFF, kTooLong);
  std::size_t padding = pad ? (4 - data.size() % 4) % 4 : 0;
  std::size_t total = kChannelDataHeader + data.size() + padding;
  ENSURE(out.size() >= total, kNoRoom);
  store_be16(out, 0, channel);
  store_be16(out, 2, static_cast<uint16_t>(data.size()));
  if (!data.empty()) std::memmove(out.data() + kChannelDataHeader, data.data(), data.size());
  if (padding > 0) std::memset(out.data() + kChannelDataHeader + data.size(), 0, padding);
  return Bytes(out.data(), total);
}

}  // namespace keyway::ice::turn
