// SPDX-License-Identifier: Apache-2.0
// keyway-bench memory: what one peer::Connection holds for a whole call
// (issue 13), audio + video with two SSRCs each way, everything included:
// the object itself and every heap byte it asks for (the SDP scratch while a
// description is read, the DTLS handshake context, mbedTLS's ECDHE/ECDSA
// work, the SRTP stream tables), charged to the side that allocated it by
// the heap meter (bench/dtls/heap_meter.hpp, every malloc and free).
//
//   memory connection sizeof=<n> handshake_peak_bytes=<n> established_bytes=<n> per_extra_ssrc_bytes=<n>
//   memory connection sizeof=<n> ... per_extra_ssrc_bytes=<n> dtls=1.3
//
// The second line is the same call with peer::Config::dtls_offer_dtls13 on
// both sides (issue 18), so DTLS 1.3 is negotiated.
//
// The two Connections are pumped in memory with a virtual clock (no loss,
// no delay), not through sim::CallDriver: the meter has to know whose call
// is running, and the driver steps both connections in one call.
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "bench/benches.hpp"
#include "bench/dtls/heap_meter.hpp"
#include "keyway/lib/rng.hpp"
#include "keyway/peer/connection.hpp"
#include "keyway/srtp/stream_table.hpp"
#include "tests/peer/call_sim.hpp"

namespace keyway::bench {
namespace {

const sdp::Codec kVideo[] = {{"VP8", 90000, 0, 96, {}, {}}};

struct Side {
  SeededRng public_rng{1}, secret_rng{2};
  std::unique_ptr<peer::Connection> conn;
  ice::SocketAddr addr{};
  uint32_t ssrc[3] = {};  // audio, video, and the extra one
  uint16_t seq = 1;
  uint64_t media_received = 0;
};

uint8_t g_rx[2048];

void make_side(Side& s, int i, bool dtls13) {
  s.public_rng = SeededRng(100 + static_cast<uint64_t>(i));
  s.secret_rng = SeededRng(200 + static_cast<uint64_t>(i));
  s.addr = ice::SocketAddr::v4(127, 0, 0, 1, static_cast<uint16_t>(41000 + i));
  s.ssrc[0] = 0x1000u + static_cast<uint32_t>(i);
  s.ssrc[1] = 0x2000u + static_cast<uint32_t>(i);
  s.ssrc[2] = 0x3000u + static_cast<uint32_t>(i);
  peer::Config c;
  c.role = i == 0 ? peer::Role::offerer : peer::Role::answerer;
  c.identity = &peer_test::test_identity(i);
  c.public_rng = &s.public_rng;
  c.secret_rng = &s.secret_rng;
  c.audio_codecs = peer_test::kAudio;
  c.video_codecs = kVideo;
  c.audio_ssrc = s.ssrc[0];
  c.video_ssrc = s.ssrc[1];
  c.dtls_offer_dtls13 = dtls13;
  ChargeTo charge(i);
  s.conn = std::make_unique<peer::Connection>(c);
  (void)s.conn->add_local_address(s.addr);
}

// Runs side i's timers and outputs at `now`, handing transmits to the other
// side; returns side i's next deadline.
Timestamp drain(Side sides[2], int i, Timestamp now) {
  static uint8_t scratch[2048];
  Side& self = sides[i];
  Side& peer = sides[1 - i];
  {
    ChargeTo charge(i);
    self.conn->handle_timeout(now);
  }
  for (int guard = 0; guard < 1000; ++guard) {
    peer::Output o;
    {
      ChargeTo charge(i);
      o = self.conn->poll_output(now, scratch);
    }
    if (o.kind == peer::Output::Kind::timeout) return o.deadline;
    if (o.kind == peer::Output::Kind::transmit) {
      std::memcpy(g_rx, o.transmit.bytes.data(), o.transmit.bytes.size());
      ChargeTo charge(1 - i);
      peer.conn->handle_datagram(now, MutableBytes(g_rx, o.transmit.bytes.size()), self.addr, peer.addr);
    } else if (o.event.kind == peer::EventKind::rtp_received) {
      self.media_received++;
    }
  }
  return now;
}

Timestamp step(Side sides[2], Timestamp now) {
  Timestamp a = drain(sides, 0, now);
  Timestamp b = drain(sides, 1, now);
  return a < b ? a : b;
}

void send_rtp(Side sides[2], int i, uint32_t ssrc, Timestamp now) {
  static uint8_t buf[1500];
  Side& s = sides[i];
  ByteWriter w({buf, 1200});
  w.write_u8(0x80);
  w.write_u8(ssrc == s.ssrc[0] ? 111 : 96);
  w.write_u16(s.seq++);
  w.write_u32(s.seq * 960u);
  w.write_u32(ssrc);
  for (int k = 0; k < 160; ++k) w.write_u8(static_cast<uint8_t>(k));
  Result<peer::Transmit> t = make_error(Layer::peer, Code::internal, "");
  {
    ChargeTo charge(i);
    t = s.conn->send_rtp({buf, sizeof buf}, w.size());
  }
  if (!t.ok()) return;
  std::memcpy(g_rx, t->bytes.data(), t->bytes.size());
  {
    ChargeTo charge(1 - i);
    sides[1 - i].conn->handle_datagram(now, MutableBytes(g_rx, t->bytes.size()), s.addr, sides[1 - i].addr);
  }
  step(sides, now);
}

// Who holds what when a side's heap peaks (read inside malloc: no allocation).
const peer::Connection* g_watched[2] = {nullptr, nullptr};
struct PeakParts {
  std::size_t live = 0, ice = 0, dtls = 0;
};
PeakParts g_at_peak[2];
void note_peak(int side) {
  const peer::Connection* c = g_watched[side];
  PeakParts& p = g_at_peak[side];
  p.live = HeapMeter::live(side);
  p.ice = c ? c->ice().heap_bytes() : 0;
  p.dtls = c && c->dtls() ? c->dtls()->heap_bytes() : 0;
}

std::size_t live_max() { return std::max(HeapMeter::live(0), HeapMeter::live(1)); }

// One metered call; prints its lines (the breakdown only for the default call).
int measure_call(bool dtls13) {
  HeapMeter::start();
  bool ok = false;
  std::size_t established = 0, extra = 0, side_live[2] = {0, 0};
  // The breakdown (answerer side, the larger): heap per phase and its holders.
  std::size_t made = 0, at_connect = 0, ice_at_connect = 0, dtls_at_connect = 0, ice_after = 0, dtls_after = 0;
  std::size_t tables = 0, slots_out = 0, slots_in = 0, cred_heap = 0, hosts_heap = 0;
  struct SideParts {
    std::size_t ice = 0, dtls = 0;
    int record_aeads = 0;
    bool dtls_client = false, ice_released = false;
  } side_parts[2];
  {
    Side sides[2];
    make_side(sides[0], 0, dtls13);
    make_side(sides[1], 1, dtls13);
    made = HeapMeter::live(1);
    g_watched[0] = sides[0].conn.get();
    g_watched[1] = sides[1].conn.get();
    HeapMeter::on_peak = note_peak;
    char offer[8192], answer[8192];
    std::string_view o_text, a_text;
    {
      ChargeTo charge(0);
      auto o = sides[0].conn->create_offer(offer, true);
      if (o.ok()) o_text = *o;
    }
    {
      ChargeTo charge(1);
      auto a = sides[1].conn->accept_offer(o_text, answer);
      if (a.ok()) a_text = *a;
    }
    {
      ChargeTo charge(0);
      (void)sides[0].conn->set_remote_answer(a_text);
    }
    Timestamp now = Timestamp::from_micros(1'000'000);
    auto connected = [&] {
      return sides[0].conn->state() == peer::State::connected && sides[1].conn->state() == peer::State::connected;
    };
    for (int guard = 0; guard < 10'000 && !connected(); ++guard) {
      Timestamp next = step(sides, now);
      now = next > now ? next : now + Duration::micros(1);
    }
    at_connect = HeapMeter::live(1);
    ice_at_connect = sides[1].conn->ice().heap_bytes();
    dtls_at_connect = sides[1].conn->dtls() ? sides[1].conn->dtls()->heap_bytes() : 0;
    // Media both ways on both SSRCs, then one more consent round.
    for (int k = 0; k < 10; ++k)
      for (int i = 0; i < 2; ++i)
        for (int m = 0; m < 2; ++m) send_rtp(sides, i, sides[i].ssrc[m], now);
    for (int guard = 0; guard < 100; ++guard) now = std::max(step(sides, now), now + Duration::millis(1));
    established = live_max();
    ice_after = sides[1].conn->ice().heap_bytes();
    cred_heap = sides[1].conn->ice().credentials_heap_bytes();
    hosts_heap = sides[1].conn->ice().hosts_heap_bytes();
    dtls_after = sides[1].conn->dtls() ? sides[1].conn->dtls()->heap_bytes() : 0;
    slots_out = sides[1].conn->srtp_outbound().config().max_streams;
    slots_in = sides[1].conn->srtp_inbound().config().max_streams;
    side_live[0] = HeapMeter::live(0);
    side_live[1] = HeapMeter::live(1);
    for (int i = 0; i < 2; ++i) {
      const peer::Connection& c = *sides[i].conn;
      side_parts[i].ice = c.ice().heap_bytes();
      side_parts[i].dtls = c.dtls() ? c.dtls()->heap_bytes() : 0;
      side_parts[i].record_aeads = c.dtls() ? c.dtls()->record_aeads_held() : 0;
      side_parts[i].dtls_client = c.dtls_client();
      side_parts[i].ice_released = c.ice().checks_released();
    }
    // A third SSRC each way: what it costs beyond the two.
    for (int i = 0; i < 2; ++i) send_rtp(sides, i, sides[i].ssrc[2], now);
    extra = live_max() - established;
    HeapMeter::on_peak = nullptr;
    g_watched[0] = g_watched[1] = nullptr;
    ok = connected() && sides[0].media_received >= 20 && sides[1].media_received >= 20;
    const uint16_t version = dtls13 ? 0xFEFC : 0xFEFD;
    for (const Side& s : sides) ok = ok && s.conn->dtls() && s.conn->dtls()->version() == version;
  }
  std::size_t peak = std::max(HeapMeter::peak(0), HeapMeter::peak(1));
  std::size_t leaked = live_max();
  HeapMeter::stop();
  if (!ok) {
    std::printf("memory: the call did not connect\n");
    return 1;
  }
  // The stream tables are allocated whole when SRTP keys are installed
  // (srtp/stream_table.hpp), so a new SSRC takes a slot that is already
  // counted in established_bytes: this is that slot, per inbound session
  // (an outbound one has no SRTCP replay window: 128 bytes less).
  std::size_t window_bytes = 2 * peer::Config{}.replay_window / 8;
  std::size_t slot = sizeof(srtp::Stream) + window_bytes;
  tables = slots_out * (slot - window_bytes / 2) + slots_in * slot;  // outbound: no SRTCP window
  std::printf("memory connection sizeof=%zu handshake_peak_bytes=%zu established_bytes=%zu per_extra_ssrc_bytes=%zu%s\n",
              sizeof(peer::Connection), peak, established, slot, dtls13 ? " dtls=1.3" : "");
  if (dtls13) {
    std::printf("  (the same call with dtls_offer_dtls13 on both sides; established per side: offerer %zu bytes, "
                "answerer %zu bytes, DTLS heap of the answerer %zu)\n",
                side_live[0], side_live[1], dtls_after);
    return 0;
  }
  std::printf("  (audio+video, 2 SSRCs each way; heap of a third SSRC after set-up: %zu bytes, the slot was "
              "already allocated; after the Connections are destroyed: %zu bytes)\n",
              extra, leaked);
  std::printf("  established per side: offerer %zu bytes, answerer %zu bytes\n", side_live[0], side_live[1]);
  for (int i = 0; i < 2; ++i)
    std::printf("  %s (DTLS %s) heap: %zu = ICE check storage %zu (released: %s), DTLS handshake %zu, DTLS record "
                "AEADs held %d, SRTP stream tables, SRTP AEADs (4)\n",
                i == 0 ? "offerer" : "answerer", side_parts[i].dtls_client ? "client" : "server",
                side_live[i] - sizeof(peer::Connection), side_parts[i].ice, side_parts[i].ice_released ? "yes" : "no",
                side_parts[i].dtls, side_parts[i].record_aeads);
  std::size_t parts = sizeof(ice::Agent) + sizeof(std::optional<dtls::Endpoint>) + 2 * sizeof(srtp::Session) +
                      sizeof(peer::Stats);
  std::printf("  sizeof: ice::Agent=%zu dtls::Endpoint=%zu srtp::Session=%zu (x2) peer::Stats=%zu rest=%zu\n",
              sizeof(ice::Agent), sizeof(std::optional<dtls::Endpoint>), sizeof(srtp::Session), sizeof(peer::Stats),
              sizeof(peer::Connection) - parts);
  // The parts issue 13 packed: what an established agent keeps of its
  // selected pair, its credentials, a stream slot, the ciphers of a session,
  // and the Config a Connection holds on the heap only until SRTP keys.
  std::printf("  parts: ice::CandidateCore=%zu (x2 in the kept pair; ice::Candidate=%zu) ice::Credentials=%zu (x2, "
              "ufrag+pwd heap %zu) srtp::Stream=%zu srtp::PacketCipher=%zu (x2 a Session) peer::Config=%zu (heap until "
              "SRTP keys, then released)\n",
              sizeof(ice::CandidateCore), sizeof(ice::Candidate), sizeof(ice::Credentials), cred_heap,
              sizeof(srtp::Stream), sizeof(srtp::PacketCipher), sizeof(peer::Config));
  std::printf("  answerer heap: constructed %zu (ICE check storage, credentials, the Config copy), connected %zu (ICE %zu, "
              "DTLS %zu), established %zu (ICE %zu + credentials %zu + host addresses %zu, DTLS %zu, SRTP stream tables %zu+%zu slots = %zu, "
              "the rest the AEAD key contexts: 4 SRTP and the DTLS record AEADs held (%d; released after the handshake, "
              "keyed again by a record), each a keyway object holding mbedTLS's context and the AES context mbedTLS "
              "allocates)\n",
              made - sizeof(peer::Connection), at_connect - sizeof(peer::Connection), ice_at_connect,
              dtls_at_connect, side_live[1] - sizeof(peer::Connection), ice_after, cred_heap, hosts_heap, dtls_after, slots_out,
              slots_in, tables, side_parts[1].record_aeads);
  int big = HeapMeter::peak(1) >= HeapMeter::peak(0) ? 1 : 0;
  const PeakParts& at = g_at_peak[big];
  std::printf("  %s at its handshake peak %zu: sizeof %zu, ICE check storage %zu, DTLS handshake context %zu, "
              "the rest (mbedTLS work, SDP scratch, SRTP) %zu\n",
              big == 1 ? "answerer" : "offerer", at.live, sizeof(peer::Connection), at.ice, at.dtls,
              at.live - sizeof(peer::Connection) - at.ice - at.dtls);
  return 0;
}

}  // namespace

int run_memory(int, char**) {
  if (!HeapMeter::available()) {
    std::printf("memory: not measured (this build does not interpose malloc, e.g. ASan)\n");
    return 0;
  }
  (void)peer_test::test_identity(0);  // made once, outside the meter
  (void)peer_test::test_identity(1);
  if (int rc = measure_call(false); rc != 0) return rc;
  return measure_call(true);
}

}  // namespace keyway::bench
