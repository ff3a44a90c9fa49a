// SPDX-License-Identifier: Apache-2.0
// RTP, field by field (RFC 3550 §5.1, header extensions RFC 8285 §4), read
// by srtp::parse_rtp_header and srtp::HeaderExtensionReader, as SRTP does.
#include <fmt/format.h>

#include "keyway/srtp/rtp_header.hpp"
#include "tools/explain/explain.hpp"

namespace keyway::explain {
namespace {

constexpr std::string_view kParse = "srtp::parse_rtp_header";
constexpr std::string_view kExtReader = "srtp::HeaderExtensionReader::next";

void extension_elements(Printer& p, Bytes packet, const srtp::RtpHeader& h) {
  bool one_byte = h.extension_profile == 0xBEDE;
  if (!one_byte && (h.extension_profile & 0xFFF0) != 0x1000) {
    p.field(packet.subspan(h.extension_offset, h.extension_len), "extension body (profile not RFC 8285: opaque)",
            "RFC 3550 §5.3.1", kParse);
    return;
  }
  srtp::HeaderExtensionReader reader(packet, h);
  std::size_t header = one_byte ? 1 : 2;
  std::size_t last_end = h.extension_offset;
  for (srtp::HeaderExtensionElement e; ;) {
    auto more = reader.next(e);
    if (!more.ok()) {
      p.note("extension element refused: " + error_text(more.error()));
      return;
    }
    if (!*more) break;
    std::size_t data_at = static_cast<std::size_t>(e.data.data() - packet.data());
    if (e.data.empty()) data_at = last_end + header;  // an empty element: its header ends where data would start
    std::size_t start = data_at - header;
    if (start > last_end) p.field(packet.subspan(last_end, start - last_end), "padding (0)", "RFC 8285 §4.2", kExtReader);
    p.field(packet.subspan(start, header),
            fmt::format("element id {}, {} byte(s) of data ({} form)", e.id, e.data.size(), one_byte ? "one-byte: ID|L-1" : "two-byte: ID, L"),
            one_byte ? "RFC 8285 §4.2" : "RFC 8285 §4.3", kExtReader);
    if (!e.data.empty()) p.field(e.data, "data (meaning set by a=extmap for this id)", "RFC 8285 §5", kExtReader);
    last_end = data_at + e.data.size();
  }
  std::size_t end = h.extension_offset + h.extension_len;
  if (end > last_end) p.field(packet.subspan(last_end, end - last_end), "padding to a 32-bit word", "RFC 8285 §4.2", kExtReader);
}

}  // namespace

void explain_rtp(Printer& p, Bytes packet) {
  p.heading(fmt::format("RTP packet, {} bytes  (RFC 3550 §5.1; SRTP RFC 3711 §3.1 leaves this header in the clear)",
                        packet.size()));
  Indented in(p);
  auto h = srtp::parse_rtp_header(packet);
  if (!h.ok()) {
    p.field(packet.first(packet.size() < 12 ? packet.size() : 12), "header refused: " + error_text(h.error()), "RFC 3550 §5.1", kParse);
    return;
  }
  p.field(packet.first(1),
          fmt::format("V=2, P={}, X={}, CC={}{}", h->padding ? 1 : 0, h->extension ? 1 : 0, h->csrc_count,
                      h->padding ? " (padding at the end, encrypted under SRTP)" : ""),
          "RFC 3550 §5.1", kParse);
  p.field(packet.subspan(1, 1), fmt::format("M={}, payload type {} (a=rtpmap names it)", h->marker ? 1 : 0, h->payload_type),
          "RFC 3550 §5.1", kParse);
  p.field(packet.subspan(2, 2), fmt::format("sequence number {} (SRTP's index = ROC * 65536 + this)", h->sequence),
          "RFC 3550 §5.1", kParse);
  p.field(packet.subspan(4, 4), fmt::format("timestamp {}", h->timestamp), "RFC 3550 §5.1", kParse);
  p.field(packet.subspan(8, 4), fmt::format("SSRC 0x{:08x} (selects the SRTP stream context)", h->ssrc), "RFC 3550 §5.1", kParse);
  for (std::size_t i = 0; i < h->csrc_count; ++i) {
    Bytes c = packet.subspan(12 + 4 * i, 4);
    uint32_t v = 0;
    (void)ByteReader(c).read_u32(v);
    p.field(c, fmt::format("CSRC {}: 0x{:08x} (a contributing source, e.g. a mixer's input)", i + 1, v), "RFC 3550 §5.1", kParse);
  }
  if (h->extension) {
    std::size_t at = h->extension_offset - 4;
    p.field(packet.subspan(at, 2),
            fmt::format("extension profile 0x{:04x}{}", h->extension_profile,
                        h->extension_profile == 0xBEDE ? " (one-byte elements)"
                        : (h->extension_profile & 0xFFF0) == 0x1000 ? " (two-byte elements)" : ""),
            "RFC 8285 §4.1", kParse);
    p.field(packet.subspan(at + 2, 2), fmt::format("extension length {} words ({} bytes)", h->extension_len / 4, h->extension_len),
            "RFC 3550 §5.3.1", kParse);
    Indented in2(p);
    extension_elements(p, packet, *h);
  }
  Bytes rest = packet.subspan(h->header_len);
  if (!rest.empty())
    p.field(rest,
            fmt::format("payload, {} bytes (under SRTP: encrypted payload, then the auth tag: 10 bytes for "
                        "AES_CM_128_HMAC_SHA1_80, 16 for AEAD_AES_*_GCM)", rest.size()),
            "RFC 3711 §3.1", "srtp::Session::unprotect_rtp");
}

}  // namespace keyway::explain
