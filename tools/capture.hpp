// SPDX-License-Identifier: Apache-2.0
// `--pcap FILE` on the commands that use real sockets (issue 15): every
// datagram a UdpSocket sends or receives, with its real addresses and the
// wall-clock time, written as a pcap (tools/explain/pcap_writer.hpp) that
// Wireshark and `keyway explain` read. Written when the command ends.
#pragma once

#include <string>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/socket_addr.hpp"
#include "tools/explain/pcap_writer.hpp"

namespace keyway::tools {

class CaptureFile {
 public:
  explicit CaptureFile(std::string path) : path_(std::move(path)) {}
  ~CaptureFile() { save(); }
  CaptureFile(const CaptureFile&) = delete;
  CaptureFile& operator=(const CaptureFile&) = delete;

  void record(const SocketAddr& from, const SocketAddr& to, Bytes datagram);
  // Writes the file (again, with everything so far); false if it cannot.
  bool save();

 private:
  std::string path_;
  explain::PcapWriter writer_;
};

}  // namespace keyway::tools
