// SPDX-License-Identifier: Apache-2.0
// `--pcap FILE` on the commands that use real sockets (issue 15): every
// datagram a UdpSocket sends or receives, with its real addresses and the
// wall-clock time, written as a pcap (tools/explain/pcap_writer.hpp) that
// Wireshark and `keyway explain` read. Each datagram is written and flushed
// as it passes, so the file is whole even if the command is killed.
#pragma once

#include <cstdio>
#include <string>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/socket_addr.hpp"
#include "tools/explain/pcap_writer.hpp"

namespace keyway::tools {

class CaptureFile {
 public:
  explicit CaptureFile(const std::string& path);  // creates the file (a message on stderr if it cannot)
  ~CaptureFile();
  CaptureFile(const CaptureFile&) = delete;
  CaptureFile& operator=(const CaptureFile&) = delete;

  void record(const SocketAddr& from, const SocketAddr& to, Bytes datagram);

 private:
  void flush();
  std::FILE* file_ = nullptr;
  explain::PcapWriter writer_;
};

}  // namespace keyway::tools
