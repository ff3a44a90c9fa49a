// SPDX-License-Identifier: Apache-2.0
// pcap writer (see pcap_writer.hpp).
#include "tools/explain/pcap_writer.hpp"

namespace keyway::explain {
namespace {

constexpr uint32_t kLinkRaw = 101;
constexpr uint8_t kIpProtoUdp = 17;

// RFC 1071: the ones' complement sum, folded.
uint32_t sum16(Bytes b, uint32_t sum = 0) {
  for (std::size_t i = 0; i < b.size(); i += 2)
    sum += static_cast<uint32_t>(b[i] << 8) | (i + 1 < b.size() ? b[i + 1] : 0u);
  return sum;
}
uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFFu) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

void write_udp(ByteWriter& w, const SocketAddr& from, const SocketAddr& to, Bytes payload, uint16_t checksum) {
  w.write_u16(from.port);
  w.write_u16(to.port);
  w.write_u16(static_cast<uint16_t>(8 + payload.size()));
  w.write_u16(checksum);
  w.write_bytes(payload);
}

// RFC 8200 §8.1: the UDP checksum over the pseudo-header is mandatory in IPv6.
uint16_t udp6_checksum(const SocketAddr& from, const SocketAddr& to, Bytes payload) {
  uint32_t len = static_cast<uint32_t>(8 + payload.size());
  uint32_t s = sum16(Bytes(from.ip, 16), sum16(Bytes(to.ip, 16)));
  s += (len >> 16) + (len & 0xFFFFu) + kIpProtoUdp + from.port + to.port + len;
  uint16_t c = fold(sum16(payload, s));
  return c == 0 ? 0xFFFF : c;
}

}  // namespace

PcapWriter::PcapWriter() {
  file_.resize(24);
  ByteWriter w(MutableBytes(file_.data(), file_.size()));
  w.write_u32(0xA1B2C3D4);  // microsecond timestamps, written big-endian
  w.write_u16(2);
  w.write_u16(4);
  w.write_u32(0);       // thiszone
  w.write_u32(0);       // sigfigs
  w.write_u32(65535);   // snaplen
  w.write_u32(kLinkRaw);
}

void PcapWriter::add(uint64_t time_us, const SocketAddr& from, const SocketAddr& to, Bytes payload) {
  bool v4 = from.family == Family::v4;
  std::size_t ip_len = (v4 ? 20 : 40) + 8 + payload.size();
  std::size_t at = file_.size();
  file_.resize(at + 16 + ip_len);
  ByteWriter w(MutableBytes(file_.data() + at, 16 + ip_len));
  w.write_u32(static_cast<uint32_t>(time_us / 1000000u));
  w.write_u32(static_cast<uint32_t>(time_us % 1000000u));
  w.write_u32(static_cast<uint32_t>(ip_len));
  w.write_u32(static_cast<uint32_t>(ip_len));
  if (v4) {  // RFC 791 §3.1, with the header checksum filled in
    uint8_t h[20] = {0x45, 0, static_cast<uint8_t>(ip_len >> 8), static_cast<uint8_t>(ip_len), 0, 0, 0x40, 0, 64,
                     kIpProtoUdp};
    for (int i = 0; i < 4; ++i) h[12 + i] = from.ip[i], h[16 + i] = to.ip[i];
    uint16_t c = fold(sum16(Bytes(h, 20)));
    h[10] = static_cast<uint8_t>(c >> 8);
    h[11] = static_cast<uint8_t>(c);
    w.write_bytes(Bytes(h, 20));
    write_udp(w, from, to, payload, 0);  // RFC 768: zero means "no checksum" over IPv4
  } else {  // RFC 8200 §3
    w.write_u32(0x60000000);
    w.write_u16(static_cast<uint16_t>(8 + payload.size()));
    w.write_u8(kIpProtoUdp);
    w.write_u8(64);
    w.write_bytes(Bytes(from.ip, 16));
    w.write_bytes(Bytes(to.ip, 16));
    write_udp(w, from, to, payload, udp6_checksum(from, to, payload));
  }
}

}  // namespace keyway::explain
