// SPDX-License-Identifier: Apache-2.0
#include "tools/call.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>

#include <fmt/core.h>

#include "keyway/ice/turn/long_term.hpp"
#include "keyway/ice/turn/opaque_string.hpp"
#include "keyway/ice/turn/uri.hpp"
#include "keyway/srtp/session.hpp"
#include "tools/os.hpp"

namespace keyway::tools {

CallLoop::CallLoop(uint64_t seed, Impairment imp) : imp_(imp), net_(seed), driver_(net_) {
  // A party's datagram to another party: the Netem link has decided (lost,
  // held back by reorder_delay, or due now), then it leaves that party's socket.
  driver_.on_sent = [this](int node, const peer::Transmit& t, bool lost) {
    if (on_transmit) on_transmit(party(node), t, lost);
    driver_.deliver_due();  // not held back: it leaves the socket now
  };
  driver_.wire = [this](const sim::Datagram& d) {
    party(d.from).socket->send_to(party(d.to).socket->local(), d.bytes);
  };
  // To a remote peer (`keyway offer` / `answer`): straight out.
  driver_.on_unrouted = [this](int node, const peer::Transmit& t) {
    Party& p = party(node);
    if (on_transmit) on_transmit(p, t, false);
    send_from(p, t.to, t.bytes);
  };
  driver_.on_event = [this](int node, const peer::Event& e) {
    Party& p = party(node);
    if (e.kind == peer::EventKind::srtp_ready && p.connected_at.is_never()) p.connected_at = driver_.now();
    if (on_event) on_event(p, e);
    if (e.kind == peer::EventKind::rtp_received && p.echo) echo(p, e.data);
  };
  driver_.on_tick = [this](int node) {
    Party& p = party(node);
    send_media(p, driver_.now(), media_until_);
    return p.audio.started ? earliest(p.audio.next_rtp, p.audio.next_rtcp) : Timestamp::never();
  };
}

void CallLoop::add(Party* p) {
  int node = static_cast<int>(parties_.size());
  p->node = node;
  sim::LinkConfig link;
  link.delay = Duration::micros(0);  // the loopback is the delay
  link.loss = imp_.loss;
  link.reorder = imp_.reorder;
  link.reorder_delay = imp_.reorder_delay;
  for (Party* q : parties_) net_.configure_both(q->node, node, link);
  parties_.push_back(p);
  driver_.add(node, p->conn, p->socket->local());
}

void CallLoop::transmit(Party& p, const peer::Transmit& t) { driver_.transmit(p.node, t); }

// Re-sends a received RTP packet on our own SSRC (issue 6, `keyway answer`).
void CallLoop::echo(Party& p, Bytes rtp) {
  if (rtp.size() < 12 || rtp.size() > 1400) return;
  uint8_t buf[1500 + srtp::kMaxTrailerLen];
  std::copy(rtp.begin(), rtp.end(), buf);
  uint8_t pt = buf[1] & 0x7f;
  bool video = std::find(p.video_payload_types.begin(), p.video_payload_types.end(), pt) != p.video_payload_types.end();
  if (!video && p.send_media) return;  // our audio SSRC already carries generated audio
  store_be32(buf, 8, video ? p.echo_video_ssrc : p.echo_audio_ssrc);
  auto t = p.conn->send_rtp(buf, rtp.size());
  if (t.ok()) {
    p.echoed++;
    transmit(p, *t);
  }
}

void CallLoop::send_media(Party& p, Timestamp now, Timestamp media_until) {
  // Media starts on the step after the one that made SRTP ready.
  if (p.conn->state() != peer::State::connected || now > media_until || !(p.connected_at < now)) return;
  MediaSource& m = p.audio;
  if (!m.started) {
    m.started = true;
    m.next_rtp = p.send_media ? now : Timestamp::never();
    m.next_rtcp = now + Duration::millis(500);
  }
  uint8_t buf[1500 + srtp::kMaxTrailerLen];
  while (p.send_media && m.next_rtp <= now) {
    ByteWriter w({buf, 1500});
    w.write_u8(0x80);
    w.write_u8(m.payload_type);
    w.write_u16(m.seq++);
    w.write_u32(m.timestamp);
    w.write_u32(m.ssrc);
    if (m.opus) {
      // Opus silence (RFC 6716 §3.1): TOC 0xf8 = CELT fullband 20 ms, mono, one frame.
      for (uint8_t b : {uint8_t{0xf8}, uint8_t{0xff}, uint8_t{0xfe}}) w.write_u8(b);
    } else {
      for (std::size_t i = 0; i < m.payload_size; ++i) w.write_u8(static_cast<uint8_t>(0xff - (i % 7)));  // PCMU near-silence
    }
    m.timestamp += 160;
    m.next_rtp = m.next_rtp + Duration::millis(20);
    auto t = p.conn->send_rtp(buf, w.size());
    if (t.ok()) transmit(p, *t);
  }
  if (m.next_rtcp <= now) {
    m.next_rtcp = m.next_rtcp + Duration::seconds(1);
    ByteWriter w({buf, 1500});
    const auto& st = p.conn->stats().srtp;
    w.write_u8(0x80);  // SR, no report blocks (RFC 3550 §6.4.1)
    w.write_u8(200);
    w.write_u16(6);
    w.write_u32(m.ssrc);
    uint64_t us = now.as_micros();
    w.write_u32(static_cast<uint32_t>(us / 1000000 + 2208988800u));  // NTP seconds
    w.write_u32(static_cast<uint32_t>((us % 1000000) * 4294ull));
    w.write_u32(m.timestamp);
    w.write_u32(static_cast<uint32_t>(st.rtp_sent));
    w.write_u32(static_cast<uint32_t>(st.bytes_sent));
    auto t = p.conn->send_rtcp(buf, w.size());
    if (t.ok()) transmit(p, *t);
  }
}

// Real time: one driver step, then sleep until its next wake-up or a socket
// is readable, and hand over what arrived.
bool CallLoop::run(Timestamp until, const std::function<bool()>& done, Timestamp media_until) {
  media_until_ = media_until;
  std::vector<int> fds;
  while (!done()) {
    fds.clear();
    for (Party* p : parties_) add_fds(*p, fds);  // a TURN stream may have closed
    Timestamp now = monotonic_now();
    if (now >= until) return done();
    Timestamp next = earliest(until, driver_.step(now));
    wait_readable(fds, next);
    driver_.advance_to(monotonic_now());
    receive_all();
  }
  return true;
}

void CallLoop::receive_all() {
  uint8_t buf[2048];
  for (Party* p : parties_) {
    ice::SocketAddr from;
    for (int i = 0; i < 64; ++i) {
      auto n = p->socket->recv_from(buf, from);
      if (!n) break;
      driver_.receive(p->node, MutableBytes(buf, *n), from);  // media events point into the driver's buffer
    }
    receive_turn_stream(*p, [&](MutableBytes m, const ice::SocketAddr& server) { driver_.receive(p->node, m, server); });
  }
}

}  // namespace keyway::tools

namespace keyway::tools {

void TurnOptions::apply(peer::Config& cfg) {
  if (!enabled()) return;
  server = peer::TurnServerConfig{uri, user, pass};
  cfg.turn_servers = {&server, 1};
  cfg.relay_only = relay_only;
}

// RFC 7065 §3.1 allows a host name; the library takes addresses only, so the
// CLI resolves the name (getaddrinfo, IPv4 first) and hands on the URI with
// the address literal in its place. Literals and malformed URIs pass as they are.
bool resolve_turn_host(const std::string& uri, std::string& out, std::string& error) {
  out = uri;
  constexpr std::string_view kTurn = "turn:";
  if (uri.compare(0, kTurn.size(), kTurn) != 0) return true;
  std::size_t begin = kTurn.size(), end = uri.find('?');
  std::string hostport = uri.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  if (hostport.empty() || hostport[0] == '[') return true;
  std::string host = hostport.substr(0, hostport.rfind(':'));
  if (host.empty() || SocketAddr::parse_ip(host, 0).ok()) return true;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0 || found == nullptr) {
    error = fmt::format("--turn: cannot resolve {}: {}", host, gai_strerror(rc));
    return false;
  }
  const addrinfo* pick = found;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next)
    if (a->ai_family == AF_INET) {
      pick = a;
      break;
    }
  char text[INET6_ADDRSTRLEN] = {};
  const void* ip = pick->ai_family == AF_INET
                       ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(pick->ai_addr)->sin_addr)
                       : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(pick->ai_addr)->sin6_addr);
  inet_ntop(pick->ai_family, ip, text, sizeof text);
  std::string literal = pick->ai_family == AF_INET ? std::string(text) : "[" + std::string(text) + "]";
  freeaddrinfo(found);
  out = std::string(kTurn) + literal + uri.substr(begin + host.size());
  return true;
}

bool read_turn_options(std::optional<std::string> uri, std::optional<std::string> user, std::optional<std::string> pass,
                       bool relay_only, TurnOptions& out, std::string& error) {
  if (!uri && (user || pass || relay_only)) {
    error = "--turn-user, --turn-pass and --relay-only need --turn 'turn:HOST:PORT?transport=udp|tcp'";
    return false;
  }
  if (!uri) return true;
  std::string resolved;
  if (!resolve_turn_host(*uri, resolved, error)) return false;
  if (!pass.value_or("").empty()) {  // refused here, before any socket, with the reason
    uint8_t prepared[ice::turn::LongTermCredentials::kMaxText];
    if (auto p = ice::turn::prepare_opaque_string(*pass, prepared); !p.ok()) {
      error = std::string("--turn-pass: ") + p.error().detail;
      return false;
    }
  }
  auto parsed = ice::turn::parse_uri(resolved);
  if (!parsed.ok()) {
    error = std::string("--turn: ") + parsed.error().detail;
    return false;
  }
  out.tcp = parsed->transport == ice::turn::Transport::tcp;
  out.server_addr = parsed->server;
  out.uri = resolved;
  out.user = user.value_or("");
  out.pass = pass.value_or("");
  out.relay_only = relay_only;
  return true;
}

bool gather_candidates(const std::vector<Party*>& parties, double seconds) {
  Timestamp end = monotonic_now() + Duration::micros(static_cast<int64_t>(seconds * 1e6));
  uint8_t scratch[2048], buf[2048];
  for (;;) {
    bool done = true;
    for (Party* p : parties) done = done && (p->conn->gathering_done() || p->conn->state() == peer::State::failed);
    if (done) return true;
    Timestamp now = monotonic_now();
    if (now > end) return false;
    Timestamp next = end;
    std::vector<int> fds;
    for (Party* p : parties) {
      p->conn->handle_timeout(now);
      for (int i = 0; i < 1000; ++i) {
        peer::Output o = p->conn->poll_output(now, scratch);
        if (o.kind == peer::Output::Kind::timeout) {
          next = earliest(next, o.deadline);
          break;
        }
        if (o.kind == peer::Output::Kind::transmit) send_from(*p, o.transmit.to, o.transmit.bytes);
      }
      add_fds(*p, fds);
    }
    Timestamp soon = monotonic_now() + Duration::millis(20);
    (void)wait_readable(fds, earliest(next, soon));
    for (Party* p : parties) {
      ice::SocketAddr from;
      for (int i = 0; i < 64; ++i) {
        auto n = p->socket->recv_from(buf, from);
        if (!n) break;
        p->conn->handle_datagram(monotonic_now(), MutableBytes(buf, *n), from, p->socket->local());
      }
      receive_turn_stream(*p, [&](MutableBytes m, const ice::SocketAddr& server) {
        p->conn->handle_datagram(monotonic_now(), m, server, p->socket->local());
      });
    }
  }
}

bool TurnOptions::connect(TurnTcp& stream, Party& party) const {
  if (!tcp) return true;
  if (auto c = stream.connect(server_addr, 10); !c.ok()) {
    fmt::print(stderr, "keyway: TURN: {} ({})\n", c.error().detail, uri);
    return false;
  }
  party.turn_tcp = &stream;
  return true;
}

void send_from(Party& p, const ice::SocketAddr& to, std::span<const uint8_t> bytes) {
  if (p.turn_tcp != nullptr && p.turn_tcp->carries(to)) {
    p.turn_tcp->send(bytes);
    return;
  }
  p.socket->send_to(to, bytes);
}

void add_fds(const Party& p, std::vector<int>& fds) {
  fds.push_back(p.socket->fd());
  if (p.turn_tcp != nullptr && p.turn_tcp->fd() >= 0) fds.push_back(p.turn_tcp->fd());
}

void receive_turn_stream(Party& p, const std::function<void(MutableBytes, const ice::SocketAddr&)>& deliver) {
  if (p.turn_tcp == nullptr || p.turn_tcp->fd() < 0) return;
  ice::SocketAddr server = p.turn_tcp->server();
  p.turn_tcp->receive([&](std::span<uint8_t> m) { deliver(MutableBytes(m.data(), m.size()), server); });
}

std::string turn_stats_json(const peer::Summary& s) {
  return fmt::format(
      "\"turn\":{{\"allocations\":{},\"refreshes\":{},\"permissions\":{},\"channels\":{},"
      "\"relayed_bytes_sent\":{},\"relayed_bytes_received\":{}}}",
      s.turn_allocations, s.turn_refreshes, s.turn_permissions, s.turn_channel_binds, s.turn_relayed_bytes_sent,
      s.turn_relayed_bytes_received);
}

}  // namespace keyway::tools
