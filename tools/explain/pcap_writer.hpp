// SPDX-License-Identifier: Apache-2.0
// Writes UDP datagrams as a pcap file (libpcap format, big-endian, link type
// RAW = 101: each record is an IPv4 or IPv6 packet carrying UDP), the shape
// Wireshark, tshark and `keyway explain` read.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/socket_addr.hpp"

namespace keyway::explain {

class PcapWriter {
 public:
  PcapWriter();  // starts with the global header
  // Appends one datagram (from and to must be of the same family).
  void add(uint64_t time_us, const SocketAddr& from, const SocketAddr& to, Bytes payload);
  const std::vector<uint8_t>& bytes() const { return file_; }
  // Hands over what was written so far and starts empty (for writing a file
  // as it grows: the header first, then each record).
  std::vector<uint8_t> drain() { return std::exchange(file_, {}); }

 private:
  std::vector<uint8_t> file_;
};

}  // namespace keyway::explain
