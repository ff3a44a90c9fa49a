// SPDX-License-Identifier: Apache-2.0
// A small UDP driver for real use: non-blocking sockets, one poll(2) loop
// and the real monotonic clock, kept outside the sans-IO core (issue 6).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "keyway/ice/address.hpp"
#include "keyway/lib/result.hpp"
#include "keyway/lib/time.hpp"

namespace keyway::tools {

class CaptureFile;  // capture.hpp

// Fills ss with a (IPv4 or IPv6) and returns its length, for bind/connect/sendto
// (the UDP driver here and the TURN TCP connection, tools/turn_tcp.cpp).
socklen_t to_sockaddr(const ice::SocketAddr& a, sockaddr_storage& ss);

class UdpSocket {
 public:
  UdpSocket() = default;
  ~UdpSocket();
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  UdpSocket(UdpSocket&& o) noexcept
      : capture_(o.capture_), capture_sends_only_(o.capture_sends_only_), fd_(o.fd_), local_(o.local_) {
    o.fd_ = -1;
  }

  // Binds to addr (port 0: an ephemeral port); non-blocking.
  [[nodiscard]] Status open(const ice::SocketAddr& addr);
  int fd() const { return fd_; }
  const ice::SocketAddr& local() const { return local_; }
  // false if the kernel refused (the datagram is simply lost, as UDP is).
  bool send_to(const ice::SocketAddr& to, std::span<const uint8_t> bytes);
  // One datagram, or nullopt when nothing is waiting.
  std::optional<std::size_t> recv_from(std::span<uint8_t> buf, ice::SocketAddr& from);
  // --pcap: every datagram sent and received is also recorded there (only
  // those sent when both ends of a path are keyway's sockets, as in demo:
  // each datagram once, as a capture on the loopback interface shows it).
  void set_capture(CaptureFile* capture, bool sends_only = false) {
    capture_ = capture;
    capture_sends_only_ = sends_only;
  }

 private:
  CaptureFile* capture_ = nullptr;
  bool capture_sends_only_ = false;
  int fd_ = -1;
  ice::SocketAddr local_{};
};

// Waits until one of fds is readable or the deadline passes (monotonic).
// Returns the index of a readable fd, or -1 on timeout.
int wait_readable(std::span<const int> fds, Timestamp deadline);

// "127.0.0.1:5000", "[::1]:5000", "127.0.0.1" (port 0).
[[nodiscard]] Result<ice::SocketAddr> parse_socket_addr(const std::string& text);
std::string to_string(const ice::SocketAddr& a);

}  // namespace keyway::tools
