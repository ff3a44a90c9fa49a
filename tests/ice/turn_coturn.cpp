// SPDX-License-Identifier: Apache-2.0
// The TURN client against a real coturn (issue 14) over UDP and over TCP
// (RFC 8656 §3.1, through the stream framer) on 127.0.0.1:
// allocate with long-term credentials (401, then MESSAGE-INTEGRITY),
// CreatePermission for a loopback peer, data both ways through Send/Data
// indications and then through a channel (ChannelBind, ChannelData),
// allocation and permission refreshes (coturn's lifetimes shortened so they
// fall due within seconds), Refresh LIFETIME 0 to deallocate; and a wrong
// password that fails naming TURN and 401. The sockets and the real clock
// live here; ice::turn::Client stays sans-IO. coturn is started with a
// throwaway config (tests/support/coturn.hpp) and stopped by its PID.
// Exit 77 (skip) when /usr/bin/turnserver is not installed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "keyway/ice/stun/builder.hpp"
#include "keyway/ice/turn/client.hpp"
#include "keyway/ice/turn/stream_framer.hpp"
#include "keyway/lib/rng.hpp"
#include "tests/support/coturn.hpp"
#include "tests/support/expect.hpp"
#include "tests/support/loopback_sockets.hpp"

using namespace keyway;
using namespace keyway::ice;
using Kind = turn::Event::Kind;
using namespace keyway::test;

namespace {

// The driver: the client's socket, the peer's socket, events and the data
// each side received.
struct Driver {
  Link& sock;
  const Udp& peer;
  turn::Client& client;
  std::vector<turn::Event> events;
  std::vector<std::string> client_got, peer_got;
  SocketAddr peer_saw_from{};
  std::function<void(const turn::Event&)> on_event;
  uint8_t scratch[1500];

  Driver(Link& s, const Udp& p, turn::Client& c) : sock(s), peer(p), client(c) {}

  void step(Timestamp until) {
    Timestamp now = clock_now();
    client.handle_timeout(now);
    for (;;) {
      turn::Output o = client.poll_output(now, scratch);
      if (o.kind == turn::Output::Kind::timeout) {
        if (o.deadline < until) until = o.deadline;
        break;
      }
      if (o.kind == turn::Output::Kind::transmit) {
        sock.send(o.transmit.to, o.transmit.bytes);
        continue;
      }
      events.push_back(o.event);
      if (on_event) on_event(o.event);
    }
    int64_t wait_ms = (until - clock_now()).as_millis();
    pollfd fds[2] = {{sock.fd(), POLLIN, 0}, {peer.fd, POLLIN, 0}};
    poll(fds, 2, static_cast<int>(wait_ms < 0 ? 0 : wait_ms > 50 ? 50 : wait_ms));
    std::vector<uint8_t> d;
    SocketAddr from;
    sock.receive([&](Bytes m, const SocketAddr& src) {
      turn::Received r = client.handle_datagram(clock_now(), m, src);
      if (!r.data.empty()) client_got.emplace_back(r.data.begin(), r.data.end());
    });
    while (peer.recv(d, from)) {
      peer_got.emplace_back(d.begin(), d.end());
      peer_saw_from = from;
      peer.send(from, d);  // the peer echoes, back through the relay
    }
  }
  bool run_until(const std::function<bool()>& done, Duration limit) {
    Timestamp end = clock_now() + limit;
    while (!done()) {
      if (clock_now() > end) return false;
      step(end);
    }
    return true;
  }
  int count(Kind k) const {
    int n = 0;
    for (const auto& e : events) n += e.kind == k;
    return n;
  }
  const turn::Event* last(Kind k) const {
    for (auto it = events.rbegin(); it != events.rend(); ++it)
      if (it->kind == k) return &*it;
    return nullptr;
  }
};

// Waits until coturn answers a STUN Binding request on its port.
bool wait_ready(const test::Coturn& coturn, SocketAddr server) {
  Udp probe;
  uint8_t buf[64];
  stun::TransactionId id{};
  id.bytes[0] = 1;
  stun::Builder b(buf, stun::message_type(stun::kMethodBinding, stun::Class::request), id);
  auto req = b.finish();
  for (int i = 0; i < 100 && coturn.running(); ++i) {
    probe.send(server, *req);
    pollfd p{probe.fd, POLLIN, 0};
    if (poll(&p, 1, 50) > 0) return true;
  }
  return false;
}

void allocate_relay_refresh_close(SocketAddr server, bool tcp) {
  const char* name = tcp ? "tcp" : "udp";
  SeededRng rng(static_cast<uint64_t>(clock_now().as_micros()));
  turn::ClientConfig config;
  config.server = server;
  config.username = "alice";
  config.password = "s3cret";
  // coturn here keeps permissions 3 s and channels 5 s: refresh before that.
  config.permission_refresh = Duration::seconds(2);
  config.channel_refresh = Duration::seconds(3);
  Link sock(tcp, server);
  Udp peer;
  config.local = sock.addr;
  config.transport = tcp ? turn::Transport::tcp : turn::Transport::udp;
  turn::Client client(config, rng);
  Driver d(sock, peer, client);

  // Right after the permission exists, before the channel is bound, data
  // goes as a Send indication (RFC 8656 §11).
  bool sent_by_indication = false;
  const std::string by_indication = "through a Send indication";
  d.on_event = [&](const turn::Event& e) {
    if (e.kind != Kind::permission_created || sent_by_indication) return;
    uint8_t out[512];
    auto t = client.wrap(clock_now(), d.peer.addr,
                         Bytes(reinterpret_cast<const uint8_t*>(by_indication.data()), by_indication.size()), out);
    EXPECT(t.ok());
    EXPECT(t.ok() && t->bytes.size() > 36);  // not ChannelData yet
    if (t.ok()) d.sock.send(t->to, t->bytes);
    sent_by_indication = true;
  };

  EXPECT(client.start(clock_now()).ok());
  EXPECT(d.run_until([&] { return d.count(Kind::allocated) > 0 || d.count(Kind::failed) > 0; }, Duration::seconds(5)));
  if (d.count(Kind::allocated) == 0) {
    if (const auto* f = d.last(Kind::failed)) {
      char buf[256];
      format_error(f->error, buf, sizeof buf);
      std::fprintf(stderr, "allocation failed: %s\n", buf);
    }
    ++failures;
    return;
  }
  const turn::Event* a = d.last(Kind::allocated);  // copied below: events grows
  const turn::Event allocated = *a;
  a = &allocated;
  std::printf("%s: allocated relayed=%s mapped=%s lifetime=%llds\n", name, text(a->relayed).c_str(), text(a->mapped).c_str(),
              static_cast<long long>(a->lifetime.as_millis() / 1000));
  EXPECT(a->mapped == config.local);  // XOR-MAPPED-ADDRESS: the client's own address on loopback

  EXPECT(client.add_peer(clock_now(), d.peer.addr).ok());
  EXPECT(d.run_until([&] { return d.count(Kind::channel_bound) > 0 && d.client_got.size() >= 1; }, Duration::seconds(5)));
  EXPECT(sent_by_indication);
  EXPECT(!d.peer_got.empty() && d.peer_got[0] == by_indication);
  EXPECT(d.peer_saw_from == a->relayed);  // the peer sees the relayed address
  EXPECT(!d.client_got.empty() && d.client_got[0] == by_indication);  // echoed back through the relay

  // Now through the channel: 4 bytes of header each way.
  const std::string by_channel = "through ChannelData";
  uint8_t out[512];
  auto t = client.wrap(clock_now(), d.peer.addr, Bytes(reinterpret_cast<const uint8_t*>(by_channel.data()), by_channel.size()), out);
  const std::size_t padded = tcp ? (by_channel.size() + 3) / 4 * 4 : by_channel.size();  // RFC 8656 §12.5
  EXPECT(t.ok() && t->bytes.size() == 4 + padded);
  if (t.ok()) d.sock.send(t->to, t->bytes);
  EXPECT(d.run_until([&] { return d.client_got.size() >= 2; }, Duration::seconds(3)));
  EXPECT(d.peer_got.size() >= 2 && d.peer_got[1] == by_channel);
  EXPECT(d.client_got.size() >= 2 && d.client_got[1] == by_channel);

  // Refreshes: coturn grants at most 4 s (--max-allocate-lifetime 4), so the
  // client refreshes 2 s in; permissions are refreshed every 2 s here.
  const uint32_t refreshes_before = client.stats().refreshes;
  EXPECT(d.run_until([&] { return client.stats().refreshes >= refreshes_before + 2; }, Duration::seconds(8)));
  EXPECT(client.allocated());
  EXPECT(client.stats().permissions >= 2);
  // Data still flows after the refreshes.
  const std::string later = "after the refreshes";
  t = client.wrap(clock_now(), d.peer.addr, Bytes(reinterpret_cast<const uint8_t*>(later.data()), later.size()), out);
  if (t.ok()) d.sock.send(t->to, t->bytes);
  std::size_t got_before = d.client_got.size();
  EXPECT(d.run_until([&] { return d.client_got.size() > got_before; }, Duration::seconds(3)));
  EXPECT(d.client_got.back() == later);

  // Close: Refresh LIFETIME 0; coturn answers, the client reports closed.
  client.close(clock_now());
  EXPECT(d.run_until([&] { return d.count(Kind::closed) > 0; }, Duration::seconds(5)));
  EXPECT(d.count(Kind::failed) == 0);
  // The relay is gone: data sent to it from the peer goes nowhere.
  d.peer.send(a->relayed, Bytes(reinterpret_cast<const uint8_t*>("late"), 4));
  got_before = d.client_got.size();
  d.run_until([&] { return false; }, Duration::millis(300));
  EXPECT(d.client_got.size() == got_before);
  const turn::Stats& s = client.stats();
  std::printf("turn coturn %s: allocations=%u refreshes=%u permissions=%u channel_binds=%u stale_nonces=%u "
              "retransmissions=%u relayed_sent=%llu relayed_received=%llu\n",
              name, s.allocations, s.refreshes, s.permissions, s.channel_binds, s.stale_nonces, s.retransmissions,
              static_cast<unsigned long long>(s.relayed_bytes_sent),
              static_cast<unsigned long long>(s.relayed_bytes_received));
}

void wrong_password(SocketAddr server) {
  SeededRng rng(5);
  Link sock(false, server);
  turn::ClientConfig config;
  config.server = server;
  config.local = sock.addr;
  config.username = "alice";
  config.password = "not-the-password";
  turn::Client client(config, rng);
  Udp peer;
  Driver d(sock, peer, client);
  EXPECT(client.start(clock_now()).ok());
  EXPECT(d.run_until([&] { return d.count(Kind::failed) > 0; }, Duration::seconds(5)));
  if (const auto* f = d.last(Kind::failed)) {
    char buf[256];
    format_error(f->error, buf, sizeof buf);
    std::printf("wrong password: %s\n", buf);
    EXPECT(std::string(buf).find("turn: 401") != std::string::npos);
  }
}

}  // namespace

int main() {
  if (!test::Coturn::available()) {
    std::fprintf(stderr, "skip: %s not installed (apt-get install coturn)\n", test::Coturn::kBinary);
    return 77;
  }
  test::Coturn coturn;
  coturn.extra_args = {"--max-allocate-lifetime=4", "--permission-lifetime=3", "--channel-lifetime=5"};
  if (!coturn.start()) return 1;
  SocketAddr server = SocketAddr::v4(127, 0, 0, 1, coturn.port);
  if (!wait_ready(coturn, server)) {
    std::fprintf(stderr, "coturn did not come up on %s\n", text(server).c_str());
    coturn.print_log();
    coturn.stop();
    coturn.remove_dir();
    return 1;
  }
  allocate_relay_refresh_close(server, false);
  allocate_relay_refresh_close(server, true);
  wrong_password(server);
  if (failures > 0) coturn.print_log();
  coturn.stop();
  coturn.remove_dir();
  std::printf("%s\n", failures == 0 ? "turn coturn: OK" : "turn coturn: FAILED");
  return failures == 0 ? 0 : 1;
}
