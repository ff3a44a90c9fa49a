// SPDX-License-Identifier: Apache-2.0
// Running peer::Connections over real UDP sockets, in real time: the loop of
// `keyway demo`, `keyway offer` and `keyway answer` (and `keyway-bench call`
// over loopback). The stepping and routing are the shared sim::CallDriver's
// (tests/support/call_driver.hpp); here they meet the sockets and the clock:
// what one party sends to another crosses a sim::Netem link (the demo's
// --loss/--reorder) and then that party's socket; what it sends elsewhere
// (a remote peer) goes straight out.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "keyway/peer/connection.hpp"
#include "tests/support/call_driver.hpp"
#include "tests/support/netem.hpp"
#include "tools/turn_tcp.hpp"
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
  // --turn '...?transport=tcp': what goes to the TURN server takes this stream
  // instead of the socket (the socket's address stays the local address).
  TurnTcp* turn_tcp = nullptr;
  MediaSource audio;
  bool send_media = true;
  // Re-send received RTP on our own SSRC for its media kind (audio only when
  // we do not generate audio ourselves).
  bool echo = false;
  uint32_t echo_audio_ssrc = 0, echo_video_ssrc = 0;
  std::vector<uint8_t> video_payload_types;  // which received PTs are video (for echo)
  Timestamp connected_at = Timestamp::never();
  uint64_t echoed = 0;
  int node = 0;  // set by CallLoop::add
};

struct Impairment {
  double loss = 0;
  double reorder = 0;
  Duration reorder_delay = Duration::millis(30);
};

// Sends from the party: to its TURN server over TCP when it has one, else on its socket.
void send_from(Party& p, const ice::SocketAddr& to, std::span<const uint8_t> bytes);
// The fds a party reads: its socket, and its TURN stream if any.
void add_fds(const Party& p, std::vector<int>& fds);
// Hands what waits on the party's TURN stream to deliver(message, from the server).
void receive_turn_stream(Party& p, const std::function<void(MutableBytes, const ice::SocketAddr&)>& deliver);

// TURN for the CLI (issue 14): --turn 'turn:HOST:PORT?transport=udp|tcp',
// --turn-user U, --turn-pass P, --relay-only. Over tcp the CLI owns the
// connection (TurnTcp) and the library's stream framer splits what arrives.
struct TurnOptions {
  std::string uri, user, pass;
  bool relay_only = false;
  bool tcp = false;              // ?transport=tcp
  ice::SocketAddr server_addr{};  // the TURN server, as parse_uri read it
  peer::TurnServerConfig server{};  // points into the strings above
  bool enabled() const { return !uri.empty(); }
  // Over tcp: connects `stream` to the server and sets party.turn_tcp; prints why not.
  bool connect(TurnTcp& stream, Party& party) const;
  // Sets cfg's TURN servers and policy (this object must outlive add_local_address).
  void apply(peer::Config& cfg);
};
// Reads the four options; false and a message when they do not fit together.
bool read_turn_options(std::optional<std::string> uri, std::optional<std::string> user, std::optional<std::string> pass,
                       bool relay_only, TurnOptions& out, std::string& error);
// Runs the parties over their sockets until every connection has gathered
// its candidates (the TURN allocation answered), at most `seconds`.
bool gather_candidates(const std::vector<Party*>& parties, double seconds);
// The stats JSON's "turn" object (issue 14: these keys are a contract).
std::string turn_stats_json(const peer::Summary& s);

class CallLoop {
 public:
  using TransmitHook = std::function<void(Party&, const peer::Transmit&, bool dropped)>;
  using EventHook = std::function<void(Party&, const peer::Event&)>;

  // `seed` fixes the impairment pattern (the draws of the netem links).
  CallLoop(uint64_t seed, Impairment imp);
  void add(Party* p);
  TransmitHook on_transmit;
  EventHook on_event;
  // Runs until done() is true or the deadline passes. Returns done().
  bool run(Timestamp until, const std::function<bool()>& done, Timestamp media_until);

 private:
  Party& party(int node) { return *parties_[static_cast<std::size_t>(node)]; }
  void transmit(Party& p, const peer::Transmit& t);
  void send_media(Party& p, Timestamp now, Timestamp media_until);
  void echo(Party& p, Bytes rtp);
  void receive_all();

  Impairment imp_;
  sim::Netem net_;
  sim::CallDriver driver_;
  std::vector<Party*> parties_;
  Timestamp media_until_ = Timestamp::never();
};

}  // namespace keyway::tools
