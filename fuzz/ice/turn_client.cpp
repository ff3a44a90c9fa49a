// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the TURN client (ice/turn/) fed arbitrary datagrams from its
// server and from strangers, time steps, peers and data to relay, with the
// TURN test model (tests/support/turn_model.hpp) to answer its requests
// correctly when asked, so allocation, permissions, channels and refreshes
// are reached without the fuzzer guessing transaction ids or HMACs. Every
// datagram also goes through the ChannelData parser. Input: records of
//   op(1) len(2, big-endian) bytes(len)
//   op % 7: 0 datagram from the server, 1 datagram from a stranger,
//           2 advance time by (bytes[0] << 8 | bytes[1]) * 10 ms,
//           3 add a peer 127.0.0.1:(bytes[0] << 8 | bytes[1]),
//           4 relay bytes to the first peer (wrap),
//           5 the model answers the client's pending requests (bytes[0]:
//             an error code index for Allocate, bytes[1] & 1: a stale nonce),
//           6 close.
// After every record the client is polled until it asks to wait; requests
// are kept for op 5.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "keyway/ice/turn/channel_data.hpp"
#include "keyway/ice/turn/client.hpp"
#include "keyway/lib/bytes.hpp"
#include "keyway/lib/rng.hpp"
#include "tests/support/turn_model.hpp"

using namespace keyway;
using namespace keyway::ice;

namespace {
const SocketAddr kLocal = SocketAddr::v4(127, 0, 0, 1, 40000);
const SocketAddr kStranger = SocketAddr::v4(127, 0, 0, 1, 9);
constexpr uint16_t kCodes[] = {0, 0, 0, 403, 437, 441, 486, 508, 400, 300};

void drain(turn::Client& c, Timestamp now, std::vector<std::vector<uint8_t>>& pending) {
  static uint8_t scratch[1500];
  for (int i = 0; i < 1000; ++i) {
    turn::Output o = c.poll_output(now, MutableBytes(scratch, sizeof scratch));
    if (o.kind == turn::Output::Kind::timeout) {
      if (o.deadline <= now) c.handle_timeout(now);
      return;
    }
    if (o.kind == turn::Output::Kind::transmit && pending.size() < 64)
      pending.emplace_back(o.transmit.bytes.begin(), o.transmit.bytes.end());
  }
  __builtin_trap();  // the client never stops producing output
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  SeededRng rng(size);
  test::TurnModel model;
  turn::ClientConfig config;
  config.server = model.addr;
  config.local = kLocal;
  config.username = "alice";
  config.password = "s3cret";
  turn::Client client(config, rng);
  Timestamp now = Timestamp::from_micros(1000000);
  if (!client.start(now).ok()) __builtin_trap();
  std::vector<std::vector<uint8_t>> pending;
  SocketAddr first_peer{};
  bool have_peer = false;
  drain(client, now, pending);  // the first Allocate
  ByteReader r(Bytes(data, size));
  uint8_t op = 0;
  uint16_t len = 0;
  Bytes body;
  while (r.read_u8(op) && r.read_u16(len) && r.read_bytes(len, body)) {
    uint16_t arg = body.size() >= 2 ? static_cast<uint16_t>(body[0] << 8 | body[1]) : 0;
    switch (op % 7) {
      case 0:
      case 1: {
        (void)turn::parse_channel_data(body);
        (void)turn::channel_data_stream_size(body);
        turn::Received got = client.handle_datagram(now, body, op % 7 == 0 ? model.addr : kStranger);
        if (got.data.size() > body.size()) __builtin_trap();  // a view into the datagram
        break;
      }
      case 2:
        now = now + Duration::millis(10) * arg;
        client.handle_timeout(now);
        break;
      case 3: {
        SocketAddr peer = SocketAddr::v4(127, 0, 0, 1, arg);
        if (client.add_peer(now, peer).ok() && !have_peer) {
          first_peer = peer;
          have_peer = true;
        }
        break;
      }
      case 4: {
        static uint8_t out[1500];
        if (have_peer) (void)client.wrap(now, first_peer, body.first(body.size() < 1400 ? body.size() : 1400), out);
        break;
      }
      case 5: {
        model.allocate_error = body.empty() ? 0 : kCodes[body[0] % (sizeof kCodes / sizeof kCodes[0])];
        model.stale_next = body.size() > 1 ? (body[1] & 1) : 0;
        std::vector<std::vector<uint8_t>> requests;
        requests.swap(pending);
        for (const auto& req : requests) {
          auto answer = model.handle(req, kLocal);
          if (!answer.empty()) (void)client.handle_datagram(now, answer, model.addr);
          drain(client, now, pending);
        }
        break;
      }
      case 6:
        client.close(now);
        break;
    }
    drain(client, now, pending);
  }
  return 0;
}
