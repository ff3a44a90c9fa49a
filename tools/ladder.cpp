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
  // RFC 8489 §5: the method bits around the class bits; TURN's methods (RFC 8656 §17).
  const uint16_t method = static_cast<uint16_t>((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));
  const char* name = "Binding";
  switch (method) {
    case 0x003: name = "TURN Allocate"; break;
    case 0x004: name = "TURN Refresh"; break;
    case 0x006: name = "TURN Send"; break;
    case 0x007: name = "TURN Data"; break;
    case 0x008: name = "TURN CreatePermission"; break;
    case 0x009: name = "TURN ChannelBind"; break;
    default: break;
  }
  std::string s = fmt::format("STUN {} {}", name, cls);
  if (method != 0x001) s = s.substr(5);  // "TURN Allocate request"
  Bytes inner{};
  while (r.remaining() >= 4) {
    uint16_t at = 0, al = 0;
    if (!r.read_u16(at) || !r.read_u16(al)) break;
    if (at == 0x0025) s += " USE-CANDIDATE";                       // RFC 8445 §16.1
    if (at == 0x802A) s += " (controlling)";
    if (at == 0x8029) s += " (controlled)";
    if (at == 0x0013 && r.remaining() >= al) inner = r.rest().first(al);  // DATA: what the relay carries
    if (at == 0x0009 && al >= 4 && r.remaining() >= 4) {                  // ERROR-CODE
      Bytes v = r.rest();
      s += fmt::format(" {}", (v[2] & 7) * 100 + v[3]);
    }
    if (!r.skip((al + 3u) & ~3u)) break;
  }
  if (!inner.empty()) s += " [" + describe_datagram(inner) + "]";
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
    case peer::PacketKind::rtcp: {  // RFC 3711 §3.4: the first 8 bytes (header, sender SSRC) stay clear
      ByteReader r(d);
      uint8_t type = 0;
      uint32_t ssrc = 0;
      if (!r.skip(1) || !r.read_u8(type) || !r.skip(2) || !r.read_u32(ssrc)) return "SRTCP (truncated)";
      std::string name = type == 200   ? "SR"
                         : type == 201 ? "RR"
                         : type == 205 ? "RTPFB"
                         : type == 206 ? "PSFB"
                                       : fmt::format("type {}", type);  // RFC 3550 §12.1, RFC 4585 §6.1
      return fmt::format("SRTCP {} ssrc 0x{:08x} ({} bytes)", name, ssrc, d.size());
    }
    case peer::PacketKind::turn_channel: {  // RFC 8656 §12.4: channel, length, data
      ByteReader r(d);
      uint16_t channel = 0, len = 0;
      Bytes data;
      if (!r.read_u16(channel) || !r.read_u16(len) || !r.read_bytes(len, data)) return "TURN ChannelData (truncated)";
      return fmt::format("TURN ChannelData 0x{:04x} [{}]", channel, describe_datagram(data));
    }
    case peer::PacketKind::unknown: break;
  }
  return fmt::format("unknown datagram ({} bytes)", d.size());
}

}  // namespace keyway::tools
