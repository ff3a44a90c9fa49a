// SPDX-License-Identifier: Apache-2.0
// Real sockets on 127.0.0.1 for the TURN tests against coturn (issue 14):
// a UDP socket, and a client's link to a TURN server over UDP or over TCP
// (the TCP bytes go through the sans-IO stream framer, RFC 8656 §3.1).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "keyway/ice/address.hpp"
#include "keyway/ice/turn/stream_framer.hpp"
#include "keyway/lib/time.hpp"

namespace keyway::test {

using ice::SocketAddr;

inline Timestamp clock_now() {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now().time_since_epoch()).count();
  return Timestamp::from_micros(static_cast<uint64_t>(us));
}

inline SocketAddr from_sockaddr(const sockaddr_in& sa) {
  uint32_t ip = ntohl(sa.sin_addr.s_addr);
  return SocketAddr::v4(static_cast<uint8_t>(ip >> 24), static_cast<uint8_t>(ip >> 16), static_cast<uint8_t>(ip >> 8),
                        static_cast<uint8_t>(ip), ntohs(sa.sin_port));
}

inline sockaddr_in to_sockaddr(const SocketAddr& a) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(a.port);
  std::memcpy(&sa.sin_addr.s_addr, a.ip, 4);
  return sa;
}

inline std::string text(const SocketAddr& a) {
  char buf[kMaxAddrText];
  a.format(buf, sizeof buf);
  return buf;
}

// A UDP socket on 127.0.0.1, any port.
struct Udp {
  int fd = -1;
  SocketAddr addr{};
  Udp() {
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    addr = from_sockaddr(sa);
  }
  ~Udp() { close(fd); }
  void send(const SocketAddr& to, Bytes b) const {
    sockaddr_in sa = to_sockaddr(to);
    (void)sendto(fd, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  }
  // One datagram if one is waiting.
  bool recv(std::vector<uint8_t>& out, SocketAddr& from) const {
    uint8_t buf[2048];
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    ssize_t n = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&sa), &len);
    if (n < 0) return false;
    out.assign(buf, buf + n);
    from = from_sockaddr(sa);
    return true;
  }
};

// The client's connection to the server: a UDP socket, or a TCP connection
// whose bytes go through the sans-IO stream framer (RFC 8656 §3.1).
struct Link {
  bool tcp = false;
  Udp udp;
  int tcp_fd = -1;
  SocketAddr addr{};  // the local address
  SocketAddr server{};
  ice::turn::StreamFramer framer;

  Link(bool over_tcp, SocketAddr srv) : tcp(over_tcp), server(srv) {
    addr = udp.addr;
    if (!tcp) return;
    tcp_fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa = to_sockaddr(srv);
    if (connect(tcp_fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) std::perror("connect");
    sockaddr_in me{};
    socklen_t len = sizeof me;
    getsockname(tcp_fd, reinterpret_cast<sockaddr*>(&me), &len);
    addr = from_sockaddr(me);
  }
  ~Link() {
    if (tcp_fd >= 0) close(tcp_fd);
  }
  int fd() const { return tcp ? tcp_fd : udp.fd; }
  void send(const SocketAddr& to, Bytes b) const {
    if (!tcp) return udp.send(to, b);
    for (std::size_t at = 0; at < b.size();) {
      ssize_t n = write(tcp_fd, b.data() + at, b.size() - at);
      if (n <= 0) return;
      at += static_cast<std::size_t>(n);
    }
  }
  // Every message waiting, whole: datagrams, or frames of the stream.
  template <typename F>
  void receive(F&& deliver) {
    std::vector<uint8_t> d;
    SocketAddr from;
    if (!tcp) {
      while (udp.recv(d, from)) deliver(Bytes(d), from);
      return;
    }
    uint8_t buf[4096];
    ssize_t n = recv(tcp_fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) return;
    for (std::size_t at = 0; at < static_cast<std::size_t>(n);) {
      at += framer.push(Bytes(buf + at, static_cast<std::size_t>(n) - at));
      for (;;) {
        auto m = framer.next();
        if (!m.ok()) {
          std::fprintf(stderr, "tcp stream broke\n");
          return;
        }
        if (m->empty()) break;
        deliver(*m, server);
      }
    }
  }
};

}  // namespace keyway::test
