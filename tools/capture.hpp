// SPDX-License-Identifier: Apache-2.0
// `--pcap FILE` on the commands that use real sockets (issue 15): every
// datagram a UdpSocket sends or receives, with its real addresses and the
// wall-clock time, written as a pcap (tools/explain/pcap_writer.hpp) that
// Wireshark and `keyway explain` read. Each datagram is written and flushed
// as it passes, so the file is whole even if the command is killed.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/socket_addr.hpp"
#include "tools/explain/pcap_writer.hpp"

namespace keyway::peer {
class Connection;
}

namespace keyway::tools {

class CaptureFile {
 public:
  explicit CaptureFile(const std::string& path);  // creates the file ("": none; a message on stderr if it cannot)
  ~CaptureFile();
  CaptureFile(const CaptureFile&) = delete;
  CaptureFile& operator=(const CaptureFile&) = delete;

  void record(const SocketAddr& from, const SocketAddr& to, Bytes datagram);

  // --pcap-plain: keep every datagram, and at the end write a second capture
  // where each SRTP/SRTCP packet that the DTLS-SRTP keys open is replaced by
  // its plaintext (same times and addresses), for Wireshark's RTP analysis.
  void keep_datagrams() { keep_ = true; }
  // profile: the DTLS-SRTP profile id; material: the exporter output (RFC 5764 §4.2).
  bool write_plain(const std::string& path, uint16_t profile, Bytes material, std::string& error) const;

  struct Kept {
    uint64_t time_us;
    SocketAddr from, to;
    std::vector<uint8_t> bytes;
  };
  // The datagrams kept (keep_datagrams()), in the order they passed (--html reads them too).
  const std::vector<Kept>& kept() const { return kept_; }

 private:
  void flush();
  std::FILE* file_ = nullptr;
  explain::PcapWriter writer_;
  bool keep_ = false;
  std::vector<Kept> kept_;
};

// --keylog: the call's NSS key log line, appended (one file, many runs).
void write_key_log(const peer::Connection& conn, const std::string& path);
// --pcap-plain: `capture` (which kept its datagrams) with the media opened by
// the call's DTLS-SRTP keys (RFC 5764 §4.2).
void write_plain_capture(const peer::Connection& conn, const CaptureFile& capture, const std::string& path);

}  // namespace keyway::tools
