// SPDX-License-Identifier: Apache-2.0
#include "tools/udp.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "tools/capture.hpp"
#include "tools/os.hpp"

namespace keyway::tools {

socklen_t to_sockaddr(const ice::SocketAddr& a, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  if (a.family == ice::Family::v4) {
    auto* s = reinterpret_cast<sockaddr_in*>(&ss);
    s->sin_family = AF_INET;
    s->sin_port = htons(a.port);
    std::memcpy(&s->sin_addr, a.ip, 4);
    return sizeof(sockaddr_in);
  }
  auto* s = reinterpret_cast<sockaddr_in6*>(&ss);
  s->sin6_family = AF_INET6;
  s->sin6_port = htons(a.port);
  std::memcpy(&s->sin6_addr, a.ip, 16);
  return sizeof(sockaddr_in6);
}

namespace {

ice::SocketAddr from_sockaddr(const sockaddr_storage& ss) {
  ice::SocketAddr a;
  if (ss.ss_family == AF_INET) {
    const auto* s = reinterpret_cast<const sockaddr_in*>(&ss);
    a.family = ice::Family::v4;
    std::memcpy(a.ip, &s->sin_addr, 4);
    a.port = ntohs(s->sin_port);
  } else {
    const auto* s = reinterpret_cast<const sockaddr_in6*>(&ss);
    a.family = ice::Family::v6;
    std::memcpy(a.ip, &s->sin6_addr, 16);
    a.port = ntohs(s->sin6_port);
  }
  return a;
}

}  // namespace

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

Status UdpSocket::open(const ice::SocketAddr& addr) {
  fd_ = ::socket(addr.family == ice::Family::v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return make_error(Layer::peer, Code::internal, "udp: socket() failed");
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(addr, ss);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0)
    return make_error(Layer::peer, Code::invalid_argument, "udp: bind() failed");
  socklen_t got = sizeof ss;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &got) != 0)
    return make_error(Layer::peer, Code::internal, "udp: getsockname() failed");
  local_ = from_sockaddr(ss);
  return ok_status();
}

bool UdpSocket::send_to(const ice::SocketAddr& to, std::span<const uint8_t> bytes) {
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(to, ss);
  bool sent = ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&ss), len) ==
              static_cast<ssize_t>(bytes.size());
  if (sent && capture_ != nullptr) capture_->record(local_, to, bytes);
  return sent;
}

std::optional<std::size_t> UdpSocket::recv_from(std::span<uint8_t> buf, ice::SocketAddr& from) {
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  ssize_t n = ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&ss), &len);
  if (n < 0) return std::nullopt;
  from = from_sockaddr(ss);
  if (capture_ != nullptr && !capture_sends_only_) capture_->record(from, local_, buf.first(static_cast<std::size_t>(n)));
  return static_cast<std::size_t>(n);
}

int wait_readable(std::span<const int> fds, Timestamp deadline) {
  std::vector<pollfd> p;
  for (int fd : fds) p.push_back(pollfd{fd, POLLIN, 0});
  Timestamp now = monotonic_now();
  int timeout_ms = 0;
  if (deadline.is_never()) timeout_ms = 1000;
  else if (deadline > now) timeout_ms = static_cast<int>((deadline - now).as_micros() / 1000 + 1);
  if (timeout_ms > 1000) timeout_ms = 1000;
  int rc = ::poll(p.data(), p.size(), timeout_ms);
  if (rc <= 0) return -1;
  for (std::size_t i = 0; i < p.size(); ++i)
    if (p[i].revents & POLLIN) return static_cast<int>(i);
  return -1;
}

Result<ice::SocketAddr> parse_socket_addr(const std::string& text) {
  std::string host = text;
  uint16_t port = 0;
  std::size_t colon = std::string::npos;
  if (!text.empty() && text[0] == '[') {
    std::size_t close = text.find(']');
    if (close == std::string::npos) return make_error(Layer::peer, Code::malformed, "address: missing ']'");
    host = text.substr(1, close - 1);
    if (close + 1 < text.size() && text[close + 1] == ':') colon = close + 1;
  } else {
    colon = text.rfind(':');
    if (colon != std::string::npos && text.find(':') != colon) colon = std::string::npos;  // bare IPv6
    if (colon != std::string::npos) host = text.substr(0, colon);
  }
  if (colon != std::string::npos) {
    char* end = nullptr;
    long p = std::strtol(text.c_str() + colon + 1, &end, 10);
    if (*end != '\0' || p < 0 || p > 65535) return make_error(Layer::peer, Code::malformed, "address: bad port");
    port = static_cast<uint16_t>(p);
  }
  return ice::SocketAddr::parse_ip(host, port);
}

std::string to_string(const ice::SocketAddr& a) {
  char buf[64];
  a.format(buf, sizeof buf);
  return buf;
}

}  // namespace keyway::tools
