#include "tools/call.hpp"

#include <algorithm>

#include "srtp/session.hpp"
#include "tools/os.hpp"

namespace keyway::tools {

namespace {
bool chance(Rng& rng, double p) { return p > 0 && static_cast<double>(rng.next_u32()) < p * 4294967296.0; }
}  // namespace

void CallLoop::transmit(Party& p, const peer::Transmit& t, Timestamp now) {
  bool drop = chance(rng_, imp_.loss);
  if (on_transmit) on_transmit(p, t, drop);
  if (drop) return;
  if (chance(rng_, imp_.reorder)) {
    delayed_.push_back(Delayed{now + imp_.reorder_delay, &p, t.to, std::vector<uint8_t>(t.bytes.begin(), t.bytes.end())});
    return;
  }
  p.socket->send_to(t.to, t.bytes);
}

void CallLoop::drain(Party& p, Timestamp now) {
  uint8_t scratch[2048];
  for (int guard = 0; guard < 1000; ++guard) {
    peer::Output o = p.conn->poll_output(now, scratch);
    if (o.kind == peer::Output::Kind::timeout) {
      deadlines_.push_back(o.deadline);
      return;
    }
    if (o.kind == peer::Output::Kind::transmit) {
      transmit(p, o.transmit, now);
      continue;
    }
    if (o.event.kind == peer::EventKind::srtp_ready && p.connected_at.is_never()) p.connected_at = now;
    if (on_event) on_event(p, o.event);
    if (o.event.kind == peer::EventKind::rtp_received && p.echo) echo(p, o.event.data, now);
  }
}

// Re-sends a received RTP packet on our own SSRC (issue 6, `keyway answer`).
void CallLoop::echo(Party& p, Bytes rtp, Timestamp now) {
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
    transmit(p, *t, now);
  }
}

void CallLoop::send_media(Party& p, Timestamp now, Timestamp media_until) {
  if (p.conn->state() != peer::State::connected || now > media_until) return;
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
    if (t.ok()) transmit(p, *t, now);
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
    if (t.ok()) transmit(p, *t, now);
  }
}

bool CallLoop::run(Timestamp until, const std::function<bool()>& done, Timestamp media_until) {
  std::vector<int> fds;
  for (Party* p : parties_) fds.push_back(p->socket->fd());
  uint8_t buf[2048];
  while (!done()) {
    Timestamp now = monotonic_now();
    if (now >= until) return done();
    deadlines_.clear();
    for (Party* p : parties_) {
      p->conn->handle_timeout(now);
      send_media(*p, now, media_until);
      drain(*p, now);
    }
    while (!delayed_.empty() && delayed_.front().at <= now) {
      delayed_.front().from->socket->send_to(delayed_.front().to, delayed_.front().bytes);
      delayed_.pop_front();
    }
    Timestamp next = until;
    for (Timestamp d : deadlines_) next = earliest(next, d);
    if (!delayed_.empty()) next = earliest(next, delayed_.front().at);
    for (Party* p : parties_)
      if (p->audio.started) next = earliest(next, earliest(p->audio.next_rtp, p->audio.next_rtcp));
    wait_readable(fds, next);
    now = monotonic_now();
    for (Party* p : parties_) {
      ice::SocketAddr from;
      for (int i = 0; i < 64; ++i) {
        auto n = p->socket->recv_from(buf, from);
        if (!n) break;
        p->conn->handle_datagram(now, MutableBytes(buf, *n), from, p->socket->local());
        drain(*p, now);  // media events point into buf: consume them now
      }
    }
  }
  return true;
}

}  // namespace keyway::tools
