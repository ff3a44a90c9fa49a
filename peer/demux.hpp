// SPDX-License-Identifier: Apache-2.0
// Demultiplexing one UDP 5-tuple (RFC 7983 §7, RFC 5761 §4).
//
//                  +----------------+
//                  |        [0..3] -+--> STUN
//                  |      [16..19] -+--> ZRTP        (dropped)
//   packet -->     |      [20..63] -+--> DTLS
//                  |      [64..79] -+--> TURN ChannelData (unwrapped first when from our TURN server, else dropped)
//                  |    [128..191] -+--> RTP/RTCP
//                  +----------------+
//
// RTP and RTCP share the port with rtcp-mux; RFC 5761 §4 tells them apart by
// the second byte: RTCP packet types 192..223 (SR 200, RR 201, SDES 202, BYE
// 203, APP 204, RTPFB 205, PSFB 206, XR 207) never collide with the RTP
// payload types WebRTC uses once the marker bit is masked (RTP PT 64..95 are
// avoided for exactly this reason).
#pragma once

#include <cstdint>

#include "keyway/lib/bytes.hpp"

namespace keyway::peer {

enum class PacketKind : uint8_t { stun, dtls, turn_channel, rtp, rtcp, unknown };

inline const char* to_string(PacketKind k) {
  switch (k) {
    case PacketKind::stun: return "stun";
    case PacketKind::dtls: return "dtls";
    case PacketKind::turn_channel: return "turn-channel";
    case PacketKind::rtp: return "rtp";
    case PacketKind::rtcp: return "rtcp";
    case PacketKind::unknown: return "unknown";
  }
  return "?";
}

inline PacketKind classify(Bytes datagram) {
  ByteReader r(datagram);
  uint8_t first = 0;
  if (!r.read_u8(first)) return PacketKind::unknown;
  if (first <= 3) return PacketKind::stun;
  if (first >= 20 && first <= 63) return PacketKind::dtls;
  if (first >= 64 && first <= 79) return PacketKind::turn_channel;
  if (first >= 128 && first <= 191) {
    uint8_t second = 0;
    if (!r.read_u8(second)) return PacketKind::unknown;
    return (second >= 192 && second <= 223) ? PacketKind::rtcp : PacketKind::rtp;
  }
  return PacketKind::unknown;
}

}  // namespace keyway::peer
