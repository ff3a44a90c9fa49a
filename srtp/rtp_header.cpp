// SPDX-License-Identifier: Apache-2.0
#include "keyway/srtp/rtp_header.hpp"

namespace keyway::srtp {

namespace {
constexpr Error kRtpShort = make_error(Layer::srtp, Code::truncated, "rtp header: packet shorter than the 12-byte fixed header");
constexpr Error kRtpVersion = make_error(Layer::srtp, Code::malformed, "rtp header: version is not 2");
constexpr Error kRtpCsrc = make_error(Layer::srtp, Code::truncated, "rtp header: csrc list runs past the end of the packet");
constexpr Error kRtpExtHeader =
    make_error(Layer::srtp, Code::truncated, "rtp header: extension header runs past the end of the packet");
constexpr Error kRtpExtBody =
    make_error(Layer::srtp, Code::truncated, "rtp header: extension length runs past the end of the packet");
constexpr Error kPadZero = make_error(Layer::srtp, Code::malformed, "rtp header: padding bit set but pad count is 0");
constexpr Error kPadLong = make_error(Layer::srtp, Code::malformed, "rtp header: pad count larger than the payload");
constexpr Error kExtOpaque =
    make_error(Layer::srtp, Code::unsupported, "rtp header extension: profile is not RFC 8285 one- or two-byte");
constexpr Error kExtElement =
    make_error(Layer::srtp, Code::truncated, "rtp header extension: element length runs past the extension");
constexpr Error kRtcpShort = make_error(Layer::srtp, Code::truncated, "rtcp header: packet shorter than 8 bytes");
constexpr Error kRtcpVersion = make_error(Layer::srtp, Code::malformed, "rtcp header: version is not 2");
constexpr Error kRtcpLength =
    make_error(Layer::srtp, Code::truncated, "rtcp header: length field runs past the end of the compound packet");
}  // namespace

Result<RtpHeader> parse_rtp_header(Bytes packet) {
  ByteReader r(packet);
  Bytes fixed;
  ENSURE(r.read_bytes(kRtpFixedHeaderLen, fixed), kRtpShort);
  // One bounds check for the fixed header, then fixed offsets (hot path).
  const uint8_t b0 = fixed[0], b1 = fixed[1];
  ENSURE((b0 >> 6) == 2, kRtpVersion);
  RtpHeader h;
  h.padding = (b0 & 0x20) != 0;
  h.extension = (b0 & 0x10) != 0;
  h.csrc_count = b0 & 0x0f;
  h.marker = (b1 & 0x80) != 0;
  h.payload_type = b1 & 0x7f;
  h.sequence = load_be16(fixed, 2);
  h.timestamp = load_be32(fixed, 4);
  h.ssrc = load_be32(fixed, 8);
  ENSURE(r.skip(std::size_t{4} * h.csrc_count), kRtpCsrc);
  if (h.extension) {
    uint16_t words = 0;
    ENSURE(r.read_u16(h.extension_profile) && r.read_u16(words), kRtpExtHeader);
    h.extension_offset = packet.size() - r.remaining();
    h.extension_len = std::size_t{4} * words;
    ENSURE(r.skip(h.extension_len), kRtpExtBody);
  }
  h.header_len = packet.size() - r.remaining();
  return h;
}

Result<std::size_t> rtp_payload_len(Bytes packet, const RtpHeader& header) {
  std::size_t payload = packet.size() - header.header_len;
  if (!header.padding) return payload;
  ENSURE(payload > 0, kPadLong);
  uint8_t count = packet[packet.size() - 1];
  ENSURE(count != 0, kPadZero);
  ENSURE(count <= payload, kPadLong);
  return payload - count;
}

Result<bool> HeaderExtensionReader::next(HeaderExtensionElement& out) {
  if (profile_ == 0xBEDE) return next_one_byte(out);       // RFC 8285 §4.2
  if ((profile_ & 0xFFF0) == 0x1000) return next_two_byte(out);  // RFC 8285 §4.3
  return kExtOpaque;
}

Result<bool> HeaderExtensionReader::next_one_byte(HeaderExtensionElement& out) {
  uint8_t b = 0;
  while (reader_.peek_u8(b) && b == 0) (void)reader_.skip(1);  // padding octets (§4.2)
  if (!reader_.read_u8(b)) return false;
  out.id = b >> 4;
  if (out.id == 15) {  // reserved: stop processing the extension (§4.2)
    (void)reader_.skip(reader_.remaining());
    return false;
  }
  ENSURE(reader_.read_bytes(std::size_t{(b & 0x0fu)} + 1, out.data), kExtElement);
  return true;
}

Result<bool> HeaderExtensionReader::next_two_byte(HeaderExtensionElement& out) {
  uint8_t id = 0;
  while (reader_.peek_u8(id) && id == 0) (void)reader_.skip(1);  // padding octets (§4.3)
  if (!reader_.read_u8(id)) return false;
  uint8_t len = 0;
  ENSURE(reader_.read_u8(len) && reader_.read_bytes(len, out.data), kExtElement);
  out.id = id;
  return true;
}

Result<RtcpHeader> parse_rtcp_header(Bytes packet) {
  ByteReader r(packet);
  uint8_t b0 = 0;
  RtcpHeader h;
  ENSURE(r.read_u8(b0) && r.read_u8(h.packet_type) && r.read_u16(h.length_words) && r.read_u32(h.ssrc), kRtcpShort);
  ENSURE((b0 >> 6) == 2, kRtcpVersion);
  h.padding = (b0 & 0x20) != 0;
  h.count = b0 & 0x1f;
  return h;
}

Result<std::size_t> check_rtcp_compound(Bytes packet) {
  ByteReader r(packet);
  std::size_t count = 0;
  ENSURE(!r.at_end(), kRtcpShort);
  while (!r.at_end()) {
    uint8_t b0 = 0, pt = 0;
    uint16_t words = 0;
    ENSURE(r.read_u8(b0) && r.read_u8(pt) && r.read_u16(words), kRtcpShort);
    ENSURE((b0 >> 6) == 2, kRtcpVersion);
    ENSURE(r.skip(std::size_t{4} * words), kRtcpLength);  // length is in 32-bit words minus one (§6.4.1)
    ++count;
  }
  return count;
}

}  // namespace keyway::srtp
