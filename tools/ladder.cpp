// SPDX-License-Identifier: Apache-2.0
#include "tools/ladder.hpp"

#include <fmt/core.h>

#include "keyway/peer/demux.hpp"

namespace keyway::tools {

namespace {

const char* handshake_name(uint8_t t) {
  switch (t) {
    case 0: return "HelloRequest";
    case 1: return "ClientHello";
    case 2: return "ServerHello";
    case 3: return "HelloVerifyRequest";
    case 11: return "Certificate";
    case 12: return "ServerKeyExchange";
    case 13: return "CertificateRequest";
    case 14: return "ServerHelloDone";
    case 15: return "CertificateVerify";
    case 16: return "ClientKeyExchange";
    case 20: return "Finished";
    default: return "handshake?";
  }
}

std::string describe_stun(Bytes d) {
  ByteReader r(d);
  uint16_t type = 0, len = 0;
  if (!r.read_u16(type) || !r.read_u16(len) || !r.skip(16)) return "STUN (truncated)";
  // RFC 8489 §5: class bits C1 (0x100) and C0 (0x010) of the message type.
  const char* cls = "request";
  switch (type & 0x0110) {
    case 0x0010: cls = "indication"; break;
    case 0x0100: cls = "success response"; break;
    case 0x0110: cls = "error response"; break;
    default: break;
  }
  std::string s = fmt::format("STUN Binding {}", cls);
  while (r.remaining() >= 4) {
    uint16_t at = 0, al = 0;
    if (!r.read_u16(at) || !r.read_u16(al)) break;
    if (at == 0x0025) s += " USE-CANDIDATE";                       // RFC 8445 §16.1
    if (at == 0x802A) s += " (controlling)";
    if (at == 0x8029) s += " (controlled)";
    if (!r.skip((al + 3u) & ~3u)) break;
  }
  return s;
}

std::string describe_dtls(Bytes d) {
  ByteReader r(d);
  std::string s = "DTLS";
  int records = 0;
  while (!r.at_end()) {
    uint8_t type = 0;
    uint16_t version = 0, epoch = 0;
    uint64_t seq = 0;
    ByteReader body;
    if (!r.read_u8(type) || !r.read_u16(version) || !r.read_u16(epoch) || !r.read_u48(seq) || !r.read_prefixed16(body))
      return s + " (truncated record)";
    s += records++ == 0 ? " " : ", ";
    switch (type) {
      case 20: s += "ChangeCipherSpec"; break;
      case 21: s += epoch == 0 ? "Alert" : "Alert (encrypted)"; break;
      case 23: s += "ApplicationData"; break;
      case 22:
        if (epoch != 0) {
          s += "Finished (encrypted)";
          break;
        }
        {
          uint8_t mt = 0;
          uint32_t mlen = 0, off = 0, flen = 0;
          uint16_t mseq = 0;
          if (!body.read_u8(mt) || !body.read_u24(mlen) || !body.read_u16(mseq) || !body.read_u24(off) ||
              !body.read_u24(flen)) {
            s += "handshake (truncated)";
            break;
          }
          s += handshake_name(mt);
          if (flen != mlen) s += fmt::format(" [fragment {}+{} of {}]", off, flen, mlen);
        }
        break;
      default: s += fmt::format("record type {}", type); break;
    }
  }
  return s;
}

}  // namespace

std::string describe_datagram(Bytes d) {
  switch (peer::classify(d)) {
    case peer::PacketKind::stun: return describe_stun(d);
    case peer::PacketKind::dtls: return describe_dtls(d);
    case peer::PacketKind::rtp: {
      ByteReader r(d);
      uint16_t seq = 0;
      uint32_t ssrc = 0;
      if (r.skip(2) && r.read_u16(seq) && r.skip(4) && r.read_u32(ssrc))
        return fmt::format("SRTP ssrc 0x{:08x} seq {} ({} bytes)", ssrc, seq, d.size());
      return "SRTP (truncated)";
    }
    case peer::PacketKind::rtcp: return fmt::format("SRTCP ({} bytes)", d.size());
    case peer::PacketKind::unknown: break;
  }
  return fmt::format("unknown datagram ({} bytes)", d.size());
}

}  // namespace keyway::tools
