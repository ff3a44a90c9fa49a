// SPDX-License-Identifier: Apache-2.0
// The capture reader of `keyway explain` (tools/explain/pcap.cpp): pcap
// written by PcapWriter (IPv4 and IPv6), a little-endian pcapng built by hand,
// truncated files; then the keyway command run on a capture of a whole DTLS
// handshake plus a STUN check, with every datagram's addresses.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <unistd.h>
#include <fstream>
#include <string>
#include <vector>

#include "tests/dtls/fixture.hpp"
#include "tests/explain/capture.hpp"
#include "tools/explain/pcap.hpp"
#include "tools/explain/pcap_writer.hpp"

namespace keyway::explain {
namespace {

std::string text(const SocketAddr& a) {
  char buf[kMaxAddrText];
  a.format(buf, sizeof buf);
  return buf;
}

const uint8_t kV6a[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

TEST_CASE("pcap: what PcapWriter writes, read_capture reads back with the 5-tuple") {
  PcapWriter w;
  const uint8_t p1[] = {0, 1, 0, 0, 0x21, 0x12, 0xA4, 0x42};
  const uint8_t p2[] = {0x16, 0xFE, 0xFD, 9};
  w.add(1'700'000'000'123'456ull, SocketAddr::v4(127, 0, 0, 1, 5000), SocketAddr::v4(127, 0, 0, 2, 6000), Bytes(p1, 8));
  w.add(1'700'000'001'000'000ull, SocketAddr::v6(kV6a, 7000), SocketAddr::v6(kV6a, 7001), Bytes(p2, 4));
  CaptureContents c = read_capture(Bytes(w.bytes().data(), w.bytes().size()));
  CHECK(c.error.empty());
  CHECK(!c.pcapng);
  CHECK(c.frames == 2);
  REQUIRE(c.datagrams.size() == 2);
  CHECK(text(c.datagrams[0].from) == "127.0.0.1:5000");
  CHECK(text(c.datagrams[0].to) == "127.0.0.2:6000");
  CHECK(c.datagrams[0].time_us == 1'700'000'000'123'456ull);
  CHECK(c.datagrams[0].payload.size() == 8);
  CHECK(c.datagrams[0].payload[4] == 0x21);
  CHECK(text(c.datagrams[1].from) == "[::1]:7000");
  CHECK(text(c.datagrams[1].to) == "[::1]:7001");
  CHECK(c.datagrams[1].frame == 2);
  CHECK(c.datagrams[1].payload.size() == 4);
}

void le32(std::vector<uint8_t>& v, uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
}
void le16(std::vector<uint8_t>& v, uint16_t x) {
  v.push_back(static_cast<uint8_t>(x));
  v.push_back(static_cast<uint8_t>(x >> 8));
}

// A pcapng as Wireshark writes it on a little-endian host: SHB, IDB
// (Ethernet, if_tsresol 9 = nanoseconds), one EPB with Ethernet + IPv4 + UDP.
std::vector<uint8_t> pcapng_file() {
  std::vector<uint8_t> f;
  le32(f, 0x0A0D0D0A);
  le32(f, 28);
  le32(f, 0x1A2B3C4D);
  le16(f, 1);
  le16(f, 0);
  le32(f, 0xFFFFFFFF);
  le32(f, 0xFFFFFFFF);  // section length: unknown
  le32(f, 28);
  le32(f, 1);  // IDB
  le32(f, 28);
  le16(f, 1);  // Ethernet
  le16(f, 0);
  le32(f, 65535);
  le16(f, 9);  // if_tsresol
  le16(f, 1);
  f.insert(f.end(), {9, 0, 0, 0});
  le32(f, 28);
  // Ethernet + IPv4 + UDP 127.0.0.1:1111 -> 127.0.0.1:2222, payload 3 bytes (RTP-ish)
  std::vector<uint8_t> frame(12, 0);
  frame.insert(frame.end(), {0x08, 0x00, 0x45, 0, 0, 31, 0, 0, 0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1,
                             0x04, 0x57, 0x08, 0xAE, 0, 11, 0, 0, 0x80, 0x60, 0x01});
  uint32_t padded = static_cast<uint32_t>((frame.size() + 3) / 4 * 4);
  le32(f, 6);
  le32(f, 32 + padded);
  le32(f, 0);
  uint64_t ns = 1'700'000'000'000'000'500ull;
  le32(f, static_cast<uint32_t>(ns >> 32));
  le32(f, static_cast<uint32_t>(ns));
  le32(f, static_cast<uint32_t>(frame.size()));
  le32(f, static_cast<uint32_t>(frame.size()));
  f.insert(f.end(), frame.begin(), frame.end());
  f.resize(f.size() + (padded - frame.size()), 0);
  le32(f, 32 + padded);
  return f;
}

TEST_CASE("pcapng: little-endian section, Ethernet, nanosecond timestamps") {
  std::vector<uint8_t> f = pcapng_file();
  CaptureContents c = read_capture(Bytes(f.data(), f.size()));
  CHECK(c.error.empty());
  CHECK(c.pcapng);
  REQUIRE(c.datagrams.size() == 1);
  CHECK(text(c.datagrams[0].from) == "127.0.0.1:1111");
  CHECK(text(c.datagrams[0].to) == "127.0.0.1:2222");
  CHECK(c.datagrams[0].time_us == 1'700'000'000'000'000ull);
  CHECK(c.datagrams[0].payload.size() == 3);
}

TEST_CASE("pcap and pcapng: every truncation ends with an error, never a read past the end") {
  PcapWriter w;
  const uint8_t p[] = {1, 2, 3, 4, 5};
  w.add(1, SocketAddr::v4(127, 0, 0, 1, 1), SocketAddr::v4(127, 0, 0, 1, 2), Bytes(p, 5));
  for (const std::vector<uint8_t>& file : {w.bytes(), pcapng_file()}) {
    for (std::size_t n = 4; n < file.size(); ++n) {
      std::vector<uint8_t> cut(file.begin(), file.begin() + static_cast<long>(n));  // exact size: ASan sees overreads
      CaptureContents c = read_capture(Bytes(cut.data(), cut.size()));
      CHECK_MESSAGE((!c.error.empty() || c.datagrams.empty() || c.datagrams[0].payload.size() <= 5), n);
    }
  }
  CHECK(!read_capture(Bytes(p, 5)).error.empty());  // not a capture
}

// The command on a capture: a STUN check, then a whole keyway DTLS handshake
// with its first ClientHello split in two (as a 1,4xx-byte browser hello is).
TEST_CASE("keyway explain FILE.pcap: every datagram with its addresses, the ClientHello reassembled") {
  const char* exe = std::getenv("KEYWAY_EXE");
  REQUIRE_MESSAGE(exe != nullptr, "KEYWAY_EXE is set by meson");
  RecordedHandshake recorded;
  const Seen& seen = recorded.seen;
  REQUIRE(!seen.empty());

  SocketAddr client = SocketAddr::v4(127, 0, 0, 1, 50000), server = SocketAddr::v4(127, 0, 0, 1, 50001);
  PcapWriter w;
  uint64_t t = 1'800'000'000'000'000ull;
  // RFC 5769 §2.1's request, as if the client had sent it.
  const char* stun = "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74002400046e0001ff"
                     "80290008932ff9b151263b36000600096576746a3a68367659202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1"
                     "b571a280280004e57a3bcf";
  std::vector<uint8_t> s;
  for (const char* h = stun; h[0] != 0 && h[1] != 0; h += 2) s.push_back(static_cast<uint8_t>(std::stoi(std::string(h, 2), nullptr, 16)));
  w.add(t, client, server, Bytes(s.data(), s.size()));
  // The first ClientHello (one record, one fragment), re-cut into two records in two datagrams.
  const std::vector<uint8_t>& ch = seen[0].second;
  REQUIRE(ch.size() > 25);
  REQUIRE(ch[0] == 22);
  std::size_t body_len = ch.size() - 25, half = body_len / 2;
  auto part = [&](uint64_t seq, std::size_t off, std::size_t len) {
    std::vector<uint8_t> r(25 + len);
    std::copy(ch.begin(), ch.begin() + 25, r.begin());
    r[10] = static_cast<uint8_t>(seq);
    r[11] = static_cast<uint8_t>((12 + len) >> 8);
    r[12] = static_cast<uint8_t>(12 + len);
    r[19] = static_cast<uint8_t>(off >> 16), r[20] = static_cast<uint8_t>(off >> 8), r[21] = static_cast<uint8_t>(off);
    r[22] = static_cast<uint8_t>(len >> 16), r[23] = static_cast<uint8_t>(len >> 8), r[24] = static_cast<uint8_t>(len);
    std::copy(ch.begin() + 25 + static_cast<long>(off), ch.begin() + 25 + static_cast<long>(off + len), r.begin() + 25);
    return r;
  };
  std::vector<uint8_t> a = part(0, 0, half), b = part(1, half, body_len - half);
  w.add(t + 1000, client, server, Bytes(a.data(), a.size()));
  w.add(t + 2000, client, server, Bytes(b.data(), b.size()));
  for (std::size_t i = 1; i < seen.size(); ++i) {
    bool to_server = seen[i].first == 1;
    w.add(t + 3000 + i * 1000, to_server ? client : server, to_server ? server : client,
          Bytes(seen[i].second.data(), seen[i].second.size()));
  }
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("keyway-explain-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::path cap = dir / "call.pcap", txt = dir / "out.txt";
  std::ofstream(cap, std::ios::binary).write(reinterpret_cast<const char*>(w.bytes().data()),
                                             static_cast<std::streamsize>(w.bytes().size()));
  std::string cmd = std::string(exe) + " explain --password VOkJxbRl1RmTxUk/WvJxBt " + cap.string() + " > " + txt.string();
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream in(txt);
  std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove_all(dir);
  CHECK_MESSAGE(out.find(fmt::format("pcap: {} frame(s), {} UDP datagram(s), 0 other frame(s) skipped", seen.size() + 2,
                                     seen.size() + 2)) != std::string::npos, out);
  CHECK_MESSAGE(out.find("datagram 1 (frame 1, +0.000000 s): UDP 127.0.0.1:50000 > 127.0.0.1:50001, 108 bytes") !=
                    std::string::npos, out);
  CHECK(out.find("HMAC-SHA1: valid with password") != std::string::npos);
  CHECK(out.find("held by dtls::Reassembler until the rest arrives") != std::string::npos);
  CHECK_MESSAGE(out.find(fmt::format("reassembled ClientHello (message_seq 0, {} bytes from 2 fragments", body_len)) !=
                    std::string::npos, out);
  CHECK(out.find("extension use_srtp (14)") != std::string::npos);
  CHECK(out.find("UDP 127.0.0.1:50001 > 127.0.0.1:50000") != std::string::npos);
  CHECK(out.find("refuses it") == std::string::npos);
}

}  // namespace
}  // namespace keyway::explain
