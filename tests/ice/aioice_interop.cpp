// SPDX-License-Identifier: Apache-2.0
// Interop with aioice (python3-aioice), a real, independent ICE agent, over
// 127.0.0.1: keyway controlling and keyway controlled. The sockets and the
// real clock live here, in the test driver; ice::Agent stays sans-IO.
//
// Pass criteria per role: both sides report a selected pair naming each
// other's address; keyway received authenticated checks from aioice and
// authenticated responses to its own checks (aioice, for its part, only
// completes connect() on authenticated responses); data flows both ways on
// the selected pair. Exit 77 (skip) if /usr/bin/python3 cannot import aioice.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "keyway/ice/agent.hpp"
#include "keyway/lib/rng.hpp"

using namespace keyway;
using namespace keyway::ice;

namespace {

const char* kPython = "/usr/bin/python3";

Timestamp clock_now() {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now().time_since_epoch()).count();
  return Timestamp::from_micros(static_cast<uint64_t>(us));
}

SocketAddr from_sockaddr(const sockaddr_in& sa) {
  uint32_t ip = ntohl(sa.sin_addr.s_addr);
  return SocketAddr::v4(static_cast<uint8_t>(ip >> 24), static_cast<uint8_t>(ip >> 16), static_cast<uint8_t>(ip >> 8),
                        static_cast<uint8_t>(ip), ntohs(sa.sin_port));
}

sockaddr_in to_sockaddr(const SocketAddr& a) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(a.port);
  std::memcpy(&sa.sin_addr.s_addr, a.ip, 4);
  return sa;
}

std::string text(const SocketAddr& a) {
  char buf[kMaxAddrText];
  a.format(buf, sizeof buf);
  return buf;
}

struct Child {
  pid_t pid = -1;
  int to_child = -1;
  int from_child = -1;
  std::string pending;

  bool spawn(const char* script, const char* role) {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) return false;
    pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      close(in[1]);
      close(out[0]);
      execl(kPython, kPython, script, role, static_cast<char*>(nullptr));
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    to_child = in[1];
    from_child = out[0];
    return true;
  }
  void send_line(const std::string& line) {
    std::string l = line + "\n";
    if (write(to_child, l.data(), l.size()) != static_cast<ssize_t>(l.size())) std::fprintf(stderr, "write to peer failed\n");
  }
  // Reads what is available; returns complete lines.
  std::vector<std::string> read_lines() {
    std::vector<std::string> lines;
    char buf[4096];
    ssize_t n = read(from_child, buf, sizeof buf);
    if (n <= 0) {
      lines.push_back("<eof>");
      return lines;
    }
    pending.append(buf, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
      lines.push_back(pending.substr(0, nl));
      pending.erase(0, nl + 1);
    }
    return lines;
  }
  void finish() {
    if (to_child >= 0) close(to_child);
    if (from_child >= 0) close(from_child);
    if (pid > 0) {
      int status = 0;
      for (int i = 0; i < 50; ++i) {
        if (waitpid(pid, &status, WNOHANG) == pid) return;
        usleep(100000);
      }
      kill(pid, SIGKILL);  // only the child we started, by its pid
      waitpid(pid, &status, 0);
    }
  }
};

struct Outcome {
  bool py_connected = false, py_echo = false, py_done = false, got_data = false;
  uint32_t requests_at_connect = 0, responses_at_connect = 0;
  std::string py_local, py_remote;
};

bool run_role(const char* script, bool keyway_controlling) {
  const char* role = keyway_controlling ? "controlled" : "controlling";  // aioice's role
  std::printf("== keyway %s, aioice %s\n", keyway_controlling ? "controlling" : "controlled", role);
  int sock = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in bind_addr = to_sockaddr(SocketAddr::v4(127, 0, 0, 1, 0));
  if (sock < 0 || bind(sock, reinterpret_cast<sockaddr*>(&bind_addr), sizeof bind_addr) != 0) return false;
  socklen_t len = sizeof bind_addr;
  getsockname(sock, reinterpret_cast<sockaddr*>(&bind_addr), &len);
  SocketAddr local = from_sockaddr(bind_addr);

  SeededRng rng(static_cast<uint64_t>(getpid()) * 7919 + (keyway_controlling ? 1 : 2));
  Config cfg;
  cfg.controlling = keyway_controlling;
  cfg.rng = &rng;
  cfg.software = "keyway";
  Agent agent(cfg);
  if (!agent.add_local_host(local).ok()) return false;

  Child child;
  if (!child.spawn(script, role)) return false;
  Outcome out;
  std::string ufrag, pwd;
  std::vector<std::string> cands;
  bool ready = false, ok = false;
  auto deadline = clock_now() + Duration::seconds(40);
  uint8_t scratch[1500], rx[2048];

  while (clock_now() < deadline) {
    Timestamp now = clock_now();
    // Drive the agent until it asks to wait.
    Output o;
    for (;;) {
      o = agent.poll_output(now, scratch);
      if (o.kind == Output::Kind::timeout) break;
      if (o.kind == Output::Kind::transmit) {
        sockaddr_in to = to_sockaddr(o.transmit.to);
        sendto(sock, o.transmit.bytes.data(), o.transmit.bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
      } else {
        std::printf("keyway event: %s %s\n", to_string(o.event.kind), o.event.error.detail);
      }
    }
    int wait_ms = 50;
    if (!o.deadline.is_never()) {
      int64_t until = (o.deadline - now).as_millis();
      if (until < wait_ms) wait_ms = until < 0 ? 0 : static_cast<int>(until) + 1;
    }
    pollfd fds[2] = {{sock, POLLIN, 0}, {child.from_child, POLLIN, 0}};
    if (poll(fds, 2, wait_ms) < 0) break;
    now = clock_now();
    if (fds[0].revents & POLLIN) {
      sockaddr_in from{};
      socklen_t flen = sizeof from;
      ssize_t n = recvfrom(sock, rx, sizeof rx, 0, reinterpret_cast<sockaddr*>(&from), &flen);
      if (n > 0 && rx[0] < 4) {  // RFC 7983: 0..3 is STUN
        agent.handle_datagram(now, Bytes(rx, static_cast<std::size_t>(n)), from_sockaddr(from), local);
      } else if (n > 0) {  // application data: echo it on the selected pair
        out.got_data = agent.has_selected() && from_sockaddr(from) == agent.selected_remote();
        sendto(sock, rx, static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), flen);
      }
    }
    if (fds[1].revents & (POLLIN | POLLHUP)) {
      for (const std::string& line : child.read_lines()) {
        std::printf("aioice: %s\n", line.c_str());
        if (line == "<eof>") { deadline = now; break; }
        if (line.rfind("ufrag ", 0) == 0) ufrag = line.substr(6);
        if (line.rfind("pwd ", 0) == 0) pwd = line.substr(4);
        if (line.rfind("cand ", 0) == 0) cands.push_back("candidate:" + line.substr(5));
        if (line.rfind("connected ", 0) == 0) {
          out.py_connected = true;
          out.requests_at_connect = agent.stats().requests_received;
          out.responses_at_connect = agent.stats().responses_received;
          std::size_t sp = line.find(' ', 10);
          out.py_local = line.substr(10, sp - 10);
          out.py_remote = line.substr(sp + 1);
        }
        if (line == "recv ping-from-aioice") out.py_echo = true;
        if (line == "done") out.py_done = true;
        if (line == "ready" && !ready) {
          ready = true;
          if (!agent.set_remote_credentials(ufrag, pwd).ok()) std::printf("bad aioice credentials\n");
          for (const auto& c : cands)
            if (!agent.add_remote_candidate(c).ok()) std::printf("cannot use %s\n", c.c_str());
          agent.end_of_remote_candidates();
          child.send_line("ufrag " + std::string(agent.local_credentials().ufrag_view()));
          child.send_line("pwd " + std::string(agent.local_credentials().pwd_view()));
          for (const CandidateCore& c : agent.local_candidates()) {
            char line_buf[kMaxCandidateText];
            auto n = c.write(line_buf, sizeof line_buf);
            if (n.ok()) child.send_line("cand " + std::string(line_buf + 10, *n - 10));
          }
          child.send_line("end");
        }
      }
    }
    if (out.py_done) {
      ok = true;
      break;
    }
  }
  child.finish();
  close(sock);

  const AgentStats& s = agent.stats();
  std::printf("keyway: state=%s selected=%s -> %s rtt_us=%lld\n", to_string(agent.state()),
              text(agent.selected_local()).c_str(), text(agent.selected_remote()).c_str(),
              static_cast<long long>(agent.selected_rtt() ? agent.selected_rtt()->as_micros() : -1));
  std::printf("keyway: checks_sent=%u requests_received(authenticated)=%u responses_received(authenticated)=%u "
              "integrity_failures=%u role_conflicts=%u consent_checks_sent=%u\n",
              s.checks_sent, s.requests_received, s.responses_received, s.integrity_failures, s.role_conflicts,
              s.consent_checks_sent);
  std::printf("keyway: after aioice connected: %u authenticated requests from aioice, %u authenticated responses\n",
              s.requests_received - out.requests_at_connect, s.responses_received - out.responses_at_connect);
  bool pass = ok && out.py_connected && out.py_echo && out.got_data && agent.state() == AgentState::connected &&
              agent.has_selected() && agent.controlling() == keyway_controlling && s.requests_received > 0 &&
              s.responses_received > 0 && s.integrity_failures == 0 && s.consent_checks_sent > 0 &&
              s.requests_received > out.requests_at_connect && s.responses_received > out.responses_at_connect && out.py_local == text(agent.selected_remote()) &&
              out.py_remote == text(agent.selected_local());
  std::printf("%s\n", pass ? "PASS" : "FAIL");
  return pass;
}

bool aioice_available() {
  std::string cmd = std::string(kPython) + " -c 'import aioice' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s path/to/aioice_peer.py\n", argv[0]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  if (!aioice_available()) {
    std::printf("SKIP: %s cannot import aioice (apt-get install python3-aioice)\n", kPython);
    return 77;
  }
  bool a = run_role(argv[1], true);
  bool b = run_role(argv[1], false);
  return a && b ? 0 : 1;
}
