// SPDX-License-Identifier: Apache-2.0
#include "keyway/dtls/handshake_header.hpp"

namespace keyway::dtls {

namespace {
constexpr Error kTruncated = make_error(Layer::dtls, Code::decode_error, "dtls handshake: fragment header or body runs past the record");
constexpr Error kPastEnd = make_error(Layer::dtls, Code::decode_error, "dtls handshake: fragment extends past the message length");
}  // namespace

Result<HandshakeFragment> read_handshake_fragment(ByteReader& r) {
  HandshakeFragment f;
  uint32_t frag_len = 0;
  ByteReader copy = r;
  if (!copy.read_u8(f.type) || !copy.read_u24(f.length) || !copy.read_u16(f.msg_seq) ||
      !copy.read_u24(f.frag_offset) || !copy.read_u24(frag_len) || !copy.read_bytes(frag_len, f.body))
    return kTruncated;
  // 24-bit values: the sum cannot overflow 32 bits.
  ENSURE(uint64_t{f.frag_offset} + frag_len <= f.length, kPastEnd);
  r = copy;
  return f;
}

void write_handshake_header(ByteWriter& w, uint8_t type, uint32_t length, uint16_t msg_seq, uint32_t frag_offset,
                            uint32_t frag_len) {
  w.write_u8(type);
  w.write_u24(length);
  w.write_u16(msg_seq);
  w.write_u24(frag_offset);
  w.write_u24(frag_len);
}

}  // namespace keyway::dtls
