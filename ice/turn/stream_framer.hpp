// SPDX-License-Identifier: Apache-2.0
// TURN over a stream (TCP, RFC 8656 §3.1): STUN messages and ChannelData
// follow each other on the byte stream with no other framing; the first two
// bits tell them apart and each carries its own length:
//
//   STUN         00xxxxxx xxxxxxxx | length (16) | 16 more header bytes | length bytes
//   ChannelData  0100xxxx xxxxxxxx | length (16) | length bytes | zero padding to 4 bytes
//
// (RFC 8656 §12.5: over TCP ChannelData is padded to a multiple of 4.) The
// framer is sans-IO: the driver owns the socket and pushes what it read;
// next() hands back one whole message at a time, a view into the framer's
// bounded buffer (valid until the next push() or next()). Anything else on
// the stream, or a message larger than the buffer, breaks the stream: the
// connection must be closed (nothing resynchronises a byte stream).
#pragma once

#include <cstddef>
#include <cstdint>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::ice::turn {

class StreamFramer {
 public:
  // A relayed media packet plus TURN framing, or a STUN message with long
  // credentials, fits many times over.
  static constexpr std::size_t kCapacity = 4096;

  // Copies as much of `in` as there is room for; returns how much it took
  // (the driver keeps the rest and pushes it after next() made room).
  std::size_t push(Bytes in);
  // The next whole message, or empty Bytes if it has not all arrived yet;
  // an error when the stream is broken (then it stays broken).
  [[nodiscard]] Result<Bytes> next();
  std::size_t buffered() const { return end_ - start_; }
  bool broken() const { return broken_; }

 private:
  uint8_t buf_[kCapacity] = {};
  std::size_t start_ = 0;  // the first byte not yet handed out
  std::size_t end_ = 0;
  bool broken_ = false;
};

// The size of the message at the start of a stream's bytes: 0 if too few
// bytes are there to tell, an error if they are neither STUN nor ChannelData.
[[nodiscard]] Result<std::size_t> stream_message_size(Bytes head);

}  // namespace keyway::ice::turn
