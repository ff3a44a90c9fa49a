// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the TURN-over-TCP stream framer (ice/turn/stream_framer).
// The input is cut into chunks whose sizes come from the input itself
// (first byte: chunk size 1..256) and pushed; every message next() hands
// out is checked against the stream (the frames, concatenated, are the
// stream's prefix) and parsed as STUN or ChannelData.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "keyway/ice/stun/message.hpp"
#include "keyway/ice/turn/channel_data.hpp"
#include "keyway/ice/turn/stream_framer.hpp"

using namespace keyway;
using namespace keyway::ice;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = std::size_t{data[0]} + 1;
  Bytes stream(data + 1, size - 1);
  turn::StreamFramer f;
  std::size_t pushed = 0, framed = 0;
  for (int guard = 0; guard < 100000; ++guard) {
    auto m = f.next();
    if (!m.ok()) {
      if (!f.broken()) __builtin_trap();
      return 0;
    }
    if (!m->empty()) {
      // The message is exactly the next bytes of the stream.
      if (framed + m->size() > pushed || std::memcmp(m->data(), stream.data() + framed, m->size()) != 0) __builtin_trap();
      framed += m->size();
      if (turn::looks_like_channel_data(*m)) {
        auto cd = turn::parse_channel_data(*m);
        if (!cd.ok() || cd->data.size() + 4 > m->size()) __builtin_trap();
      } else {
        (void)stun::Message::parse(*m);
      }
      continue;
    }
    if (pushed == stream.size()) break;
    std::size_t n = chunk < stream.size() - pushed ? chunk : stream.size() - pushed;
    std::size_t took = f.push(stream.subspan(pushed, n));
    if (took == 0 && f.buffered() == 0) __builtin_trap();  // room must exist once all was handed out
    if (took == 0) return 0;  // a whole message larger than the rest of the buffer cannot come: broken later
    pushed += took;
  }
  if (framed + f.buffered() != pushed) __builtin_trap();
  return 0;
}
