// SPDX-License-Identifier: Apache-2.0
#include "tools/turn_tcp.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/core.h>

#include "tools/udp.hpp"

namespace keyway::tools {

TurnTcp::~TurnTcp() {
  if (fd_ >= 0) ::close(fd_);
}

Status TurnTcp::connect(const ice::SocketAddr& server, double seconds) {
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(server, ss);
  int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(Layer::ice, Code::internal, "turn tcp: socket() failed");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // media: no Nagle delay
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return make_error(Layer::ice, Code::no_path, "turn tcp: cannot connect to the TURN server");
  }
  pollfd p{fd, POLLOUT, 0};
  int soerr = 0;
  socklen_t elen = sizeof soerr;
  if (poll(&p, 1, static_cast<int>(seconds * 1000)) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &elen) != 0 ||
      soerr != 0) {
    ::close(fd);
    return make_error(Layer::ice, Code::no_path, "turn tcp: the TURN server did not accept the connection");
  }
  fd_ = fd;
  server_ = server;
  return ok_status();
}

bool TurnTcp::send(std::span<const uint8_t> bytes) {
  for (std::size_t at = 0; at < bytes.size() && fd_ >= 0;) {
    ssize_t n = ::send(fd_, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
    if (n > 0) {
      at += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {  // the kernel's buffer is full: wait a little
      pollfd p{fd_, POLLOUT, 0};
      if (poll(&p, 1, 100) == 1) continue;
    }
    close_stream("the TURN server's stream would not take more bytes");
  }
  return fd_ >= 0;
}

bool TurnTcp::receive(const std::function<void(std::span<uint8_t>)>& deliver) {
  uint8_t buf[4096];
  for (int reads = 0; fd_ >= 0 && reads < 64; ++reads) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n <= 0) {
      close_stream("the TURN server closed the stream");
      break;
    }
    // The framer's buffer is bounded: push what fits, take whole messages out, repeat.
    for (std::size_t at = 0; at < static_cast<std::size_t>(n) && fd_ >= 0;) {
      at += framer_.push(Bytes(buf + at, static_cast<std::size_t>(n) - at));
      for (;;) {
        auto m = framer_.next();
        if (!m.ok()) {
          close_stream(m.error().detail);
          break;
        }
        if (m->empty()) break;
        std::memcpy(message_, m->data(), m->size());
        deliver(std::span<uint8_t>(message_, m->size()));
      }
    }
  }
  return fd_ >= 0;
}

void TurnTcp::close_stream(const char* why) {
  if (fd_ < 0) return;
  fmt::print(stderr, "keyway: TURN over TCP: {}\n", why);
  ::close(fd_);
  fd_ = -1;
}

}  // namespace keyway::tools
