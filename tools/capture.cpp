// SPDX-License-Identifier: Apache-2.0
// Capture of a command's datagrams (see capture.hpp).
#include "tools/capture.hpp"

#include <chrono>
#include <cstdio>

namespace keyway::tools {

namespace {
// A socket bound to 0.0.0.0 or :: does not know its source address; towards
// a loopback peer the kernel sends from 127.0.0.1 (the local route's src) or ::1.
SocketAddr concrete(SocketAddr local, const SocketAddr& peer) {
  bool loopback = peer.family == Family::v4 ? peer.ip[0] == 127 : SocketAddr::v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 0).same_ip(peer);
  if (!local.is_unspecified() || !loopback) return local;
  if (peer.family == Family::v4) return SocketAddr::v4(127, 0, 0, 1, local.port);
  local.ip[15] = 1;
  return local;
}
}  // namespace

void CaptureFile::record(const SocketAddr& from_in, const SocketAddr& to_in, Bytes datagram) {
  SocketAddr from = concrete(from_in, to_in), to = concrete(to_in, from_in);
  auto now = std::chrono::system_clock::now().time_since_epoch();
  writer_.add(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now).count()), from, to,
              datagram);
  flush();
}

CaptureFile::CaptureFile(const std::string& path) : file_(std::fopen(path.c_str(), "wb")) {
  if (file_ == nullptr) std::fprintf(stderr, "keyway: cannot write the capture %s\n", path.c_str());
  flush();  // the global header
}

CaptureFile::~CaptureFile() {
  if (file_ != nullptr) std::fclose(file_);
}

void CaptureFile::flush() {
  std::vector<uint8_t> b = writer_.drain();
  if (file_ == nullptr) return;
  std::fwrite(b.data(), 1, b.size(), file_);
  std::fflush(file_);
}

}  // namespace keyway::tools
