// SPDX-License-Identifier: Apache-2.0
#include "keyway/ice/turn/stream_framer.hpp"

#include <cstring>

#include "keyway/ice/stun/attributes.hpp"
#include "keyway/ice/turn/channel_data.hpp"

namespace keyway::ice::turn {
namespace {
constexpr Error err(Code code, const char* detail) { return make_error(Layer::ice, code, detail); }
constexpr Error kNeither = err(Code::malformed, "turn tcp: stream holds neither STUN nor ChannelData (RFC 8656 §3.1)");
constexpr Error kTooBig = err(Code::capacity, "turn tcp: message larger than the stream buffer (4096 bytes)");
constexpr Error kBroken = err(Code::bad_state, "turn tcp: the stream broke earlier; close the connection");
}  // namespace

Result<std::size_t> stream_message_size(Bytes head) {
  if (head.empty()) return std::size_t{0};
  if ((head[0] & 0xC0) == 0) {  // STUN: 20-byte header + length (RFC 8489 §5)
    if (head.size() < 4) return std::size_t{0};
    return stun::kHeaderSize + load_be16(head, 2);
  }
  if (head[0] >= 64 && head[0] <= 79) return channel_data_stream_size(head);  // 0 until 4 bytes are in
  return kNeither;
}

std::size_t StreamFramer::push(Bytes in) {
  if (broken_) return 0;
  if (start_ > 0 && kCapacity - end_ < in.size()) {  // make room: move what is left to the front
    std::memmove(buf_, buf_ + start_, end_ - start_);
    end_ -= start_;
    start_ = 0;
  }
  std::size_t n = in.size() < kCapacity - end_ ? in.size() : kCapacity - end_;
  if (n > 0) std::memcpy(buf_ + end_, in.data(), n);
  end_ += n;
  return n;
}

Result<Bytes> StreamFramer::next() {
  ENSURE(!broken_, kBroken);
  Bytes head(buf_ + start_, end_ - start_);
  auto size = stream_message_size(head);
  if (!size.ok()) {
    broken_ = true;
    return size.error();
  }
  if (*size > kCapacity) {
    broken_ = true;
    return kTooBig;
  }
  if (*size == 0 || head.size() < *size) {
    if (start_ == end_) start_ = end_ = 0;
    return Bytes{};
  }
  start_ += *size;
  return head.first(*size);
}

}  // namespace keyway::ice::turn
