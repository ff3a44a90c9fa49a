// SPDX-License-Identifier: Apache-2.0
// A throwaway coturn (Debian's `coturn`, /usr/bin/turnserver) for tests: on
// 127.0.0.1 only, on a free port, long-term credentials, relaying to
// loopback peers (coturn refuses 127.x peers unless --allow-loopback-peers),
// no CLI, no TLS/DTLS, its database, pid and log in a temporary folder.
// Started by fork/exec, stopped by its PID (SIGTERM, then SIGKILL).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace keyway::test {

class Coturn {
 public:
  static constexpr const char* kBinary = "/usr/bin/turnserver";
  std::string user = "alice";
  std::string pass = "s3cret";
  std::string realm = "keyway.test";
  std::vector<std::string> extra_args;  // e.g. --max-allocate-lifetime 4
  uint16_t port = 0;
  std::string dir;

  static bool available() { return access(kBinary, X_OK) == 0; }

  // A port nothing listens on now (UDP and TCP), from the kernel's ephemeral range.
  static uint16_t free_port() {
    for (int attempt = 0; attempt < 20; ++attempt) {
      int u = socket(AF_INET, SOCK_DGRAM, 0);
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      socklen_t len = sizeof sa;
      bind(u, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
      getsockname(u, reinterpret_cast<sockaddr*>(&sa), &len);
      int t = socket(AF_INET, SOCK_STREAM, 0);
      bool tcp_free = bind(t, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
      close(t);
      close(u);
      if (tcp_free) return ntohs(sa.sin_port);
    }
    return 0;
  }

  bool start() {
    char tmpl[] = "/tmp/keyway-coturn.XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return false;
    dir = tmpl;
    port = free_port();
    uint16_t relay_min = free_port();
    std::vector<std::string> args = {
        kBinary, "-n", "--no-cli", "--no-tls", "--no-dtls", "--listening-ip", "127.0.0.1",
        "--relay-ip", "127.0.0.1", "--listening-port", std::to_string(port), "--allow-loopback-peers",
        "--lt-cred-mech", "--user", user + ":" + pass, "--realm", realm, "--userdb", dir + "/turndb",
        "--pidfile", dir + "/turnserver.pid", "--log-file", dir + "/turnserver.log", "--simple-log",
        "--no-stdout-log", "--no-rfc5780", "--no-software-attribute",
        // Relay ports: a window in the ephemeral range (coturn picks among them).
        "--min-port", std::to_string(relay_min < 60000 ? relay_min : 50000),
        "--max-port", std::to_string(relay_min < 60000 ? relay_min + 200 : 50200)};
    for (const auto& a : extra_args) args.push_back(a);
    pid_ = fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);  // a crashed test leaves no coturn behind
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      std::freopen((dir + "/stdout.log").c_str(), "w", stdout);
      std::freopen((dir + "/stderr.log").c_str(), "w", stderr);
      execv(kBinary, argv.data());
      _exit(127);
    }
    return true;
  }

  bool running() const {
    if (pid_ <= 0) return false;
    int status = 0;
    return waitpid(pid_, &status, WNOHANG) == 0;
  }

  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 50; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      usleep(20000);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  void print_log() const {
    std::string cmd = "tail -n 40 " + dir + "/turnserver.log " + dir + "/stderr.log 1>&2";
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "(no coturn log)\n");
  }
  void remove_dir() const {
    if (dir.empty()) return;
    std::string cmd = "rm -rf " + dir;
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", dir.c_str());
  }

  ~Coturn() { stop(); }

 private:
  pid_t pid_ = -1;
};

}  // namespace keyway::test
