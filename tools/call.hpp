// Running peer::Connections over real UDP sockets on loopback: the poll
// loop of `keyway demo`, `keyway offer` and `keyway answer`.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lib/rng.hpp"
#include "peer/connection.hpp"
#include "tools/udp.hpp"

namespace keyway::tools {

// Generated media: 20 ms audio packets (RFC 3550 §5.1) and an RTCP sender
// report every second (§6.4.1), once SRTP is ready.
struct MediaSource {
  uint32_t ssrc = 0;
  uint8_t payload_type = 0;
  std::size_t payload_size = 160;
  bool opus = false;  // payload is an Opus silence frame instead of PCMU bytes
  uint16_t seq = 0;
  uint32_t timestamp = 0;
  Timestamp next_rtp = Timestamp::zero();
  Timestamp next_rtcp = Timestamp::zero();
  bool started = false;
};

struct Party {
  std::string name;
  peer::Connection* conn = nullptr;
  UdpSocket* socket = nullptr;
  MediaSource audio;
  bool send_media = true;
  // Re-send received RTP on our own SSRC for its media kind (audio only when
  // we do not generate audio ourselves).
  bool echo = false;
  uint32_t echo_audio_ssrc = 0, echo_video_ssrc = 0;
  std::vector<uint8_t> video_payload_types;  // which received PTs are video (for echo)
  Timestamp connected_at = Timestamp::never();
  uint64_t echoed = 0;
};

struct Impairment {
  double loss = 0;
  double reorder = 0;
  Duration reorder_delay = Duration::millis(30);
};

class CallLoop {
 public:
  using TransmitHook = std::function<void(Party&, const peer::Transmit&, bool dropped)>;
  using EventHook = std::function<void(Party&, const peer::Event&)>;

  CallLoop(Rng& rng, Impairment imp) : rng_(rng), imp_(imp) {}
  void add(Party* p) { parties_.push_back(p); }
  TransmitHook on_transmit;
  EventHook on_event;
  // Runs until done() is true or the deadline passes. Returns done().
  bool run(Timestamp until, const std::function<bool()>& done, Timestamp media_until);

 private:
  struct Delayed {
    Timestamp at;
    Party* from;
    ice::SocketAddr to;
    std::vector<uint8_t> bytes;
  };
  void transmit(Party& p, const peer::Transmit& t, Timestamp now);
  void drain(Party& p, Timestamp now);
  void send_media(Party& p, Timestamp now, Timestamp media_until);
  void echo(Party& p, Bytes rtp, Timestamp now);

  Rng& rng_;
  Impairment imp_;
  std::vector<Party*> parties_;
  std::deque<Delayed> delayed_;
  std::vector<Timestamp> deadlines_;
};

}  // namespace keyway::tools
