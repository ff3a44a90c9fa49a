// SPDX-License-Identifier: Apache-2.0
// RTP and RTCP headers: the parts SRTP needs to find (RFC 3550 §5.1, §6.4).
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                           timestamp                           |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |           synchronization source (SSRC) identifier            |
//   +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//   |            contributing source (CSRC) identifiers             |
//   |                             ....                              |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  defined by profile (0xBEDE)  |     length (32-bit words)     |   X = 1 (§5.3.1)
//   |                        header extension                       |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                 payload ...   | padding ...   | pad count     |   P = 1
//
// SRTP leaves the whole header (CSRCs and extension included) in the clear
// and authenticates it; only the payload and padding are encrypted.
#pragma once

#include <cstddef>
#include <cstdint>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::srtp {

inline constexpr std::size_t kRtpFixedHeaderLen = 12;
inline constexpr std::size_t kRtcpHeaderLen = 8;  // V/P/RC, PT, length, sender SSRC

struct RtpHeader {
  bool padding = false;
  bool extension = false;
  uint8_t csrc_count = 0;
  bool marker = false;
  uint8_t payload_type = 0;
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  uint16_t extension_profile = 0;  // 0xBEDE one-byte, 0x100x two-byte (RFC 8285)
  std::size_t extension_offset = 0; // where the extension body starts
  std::size_t extension_len = 0;    // body length in bytes (length field * 4)
  std::size_t header_len = 0;       // fixed header + CSRCs + extension
};

// Parses the header of an RTP packet; the payload may be empty.
[[nodiscard]] Result<RtpHeader> parse_rtp_header(Bytes packet);

// Length of the payload without RTP padding (§5.1: the last octet counts the
// padding octets, itself included). Fails when the count is 0 or too big.
[[nodiscard]] Result<std::size_t> rtp_payload_len(Bytes packet, const RtpHeader& header);

// One header extension element (RFC 8285 §4.2 one-byte, §4.3 two-byte form).
struct HeaderExtensionElement {
  uint8_t id = 0;
  Bytes data;
};

// Iterates the elements of a header extension body. Profiles other than the
// RFC 8285 ones are opaque: next() reports an unsupported error.
class HeaderExtensionReader {
 public:
  HeaderExtensionReader(uint16_t profile, Bytes body) : profile_(profile), reader_(body) {}
  HeaderExtensionReader(Bytes packet, const RtpHeader& header)
      : HeaderExtensionReader(header.extension_profile,
                              packet.subspan(header.extension_offset, header.extension_len)) {}

  // Reads the next element into out; returns false at the end of the body.
  [[nodiscard]] Result<bool> next(HeaderExtensionElement& out);

 private:
  Result<bool> next_one_byte(HeaderExtensionElement& out);
  Result<bool> next_two_byte(HeaderExtensionElement& out);
  uint16_t profile_;
  ByteReader reader_;
};

struct RtcpHeader {
  bool padding = false;
  uint8_t count = 0;        // RC / SC / FMT (5 bits)
  uint8_t packet_type = 0;  // 200 SR, 201 RR, 202 SDES, 203 BYE, 204 APP, 205/206 feedback
  uint16_t length_words = 0;
  uint32_t ssrc = 0;        // sender SSRC (SRTCP keys its context on it, RFC 3711 §3.4)
};

// Parses the first 8 bytes of an RTCP (compound) packet.
[[nodiscard]] Result<RtcpHeader> parse_rtcp_header(Bytes packet);

// Checks that a compound RTCP packet is a whole number of well-formed RTCP
// packets (§6.1: each length field fits, version 2 throughout); returns the count.
[[nodiscard]] Result<std::size_t> check_rtcp_compound(Bytes packet);

}  // namespace keyway::srtp
