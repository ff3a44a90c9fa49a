// SPDX-License-Identifier: Apache-2.0
// TURN over TCP for the CLI (issue 14, RFC 8656 §3.1): the driver owns one
// TCP connection to the TURN server; what peer::Connection sends to the
// server goes out on it as is (the TURN client already pads ChannelData to
// 4 bytes for a tcp server), and the bytes that come back go through the
// sans-IO stream framer (ice/turn/stream_framer.hpp), which hands back whole
// STUN messages and ChannelData, each delivered as if it had come from the
// server's address. The connection's local address stays its UDP socket's.
#pragma once

#include <functional>
#include <span>

#include "keyway/ice/address.hpp"
#include "keyway/ice/turn/stream_framer.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::tools {

class TurnTcp {
 public:
  TurnTcp() = default;
  ~TurnTcp();
  TurnTcp(const TurnTcp&) = delete;
  TurnTcp& operator=(const TurnTcp&) = delete;

  // Connects to the server, waiting at most `seconds`.
  [[nodiscard]] Status connect(const ice::SocketAddr& server, double seconds);
  int fd() const { return fd_; }
  const ice::SocketAddr& server() const { return server_; }
  // Is this transmit for the TURN server (so it goes on the stream)?
  bool carries(const ice::SocketAddr& to) const { return fd_ >= 0 && to == server_; }
  // Writes all of bytes (a stream has no datagram loss; a dead stream is reported once).
  bool send(std::span<const uint8_t> bytes);
  // Reads what is waiting and hands each whole message to deliver. False once
  // the server closed the stream or the stream broke (it is then closed).
  bool receive(const std::function<void(std::span<uint8_t>)>& deliver);

 private:
  void close_stream(const char* why);
  int fd_ = -1;
  ice::SocketAddr server_{};
  ice::turn::StreamFramer framer_;
  uint8_t message_[ice::turn::StreamFramer::kCapacity] = {};  // a mutable copy for the driver
};

}  // namespace keyway::tools
