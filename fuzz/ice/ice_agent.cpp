// SPDX-License-Identifier: Apache-2.0
// Fuzz target: an ICE agent fed arbitrary datagrams, candidate lines and
// time steps (style.md §7). Credentials are fixed so that a corpus can hold
// authenticated checks (see make_corpus.py). Input: records of
//   op(1) len(2, big-endian) bytes(len)
//   op % 6: 0 datagram from peer 1, 1 datagram from peer 2,
//           2 advance time by bytes[0] * 10 ms, 3 remote candidate text,
//           4 restart (new local credentials),
//           5 the peer answers the agent's last Binding request, correctly
//             authenticated (bytes[0] & 1: 487 Role Conflict instead of a
//             success; bytes[1]: flips that byte of the answer's mapped port),
//             so checks, nomination and consent succeed without the fuzzer
//             guessing a transaction ID.
// After every record the agent is polled until it asks to wait.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "keyway/ice/agent.hpp"
#include "keyway/ice/stun/attributes.hpp"
#include "keyway/ice/stun/builder.hpp"
#include "keyway/ice/stun/message.hpp"
#include "keyway/lib/bytes.hpp"
#include "keyway/lib/rng.hpp"

using namespace keyway;
using namespace keyway::ice;

namespace {
const SocketAddr kLocal = SocketAddr::v4(127, 0, 0, 1, 5000);
const SocketAddr kPeer1 = SocketAddr::v4(127, 0, 0, 1, 6000);
const SocketAddr kPeer2 = SocketAddr::v4(127, 0, 0, 1, 6001);

const char kRemotePassword[] = "remotepasswordremotepassword";

// The last Binding request the agent sent, for op 5.
struct LastRequest {
  bool valid = false;
  stun::TransactionId txid{};
  SocketAddr from{}, to{};
};
LastRequest g_last;

void remember(const Output& o) {
  if (o.kind != Output::Kind::transmit) return;
  auto m = stun::Message::parse(o.transmit.bytes);
  if (!m.ok() || m->type() != stun::message_type(stun::kMethodBinding, stun::Class::request)) return;
  g_last = {true, m->transaction_id(), o.transmit.from, o.transmit.to};
}

void answer_last_request(Agent& agent, Timestamp now, Bytes how) {
  if (!g_last.valid) return;
  const bool conflict = !how.empty() && (how[0] & 1) != 0;
  uint8_t buf[256];
  stun::Builder b(MutableBytes(buf, sizeof buf),
                  stun::message_type(stun::kMethodBinding, conflict ? stun::Class::error : stun::Class::success),
                  g_last.txid);
  SocketAddr mapped = g_last.from;
  if (how.size() > 1) mapped.port = static_cast<uint16_t>(mapped.port ^ how[1]);
  if (conflict) b.add_error_code(487, "Role Conflict");
  else b.add_xor_address(stun::attr::kXorMappedAddress, mapped);
  static const crypto::HmacSha1 key(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(kRemotePassword), sizeof kRemotePassword - 1));
  b.add_message_integrity(key);
  b.add_fingerprint();
  auto msg = b.finish();
  if (msg.ok()) agent.handle_datagram(now, *msg, g_last.to, g_last.from);
}

// Polls until a timeout. A deadline that is already due must go away once
// handle_timeout ran: otherwise the caller would spin.
void drain(Agent& agent, Timestamp now) {
  static uint8_t scratch[1500];
  for (int round = 0; round < 4; ++round) {
    Output o;
    int i = 0;
    for (; i < 1000; ++i) {
      o = agent.poll_output(now, MutableBytes(scratch, sizeof scratch));
      remember(o);
      if (o.kind == Output::Kind::timeout) break;
    }
    if (i == 1000) __builtin_trap();  // poll_output must reach a timeout
    if (o.deadline > now) return;
    agent.handle_timeout(now);
  }
  __builtin_trap();  // still due "now" after handling it: a spin
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteReader in(Bytes(data, size));
  g_last = {};
  uint8_t mode = 0;
  if (!in.read_u8(mode)) return 0;
  SeededRng rng(mode);
  Config cfg;
  cfg.rng = &rng;
  cfg.controlling = (mode & 1) != 0;
  cfg.lite = (mode & 2) != 0;
  Agent agent(cfg);
  (void)agent.add_local_host(kLocal);
  (void)agent.set_local_credentials("LOCALUFRAG", "localpasswordlocalpassword");
  (void)agent.set_remote_credentials("REMOTEUFRAG", kRemotePassword);
  (void)agent.add_remote_candidate("candidate:1 1 udp 2130706431 127.0.0.1 6000 typ host");
  Timestamp now = Timestamp::from_micros(1000000);
  drain(agent, now);
  for (int records = 0; records < 256; ++records) {
    uint8_t op = 0;
    ByteReader body;
    if (!in.read_u8(op) || !in.read_prefixed16(body)) break;
    Bytes b = body.rest();
    switch (op % 6) {
      case 0: agent.handle_datagram(now, b, kPeer1, kLocal); break;
      case 1: agent.handle_datagram(now, b, kPeer2, kLocal); break;
      case 2:
        now = now + Duration::millis(10 * (b.empty() ? 1 : b[0]));
        agent.handle_timeout(now);
        break;
      case 3:
        (void)agent.add_remote_candidate(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
        break;
      case 4: agent.restart(); break;
      default: answer_last_request(agent, now, b); break;
    }
    drain(agent, now);
  }
  return 0;
}
