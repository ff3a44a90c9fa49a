// SPDX-License-Identifier: Apache-2.0
// Capture of a command's datagrams (see capture.hpp).
#include "tools/capture.hpp"

#include <chrono>
#include <cstdio>
#include <optional>

#include "keyway/peer/connection.hpp"
#include "keyway/srtp/keying.hpp"
#include "keyway/srtp/profile.hpp"
#include "tools/explain/explain.hpp"
#include "tools/explain/srtp_keys.hpp"

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
  uint64_t us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now).count());
  writer_.add(us, from, to, datagram);
  flush();
  if (keep_) kept_.push_back({us, from, to, std::vector<uint8_t>(datagram.begin(), datagram.end())});
}

bool CaptureFile::write_plain(const std::string& path, uint16_t profile, Bytes material, std::string& error) const {
  explain::SrtpKeys keys;
  auto p = srtp::profile_from_dtls_id(profile);
  if (!p.ok()) {
    error = "no SRTP profile was negotiated";
    return false;
  }
  keys.profile = *p;
  keys.material.assign(material.begin(), material.end());
  explain::SrtpDecryptor srtp;
  if (!srtp.init(keys, error)) return false;
  explain::PcapWriter plain;
  for (const Kept& k : kept_) {
    Bytes b(k.bytes.data(), k.bytes.size());
    explain::Kind kind = explain::classify(b);
    std::optional<explain::SrtpPlain> open;
    if (kind == explain::Kind::rtp) open = srtp.rtp(b);
    if (kind == explain::Kind::rtcp) open = srtp.rtcp(b);
    plain.add(k.time_us, k.from, k.to, open ? Bytes(open->bytes.data(), open->bytes.size()) : b);
  }
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    error = "cannot write " + path;
    return false;
  }
  bool ok = std::fwrite(plain.bytes().data(), 1, plain.bytes().size(), f) == plain.bytes().size();
  return std::fclose(f) == 0 && ok;
}

CaptureFile::CaptureFile(const std::string& path) : file_(path.empty() ? nullptr : std::fopen(path.c_str(), "wb")) {
  if (file_ == nullptr && !path.empty()) std::fprintf(stderr, "keyway: cannot write the capture %s\n", path.c_str());
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

// --keylog: appended at the end of the call, as SSLKEYLOGFILE is (one file, many runs).
void write_key_log(const peer::Connection& conn, const std::string& path) {
  char line[dtls::Endpoint::kKeyLogMaxSize];
  if (conn.dtls() == nullptr || !conn.dtls()->format_key_log(line, sizeof line).ok()) {
    std::fprintf(stderr, "keyway: no key log: the DTLS handshake did not complete\n");
    return;
  }
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr || std::fputs(line, f) < 0) std::fprintf(stderr, "keyway: cannot write the key log %s\n", path.c_str());
  if (f != nullptr) std::fclose(f);
}

// --pcap-plain: the DTLS-SRTP keys of the call (RFC 5764 §4.2) open the media.
void write_plain_capture(const peer::Connection& conn, const CaptureFile& capture, const std::string& path) {
  const dtls::Endpoint* ep = conn.dtls();
  auto profile = ep != nullptr ? srtp::profile_from_dtls_id(ep->srtp_profile()) : Result<srtp::Profile>(Error{});
  std::string error = "the DTLS handshake did not complete";
  if (profile.ok()) {
    std::vector<uint8_t> material(srtp::dtls_srtp_material_len(*profile));
    if (ep->export_keying_material("EXTRACTOR-dtls_srtp", material).ok() &&
        capture.write_plain(path, ep->srtp_profile(), Bytes(material.data(), material.size()), error))
      return;
  }
  std::fprintf(stderr, "keyway: --pcap-plain %s: %s\n", path.c_str(), error.c_str());
}

}  // namespace keyway::tools
