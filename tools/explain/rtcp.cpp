// SPDX-License-Identifier: Apache-2.0
// RTCP compound packets (RFC 3550 §6.4-6.6), feedback messages (RFC 4585
// §6.2-6.3: NACK, PLI; RFC 5104 §4.3.1: FIR; REMB draft-alvestrand-rmcat-remb)
// and the SRTCP trailer (RFC 3711 §3.4). Each packet header is read by
// srtp::parse_rtcp_header; the compound by srtp::check_rtcp_compound.
#include <fmt/format.h>

#include "keyway/srtp/rtp_header.hpp"
#include "tools/explain/explain.hpp"

namespace keyway::explain {
namespace {

constexpr std::string_view kHeader = "srtp::parse_rtcp_header";
constexpr std::string_view kHere = "tools/explain (keyway reads only the header)";

uint32_t u32_at(Bytes b, std::size_t at) {
  uint32_t v = 0;
  ByteReader r(b.subspan(at));
  (void)r.read_u32(v);
  return v;
}

const char* packet_name(uint8_t pt, uint8_t fmt_) {
  switch (pt) {
    case 200: return "SR (sender report)";
    case 201: return "RR (receiver report)";
    case 202: return "SDES (source description)";
    case 203: return "BYE";
    case 204: return "APP";
    case 205: return fmt_ == 1 ? "RTPFB NACK (generic negative acknowledgement)" : fmt_ == 15 ? "RTPFB transport-cc" : "RTPFB (transport feedback)";
    case 206:
      return fmt_ == 1 ? "PSFB PLI (picture loss indication)" : fmt_ == 4 ? "PSFB FIR (full intra request)"
             : fmt_ == 15 ? "PSFB AFB (application layer feedback)" : "PSFB (payload-specific feedback)";
    default: return "unknown RTCP type";
  }
}

// RFC 3550 §6.4.1: a report block, 24 bytes.
void report_blocks(Printer& p, Bytes body, std::size_t count) {
  for (std::size_t i = 0; i < count && body.size() >= 24 * (i + 1); ++i) {
    Bytes b = body.subspan(24 * i, 24);
    p.heading(fmt::format("report block {}", i + 1));
    Indented in(p);
    uint32_t lost = u32_at(b, 4);
    p.field(b.first(4), fmt::format("source SSRC 0x{:08x}", u32_at(b, 0)), "RFC 3550 §6.4.1", kHere);
    p.field(b.subspan(4, 1), fmt::format("fraction lost {}/256", b[4]), "RFC 3550 §6.4.1", kHere);
    p.field(b.subspan(5, 3), fmt::format("cumulative packets lost {}", lost & 0xFFFFFF), "RFC 3550 §6.4.1", kHere);
    p.field(b.subspan(8, 4), fmt::format("extended highest sequence {}", u32_at(b, 8)), "RFC 3550 §6.4.1", kHere);
    p.field(b.subspan(12, 4), fmt::format("interarrival jitter {}", u32_at(b, 12)), "RFC 3550 §6.4.1", kHere);
    p.field(b.subspan(16, 4), fmt::format("last SR (LSR) 0x{:08x}", u32_at(b, 16)), "RFC 3550 §6.4.1", kHere);
    p.field(b.subspan(20, 4), fmt::format("delay since last SR {}/65536 s", u32_at(b, 20)), "RFC 3550 §6.4.1", kHere);
  }
}

void sender_report(Printer& p, Bytes body, uint8_t count) {
  if (body.size() < 20) return p.field(body, "sender info truncated", "RFC 3550 §6.4.1", kHere);
  p.field(body.first(8), fmt::format("NTP timestamp 0x{:08x}.{:08x}", u32_at(body, 0), u32_at(body, 4)), "RFC 3550 §6.4.1", kHere);
  p.field(body.subspan(8, 4), fmt::format("RTP timestamp {}", u32_at(body, 8)), "RFC 3550 §6.4.1", kHere);
  p.field(body.subspan(12, 4), fmt::format("sender's packet count {}", u32_at(body, 12)), "RFC 3550 §6.4.1", kHere);
  p.field(body.subspan(16, 4), fmt::format("sender's octet count {}", u32_at(body, 16)), "RFC 3550 §6.4.1", kHere);
  report_blocks(p, body.subspan(20), count);
}

const char* sdes_item(uint8_t t) {
  switch (t) {
    case 1: return "CNAME"; case 2: return "NAME"; case 3: return "EMAIL"; case 4: return "PHONE";
    case 5: return "LOC"; case 6: return "TOOL"; case 7: return "NOTE"; case 8: return "PRIV";
    default: return "item";
  }
}

// RFC 3550 §6.5: chunks { SSRC, items { type, length, text }*, 0, pad to 32 bits }.
// The first chunk's SSRC is the header's sender SSRC (already printed).
void sdes(Printer& p, Bytes body, uint8_t count, uint32_t first_ssrc) {
  ByteReader r(body);
  for (uint8_t c = 0; c < count; ++c) {
    if (c > 0) {
      Bytes at = r.rest();
      uint32_t ssrc = 0;
      if (!r.read_u32(ssrc)) return;
      p.field(at.first(4), fmt::format("chunk {} SSRC 0x{:08x}", c + 1, ssrc), "RFC 3550 §6.5", kHere);
    } else {
      p.note(fmt::format("chunk 1 is for SSRC 0x{:08x} (above)", first_ssrc));
    }
    for (;;) {
      Bytes at = r.rest();
      uint8_t type = 0, len = 0;
      Bytes text;
      if (!r.read_u8(type)) return;
      if (type == 0) {
        std::size_t used = static_cast<std::size_t>(r.position() - body.data()) + 4;  // + the SSRC before body
        std::size_t pad = (4 - used % 4) % 4;
        Bytes end = at.first(1 + (pad <= r.remaining() ? pad : r.remaining()));
        (void)r.skip(end.size() - 1);
        p.field(end, "end of items, padded to 32 bits", "RFC 3550 §6.5", kHere);
        break;
      }
      if (!r.read_u8(len) || !r.read_bytes(len, text)) return p.field(at, "item runs past the end", "RFC 3550 §6.5", kHere);
      p.field(at.first(2 + len),
              fmt::format("{} ({}), {} bytes: \"{}\"", sdes_item(type), type, len,
                          std::string_view(reinterpret_cast<const char*>(text.data()), text.size())),
              "RFC 3550 §6.5.1", kHere);
    }
  }
}

void bye(Printer& p, Bytes body, uint8_t count) {
  ByteReader r(body);
  for (uint8_t i = 1; i < count; ++i) {
    Bytes at = r.rest();
    uint32_t ssrc = 0;
    if (!r.read_u32(ssrc)) return;
    p.field(at.first(4), fmt::format("SSRC 0x{:08x} leaves", ssrc), "RFC 3550 §6.6", kHere);
  }
  Bytes at = r.rest();
  ByteReader reason;
  if (!r.at_end() && r.read_prefixed8(reason))
    p.field(at.first(1 + reason.remaining()),
            fmt::format("reason \"{}\"", std::string_view(reinterpret_cast<const char*>(reason.rest().data()), reason.remaining())),
            "RFC 3550 §6.6", kHere);
}

// RFC 4585 §6.2.1: FCI { PID, BLP }: PID and each set bit i of BLP (PID+i+1) are lost.
void nack(Printer& p, Bytes fci) {
  for (std::size_t at = 0; at + 4 <= fci.size(); at += 4) {
    uint16_t pid = static_cast<uint16_t>(fci[at] << 8 | fci[at + 1]);
    uint16_t blp = static_cast<uint16_t>(fci[at + 2] << 8 | fci[at + 3]);
    std::string lost = fmt::format("{}", pid);
    for (int i = 0; i < 16; ++i)
      if ((blp >> i) & 1) lost += fmt::format(", {}", static_cast<uint16_t>(pid + i + 1));
    p.field(fci.subspan(at, 2), fmt::format("PID {}", pid), "RFC 4585 §6.2.1", kHere);
    p.field(fci.subspan(at + 2, 2), fmt::format("BLP 0x{:04x}: lost sequence numbers {}", blp, lost), "RFC 4585 §6.2.1", kHere);
  }
}

// draft-alvestrand-rmcat-remb §2.2: 'R''E''M''B', num SSRC, exp(6) mantissa(18), SSRCs.
void afb(Printer& p, Bytes fci) {
  if (fci.size() < 8 || fci[0] != 'R' || fci[1] != 'E' || fci[2] != 'M' || fci[3] != 'B') {
    if (!fci.empty()) p.field(fci, "application feedback (not REMB)", "RFC 4585 §6.4", kHere);
    return;
  }
  uint8_t n = fci[4];
  uint32_t exp = fci[5] >> 2;
  uint64_t mantissa = (uint64_t{fci[5] & 3u} << 16) | (uint64_t{fci[6]} << 8) | fci[7];
  p.field(fci.first(4), "unique identifier \"REMB\"", "draft-alvestrand-rmcat-remb §2.2", kHere);
  p.field(fci.subspan(4, 1), fmt::format("num SSRC {}", n), "draft-alvestrand-rmcat-remb §2.2", kHere);
  p.field(fci.subspan(5, 3), fmt::format("BR exp {} mantissa {}: {} bit/s", exp, mantissa, mantissa << exp),
          "draft-alvestrand-rmcat-remb §2.2", kHere);
  for (std::size_t i = 0; i < n && 8 + 4 * (i + 1) <= fci.size(); ++i)
    p.field(fci.subspan(8 + 4 * i, 4), fmt::format("SSRC 0x{:08x}", u32_at(fci, 8 + 4 * i)), "draft-alvestrand-rmcat-remb §2.2", kHere);
}

void feedback(Printer& p, Bytes body, uint8_t pt, uint8_t fmt_) {
  if (body.size() < 4) return p.field(body, "media source SSRC missing", "RFC 4585 §6.1", kHere);
  p.field(body.first(4), fmt::format("media source SSRC 0x{:08x}", u32_at(body, 0)), "RFC 4585 §6.1", kHere);
  Bytes fci = body.subspan(4);
  if (pt == 205 && fmt_ == 1) return nack(p, fci);
  if (pt == 206 && fmt_ == 1) {
    if (fci.empty()) p.note("PLI has no FCI: \"send a key frame\" (RFC 4585 §6.3.1)");
    return;
  }
  if (pt == 206 && fmt_ == 4) {  // RFC 5104 §4.3.1.1: FCI { SSRC, seq nr, reserved[3] }
    for (std::size_t at = 0; at + 8 <= fci.size(); at += 8) {
      p.field(fci.subspan(at, 4), fmt::format("FIR target SSRC 0x{:08x}", u32_at(fci, at)), "RFC 5104 §4.3.1.1", kHere);
      p.field(fci.subspan(at + 4, 4), fmt::format("command sequence number {}", fci[at + 4]), "RFC 5104 §4.3.1.1", kHere);
    }
    return;
  }
  if (pt == 206 && fmt_ == 15) return afb(p, fci);
  if (!fci.empty()) p.field(fci, "feedback control information", "RFC 4585 §6.1", kHere);
}

void one_packet(Printer& p, Bytes pkt, const srtp::RtcpHeader& h) {
  bool fb = h.packet_type == 205 || h.packet_type == 206;
  p.field(pkt.first(1),
          fmt::format("V=2, P={}, {}={}", h.padding ? 1 : 0, fb ? "FMT" : h.packet_type == 200 || h.packet_type == 201 ? "RC" : "SC", h.count),
          "RFC 3550 §6.4.1", kHeader);
  p.field(pkt.subspan(1, 1), fmt::format("packet type {}: {}", h.packet_type, packet_name(h.packet_type, h.count)),
          "RFC 3550 §6.4.1", kHeader);
  p.field(pkt.subspan(2, 2), fmt::format("length {} (32-bit words minus one: {} bytes)", h.length_words, pkt.size()),
          "RFC 3550 §6.4.1", kHeader);
  p.field(pkt.subspan(4, 4), fmt::format("{} SSRC 0x{:08x}", fb ? "packet sender" : "sender", h.ssrc), "RFC 3550 §6.4.1", kHeader);
  Bytes body = pkt.subspan(8);
  switch (h.packet_type) {
    case 200: return sender_report(p, body, h.count);
    case 201: return report_blocks(p, body, h.count);
    case 202: return sdes(p, body, h.count, h.ssrc);
    case 203: return bye(p, body, h.count);
    case 205: case 206: return feedback(p, body, h.packet_type, h.count);
    default: if (!body.empty()) p.field(body, "body", "RFC 3550 §6", "");
  }
}

}  // namespace

void explain_rtcp(Printer& p, Bytes packet) {
  auto compound = srtp::check_rtcp_compound(packet);
  p.heading(fmt::format("RTCP compound packet, {} bytes  (RFC 3550 §6.1; {})", packet.size(),
                        compound.ok() ? fmt::format("srtp::check_rtcp_compound: {} packet(s)", *compound)
                                      : std::string("not a bare compound: SRTCP trailer or malformed")));
  Indented in(p);
  ByteReader r(packet);
  for (int n = 1; r.remaining() >= srtp::kRtcpHeaderLen; ++n) {
    auto h = srtp::parse_rtcp_header(r.rest());
    std::size_t len = (std::size_t{h.ok() ? h->length_words : 0u} + 1) * 4;
    if (!h.ok() || len > r.remaining() || len < srtp::kRtcpHeaderLen) break;  // the rest is shown below
    Bytes pkt;
    (void)r.read_bytes(len, pkt);
    p.heading(fmt::format("RTCP packet {}: {}", n, packet_name(h->packet_type, h->count)));
    Indented in2(p);
    one_packet(p, pkt, *h);
  }
  // RFC 3711 §3.4: under SRTCP everything after the first 8 bytes is
  // encrypted, then come E + the 31-bit SRTCP index and the tag (10 bytes for
  // AES_CM_128_HMAC_SHA1_80, 16 for AEAD_AES_*_GCM; the tag length comes
  // from the negotiated profile, so the split below assumes 10).
  Bytes rest = r.rest();
  constexpr std::string_view kUnprotect = "srtp::Session::unprotect_rtcp";
  if (rest.size() >= 14) {
    std::size_t enc = rest.size() - 14;
    if (enc > 0) p.field(rest.first(enc), fmt::format("{} bytes encrypted by SRTCP (the rest of the compound)", enc),
                         "RFC 3711 §3.4", kUnprotect);
    uint32_t ei = u32_at(rest, enc);
    p.field(rest.subspan(enc, 4), fmt::format("if the tag is 10 bytes: E={}, SRTCP index {}", ei >> 31, ei & 0x7FFFFFFF),
            "RFC 3711 §3.4", kUnprotect);
    p.field(rest.subspan(enc + 4), "authentication tag (HMAC-SHA1-80)", "RFC 3711 §4.2", kUnprotect);
  } else if (!rest.empty()) {
    p.field(rest, "trailing bytes (not a whole RTCP packet)", "RFC 3550 §6.1", "srtp::check_rtcp_compound");
  }
}

}  // namespace keyway::explain
