// SPDX-License-Identifier: Apache-2.0
// Capture file reader (see pcap.hpp): pcap and pcapng, down to UDP.
#include "tools/explain/pcap.hpp"

namespace keyway::explain {
namespace {

constexpr uint32_t kPcapMagicUs = 0xA1B2C3D4;
constexpr uint32_t kPcapMagicNs = 0xA1B23C4D;
constexpr uint32_t kPcapngSectionHeader = 0x0A0D0D0A;
constexpr uint32_t kPcapngByteOrderMagic = 0x1A2B3C4D;
constexpr uint32_t kPcapngInterface = 1;
constexpr uint32_t kPcapngSimplePacket = 3;
constexpr uint32_t kPcapngEnhancedPacket = 6;
constexpr std::size_t kMaxInterfaces = 64;

constexpr uint32_t kLinkNull = 0;
constexpr uint32_t kLinkEthernet = 1;
constexpr uint32_t kLinkRaw = 101;
constexpr uint32_t kLinkLinuxSll = 113;
constexpr uint32_t kLinkIpv4 = 228;
constexpr uint32_t kLinkIpv6 = 229;
constexpr uint32_t kLinkLinuxSll2 = 276;

constexpr uint8_t kIpProtoUdp = 17;

uint32_t swap32(uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xFF00u) | ((v << 8) & 0xFF0000u) | (v << 24);
}

// Reads u16/u32 in the byte order a capture file declares.
struct EndianReader {
  ByteReader r;
  bool little = false;
  [[nodiscard]] bool u16(uint16_t& out) {
    if (!r.read_u16(out)) return false;
    if (little) out = static_cast<uint16_t>((out >> 8) | (out << 8));
    return true;
  }
  [[nodiscard]] bool u32(uint32_t& out) {
    if (!r.read_u32(out)) return false;
    if (little) out = swap32(out);
    return true;
  }
};

// RFC 768: source port, destination port, length, checksum, data.
bool decode_udp(Bytes segment, CapturedDatagram& out) {
  ByteReader r(segment);
  uint16_t len = 0;
  if (!r.read_u16(out.from.port) || !r.read_u16(out.to.port) || !r.read_u16(len) || !r.skip(2)) return false;
  // A length shorter than the header is malformed; a longer one means the
  // capture cut the packet (snaplen): keep what was captured.
  if (len < 8) return false;
  std::size_t body = len - 8u;
  out.payload = r.rest().first(body < r.remaining() ? body : r.remaining());
  return true;
}

// RFC 791 §3.1: version/IHL, ..., flags/fragment offset, TTL, protocol, ..., addresses.
bool decode_ipv4(Bytes packet, CapturedDatagram& out) {
  ByteReader r(packet);
  uint8_t vihl = 0, proto = 0;
  uint16_t total = 0, frag = 0;
  Bytes src, dst;
  if (!r.read_u8(vihl) || (vihl >> 4) != 4 || !r.skip(1) || !r.read_u16(total) || !r.skip(2) ||
      !r.read_u16(frag) || !r.skip(1) || !r.read_u8(proto) || !r.skip(2) || !r.read_bytes(4, src) ||
      !r.read_bytes(4, dst))
    return false;
  std::size_t ihl = (vihl & 0x0Fu) * 4u;
  if (ihl < 20 || total < ihl || !r.skip(ihl - 20)) return false;
  if (proto != kIpProtoUdp || (frag & 0x1FFFu) != 0) return false;  // not UDP, or not the first fragment
  std::size_t body = total - ihl;
  out.from = SocketAddr::v4(src[0], src[1], src[2], src[3], 0);
  out.to = SocketAddr::v4(dst[0], dst[1], dst[2], dst[3], 0);
  return decode_udp(r.rest().first(body < r.remaining() ? body : r.remaining()), out);
}

// RFC 8200 §3-4: fixed header, then extension headers until UDP.
bool decode_ipv6(Bytes packet, CapturedDatagram& out) {
  ByteReader r(packet);
  uint8_t v = 0, next = 0;
  uint16_t payload_len = 0;
  Bytes src, dst;
  if (!r.read_u8(v) || (v >> 4) != 6 || !r.skip(3) || !r.read_u16(payload_len) || !r.read_u8(next) ||
      !r.skip(1) || !r.read_bytes(16, src) || !r.read_bytes(16, dst))
    return false;
  ByteReader body(r.rest().first(payload_len < r.remaining() ? payload_len : r.remaining()));
  // Hop-by-hop (0), routing (43), destination options (60): skip; a fragment
  // header (44) is only followed when it is the first fragment.
  for (int hops = 0; next != kIpProtoUdp; ++hops) {
    uint8_t following = 0, len8 = 0;
    if (hops > 8 || !body.read_u8(following) || !body.read_u8(len8)) return false;
    if (next == 0 || next == 43 || next == 60) {
      if (!body.skip(len8 * 8u + 6u)) return false;
    } else if (next == 44) {
      uint16_t off = 0;
      if (!body.read_u16(off) || (off & 0xFFF8u) != 0 || !body.skip(4)) return false;
    } else {
      return false;
    }
    next = following;
  }
  uint8_t a[16], b[16];
  for (std::size_t i = 0; i < 16; ++i) a[i] = src[i], b[i] = dst[i];
  out.from = SocketAddr::v6(a, 0);
  out.to = SocketAddr::v6(b, 0);
  return decode_udp(body.rest(), out);
}

bool decode_ip(Bytes packet, CapturedDatagram& out) {
  uint8_t first = 0;
  if (!ByteReader(packet).peek_u8(first)) return false;
  if ((first >> 4) == 4) return decode_ipv4(packet, out);
  if ((first >> 4) == 6) return decode_ipv6(packet, out);
  return false;
}

bool decode_ethertype(uint16_t ethertype, Bytes rest, CapturedDatagram& out) {
  if (ethertype == 0x0800) return decode_ipv4(rest, out);
  if (ethertype == 0x86DD) return decode_ipv6(rest, out);
  return false;
}

bool decode_ethernet(Bytes frame, CapturedDatagram& out) {
  ByteReader r(frame);
  uint16_t ethertype = 0;
  if (!r.skip(12) || !r.read_u16(ethertype)) return false;
  for (int tags = 0; (ethertype == 0x8100 || ethertype == 0x88A8) && tags < 2; ++tags)  // IEEE 802.1Q
    if (!r.skip(2) || !r.read_u16(ethertype)) return false;
  return decode_ethertype(ethertype, r.rest(), out);
}

}  // namespace

bool decode_frame(uint32_t link_type, Bytes frame, CapturedDatagram& out) {
  ByteReader r(frame);
  uint16_t proto = 0;
  switch (link_type) {
    case kLinkEthernet: return decode_ethernet(frame, out);
    case kLinkRaw: case kLinkIpv4: case kLinkIpv6: return decode_ip(frame, out);
    case kLinkNull:  // a 4-byte address family in the capturing host's order
      return r.skip(4) && decode_ip(r.rest(), out);
    case kLinkLinuxSll:  // 16 bytes, the protocol type last
      return r.skip(14) && r.read_u16(proto) && decode_ethertype(proto, r.rest(), out);
    case kLinkLinuxSll2:  // 20 bytes, the protocol type first
      return r.read_u16(proto) && r.skip(18) && decode_ethertype(proto, r.rest(), out);
    default: return false;
  }
}

namespace {

void add_frame(CaptureContents& c, uint32_t link, uint64_t time_us, Bytes frame) {
  ++c.frames;
  CapturedDatagram d;
  d.frame = c.frames;
  d.time_us = time_us;
  if (decode_frame(link, frame, d)) c.datagrams.push_back(d);
  else ++c.skipped;
}

void read_pcap(Bytes file, CaptureContents& c) {
  EndianReader e{ByteReader(file)};
  uint32_t magic = 0;
  if (!e.r.read_u32(magic)) return void(c.error = "pcap: truncated global header");
  if (magic != kPcapMagicUs && magic != kPcapMagicNs) {
    e.little = true;
    magic = swap32(magic);
  }
  bool nanos = magic == kPcapMagicNs;
  uint32_t link = 0;
  if (!e.r.skip(16) || !e.u32(link)) return void(c.error = "pcap: truncated global header");
  link &= 0x0FFFFFFFu;  // the top bits hold the FCS length (pcap-linktype)
  while (!e.r.at_end()) {
    uint32_t sec = 0, frac = 0, incl = 0, orig = 0;
    Bytes data;
    if (!e.u32(sec) || !e.u32(frac) || !e.u32(incl) || !e.u32(orig))
      return void(c.error = "pcap: truncated record header");
    if (!e.r.read_bytes(incl, data)) return void(c.error = "pcap: record runs past the end of the file");
    add_frame(c, link, uint64_t{sec} * 1000000u + (nanos ? frac / 1000u : frac), data);
  }
}

// pcapng §4.2: the interface's timestamp resolution (if_tsresol, option 9).
uint64_t tsresol_divisor(Bytes options, bool little) {
  EndianReader o{ByteReader(options), little};
  uint16_t code = 0, len = 0;
  while (o.u16(code) && o.u16(len) && code != 0) {
    ByteReader value;
    if (!o.r.read_sub(len, value) || !o.r.skip((4 - len % 4) % 4)) break;
    uint8_t res = 0;
    if (code != 9 || !value.read_u8(res)) continue;
    if ((res & 0x80) != 0 || res < 6 || res > 15) return 1;  // powers of two and coarse units: not supported
    uint64_t div = 1;
    for (uint8_t i = 6; i < res; ++i) div *= 10;
    return div;
  }
  return 1;  // default: microseconds
}

struct Interface {
  uint32_t link = 0;
  uint64_t divisor = 1;
};

bool read_pcapng_block(EndianReader& e, uint32_t type, Bytes body, std::vector<Interface>& ifaces,
                       CaptureContents& c) {
  EndianReader b{ByteReader(body), e.little};
  if (type == kPcapngInterface) {
    uint16_t link = 0;
    if (!b.u16(link) || !b.r.skip(6) || ifaces.size() >= kMaxInterfaces) return false;
    ifaces.push_back({link, tsresol_divisor(b.r.rest(), e.little)});
  } else if (type == kPcapngEnhancedPacket) {
    uint32_t id = 0, hi = 0, lo = 0, caplen = 0, orig = 0;
    Bytes data;
    if (!b.u32(id) || !b.u32(hi) || !b.u32(lo) || !b.u32(caplen) || !b.u32(orig) || id >= ifaces.size() ||
        !b.r.read_bytes(caplen, data))
      return false;
    add_frame(c, ifaces[id].link, ((uint64_t{hi} << 32) | lo) / ifaces[id].divisor, data);
  } else if (type == kPcapngSimplePacket) {
    uint32_t orig = 0;
    if (!b.u32(orig) || ifaces.empty()) return false;
    Bytes data = b.r.rest();
    add_frame(c, ifaces[0].link, 0, data.first(orig < data.size() ? orig : data.size()));
  }
  return true;
}

void read_pcapng(Bytes file, CaptureContents& c) {
  EndianReader e{ByteReader(file)};
  std::vector<Interface> ifaces;
  while (!e.r.at_end()) {
    uint32_t type = 0, total = 0, trailer = 0;
    if (!e.r.read_u32(type)) return void(c.error = "pcapng: truncated block header");
    if (type == kPcapngSectionHeader) {  // a new section: its own byte order and interfaces
      ByteReader peek = e.r;
      uint32_t magic = 0;
      if (!peek.skip(4) || !peek.read_u32(magic)) return void(c.error = "pcapng: truncated section header");
      e.little = magic != kPcapngByteOrderMagic;
      if (e.little && swap32(magic) != kPcapngByteOrderMagic) return void(c.error = "pcapng: bad byte-order magic");
      ifaces.clear();
    } else if (e.little) {
      type = swap32(type);
    }
    ByteReader body;
    if (!e.u32(total) || total < 12 || total % 4 != 0 || !e.r.read_sub(total - 12u, body) || !e.u32(trailer) ||
        trailer != total)
      return void(c.error = "pcapng: block length out of bounds");
    if (!read_pcapng_block(e, type, body.rest(), ifaces, c)) return void(c.error = "pcapng: malformed block");
  }
}

}  // namespace

bool looks_like_capture(Bytes file) {
  uint32_t magic = 0;
  if (!ByteReader(file).read_u32(magic)) return false;
  return magic == kPcapngSectionHeader || magic == kPcapMagicUs || magic == kPcapMagicNs ||
         swap32(magic) == kPcapMagicUs || swap32(magic) == kPcapMagicNs;
}

CaptureContents read_capture(Bytes file) {
  CaptureContents c;
  uint32_t magic = 0;
  if (!ByteReader(file).read_u32(magic) || !looks_like_capture(file)) {
    c.error = "not a pcap or pcapng file";
    return c;
  }
  c.pcapng = magic == kPcapngSectionHeader;
  if (c.pcapng) read_pcapng(file, c);
  else read_pcap(file, c);
  return c;
}

}  // namespace keyway::explain
