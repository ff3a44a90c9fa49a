// SPDX-License-Identifier: Apache-2.0
// Helpers for interop tests against real peer processes over 127.0.0.1:
// a UDP socket, a child process with captured output, and a loop that
// drives a dtls::Endpoint with the real clock. Every wait is bounded.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/lib/crypto/drbg.hpp"

extern char** environ;

namespace keyway::interop {

inline Timestamp real_now() {
  auto t = std::chrono::steady_clock::now().time_since_epoch();
  return Timestamp::from_micros(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(t).count()));
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline bool have_tool(const char* name) {
  std::string cmd = std::string("command -v ") + name + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

// A temporary directory, removed on destruction.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/keyway-dtls-interop-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf " + path).c_str()); }
};

// UDP socket bound to 127.0.0.1 (port 0 = any free port).
struct UdpSocket {
  int fd = -1;
  sockaddr_in peer{};
  bool has_peer = false;
  explicit UdpSocket(uint16_t port = 0) {
    fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) { ::close(fd); fd = -1; }
  }
  ~UdpSocket() { if (fd >= 0) ::close(fd); }
  uint16_t port() const {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    return ntohs(a.sin_port);
  }
  void connect_to(uint16_t port) {
    peer = sockaddr_in{};
    peer.sin_family = AF_INET;
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    peer.sin_port = htons(port);
    has_peer = true;
  }
};

inline uint16_t free_udp_port() {
  UdpSocket s;
  return s.port();
}

// A child process with stdout+stderr captured in a file.
struct Child {
  pid_t pid = -1;
  int stdin_pipe = -1;  // write end, when requested
  std::string out_path;
  Child(const std::vector<std::string>& argv, const std::string& out, bool keep_stdin_open,
        const std::vector<std::string>& extra_env = {}) : out_path(out) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    int p[2] = {-1, -1};
    if (keep_stdin_open && pipe(p) == 0) {
      posix_spawn_file_actions_adddup2(&fa, p[0], 0);
      posix_spawn_file_actions_addclose(&fa, p[1]);
    } else {
      posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    }
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> env_store;
    for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
    for (const auto& e : extra_env) env_store.push_back(e);
    std::vector<char*> envp;
    for (auto& e : env_store) envp.push_back(e.data());
    envp.push_back(nullptr);
    if (posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), envp.data()) != 0) pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    if (p[0] >= 0) { ::close(p[0]); stdin_pipe = p[1]; }
  }
  void close_stdin() {
    if (stdin_pipe >= 0) { ::close(stdin_pipe); stdin_pipe = -1; }
  }
  // Waits up to `ms`; returns the exit status or -1 (then kills it).
  int wait_exit(int ms) {
    for (int waited = 0; pid > 0; waited += 20) {
      int status = 0;
      pid_t r = waitpid(pid, &status, WNOHANG);
      if (r == pid) { pid = -1; return WIFEXITED(status) ? WEXITSTATUS(status) : 128; }
      if (waited >= ms) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill_now();
    return -1;
  }
  void kill_now() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      pid = -1;
    }
  }
  std::string output() const { return read_file(out_path); }
  bool wait_output(const std::string& needle, int ms) const {
    for (int waited = 0; waited < ms; waited += 20) {
      if (output().find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  ~Child() {
    close_stdin();
    kill_now();
  }
};

// Drives an endpoint until `done` returns true, it fails, or the wall-clock
// budget runs out. Returns events seen.
struct DriveResult {
  bool complete = false;
  bool failed = false;
  Error error{};
  std::vector<dtls::Event> events;
  std::vector<std::string> app_data;
  bool peer_closed = false;
};

template <typename Done>
void drive(dtls::Endpoint& ep, UdpSocket& sock, DriveResult& res, int budget_ms, Done done) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(budget_ms);
  uint8_t scratch[2048];
  uint8_t buf[4096];
  while (std::chrono::steady_clock::now() < end) {
    Timestamp deadline = Timestamp::never();
    for (int guard = 0; guard < 1000; ++guard) {
      dtls::Output o = ep.poll_output(real_now(), scratch);
      if (o.kind == dtls::Output::Kind::timeout) { deadline = o.deadline; break; }
      if (o.kind == dtls::Output::Kind::transmit) {
        if (sock.has_peer)
          ::sendto(sock.fd, o.transmit.data(), o.transmit.size(), 0, reinterpret_cast<sockaddr*>(&sock.peer),
                   sizeof sock.peer);
        continue;
      }
      res.events.push_back(o.event);
      if (o.event.kind == dtls::EventKind::handshake_complete) res.complete = true;
      if (o.event.kind == dtls::EventKind::failure) { res.failed = true; res.error = o.event.error; }
      if (o.event.kind == dtls::EventKind::closed) res.peer_closed = true;
      if (o.event.kind == dtls::EventKind::application_data)
        res.app_data.emplace_back(o.event.data.begin(), o.event.data.end());
    }
    if (done() || res.failed) return;
    int wait_ms = 50;
    if (!deadline.is_never()) {
      int64_t until = (deadline - real_now()).as_millis();
      wait_ms = static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(until, 50)));
    }
    pollfd pfd{sock.fd, POLLIN, 0};
    if (::poll(&pfd, 1, wait_ms) > 0) {
      sockaddr_in from{};
      socklen_t flen = sizeof from;
      ssize_t n = ::recvfrom(sock.fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &flen);
      if (n > 0) {
        if (!sock.has_peer) { sock.peer = from; sock.has_peer = true; }  // server: learn the client
        if (std::getenv("KEYWAY_INTEROP_DEBUG"))
          std::fprintf(stderr, "rx %zd bytes type %d epoch %d\n", n, buf[0], buf[3] << 8 | buf[4]);
        ep.handle_datagram(real_now(), MutableBytes(buf, static_cast<std::size_t>(n)));
      }
    }
    ep.handle_timeout(real_now());
  }
}

// Seals one application data record and sends it to the socket's peer.
inline bool send_app(dtls::Endpoint& ep, UdpSocket& sock, Bytes data) {
  uint8_t out[2048];
  auto d = ep.send_application_data(data, out);
  if (!d.ok() || !sock.has_peer) return false;
  return ::sendto(sock.fd, d->data(), d->size(), 0, reinterpret_cast<sockaddr*>(&sock.peer), sizeof sock.peer) ==
         static_cast<ssize_t>(d->size());
}

// A production RNG seeded from the OS.
struct OsRng {
  crypto::DrbgRng drbg;
  OsRng() {
    uint8_t seed[48];
    std::ifstream("/dev/urandom", std::ios::binary).read(reinterpret_cast<char*>(seed), sizeof seed);
    (void)drbg.instantiate(seed, {});
  }
};

inline std::string upper_hex(std::span<const uint8_t> b) {
  static const char* d = "0123456789ABCDEF";
  std::string s;
  for (uint8_t x : b) { s += d[x >> 4]; s += d[x & 15]; }
  return s;
}

// Returns the hex after `key` on its line, or "".
inline std::string value_after(const std::string& text, const std::string& key) {
  auto at = text.find(key);
  if (at == std::string::npos) return "";
  at += key.size();
  auto end = text.find_first_of("\r\n", at);
  std::string v = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
  while (!v.empty() && v.front() == ' ') v.erase(v.begin());
  while (!v.empty() && (v.back() == ' ')) v.pop_back();
  return v;
}

}  // namespace keyway::interop
