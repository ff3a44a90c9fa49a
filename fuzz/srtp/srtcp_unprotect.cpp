// SPDX-License-Identifier: Apache-2.0
// Fuzz target: SRTCP unprotect for every profile (first byte picks it).
// Same two checks as srtp_unprotect: raw input never crashes and failures
// leave the buffer unchanged; a protected RTCP packet comes back intact.
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz/srtp/fuzz_session.hpp"

using namespace keyway::srtp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 4096) return 0;
  fuzz::Pair pair;
  if (!fuzz::make_pair(data[0], pair)) __builtin_trap();
  const std::vector<uint8_t> packet(data + 1, data + size);

  std::vector<uint8_t> buf = packet;
  auto r = pair.rx.unprotect_rtcp(buf, buf.size());
  if (!r.ok() && buf != packet) __builtin_trap();
  if (r.ok()) {  // accepted once (fuzzing builds: lib/fuzzing.hpp): never twice (RFC 3711 §3.3.2)
    std::vector<uint8_t> again = packet;
    if (pair.rx.unprotect_rtcp(again, again.size()).ok()) __builtin_trap();
  }

  // The round trip uses fresh sessions: in fuzzing builds (lib/fuzzing.hpp)
  // the raw input may have been accepted above and taken its index.
  fuzz::Pair fresh;
  if (!fuzz::make_pair(data[0], fresh)) __builtin_trap();
  buf = packet;
  buf.resize(packet.size() + kMaxTrailerLen);
  auto n = fresh.tx.protect_rtcp(buf, packet.size());
  if (!n.ok()) return 0;
  const std::vector<uint8_t> wire(buf.begin(), buf.begin() + static_cast<long>(*n));
  auto back = fresh.rx.unprotect_rtcp(buf, *n);
  if (!back.ok() || *back != packet.size() || std::memcmp(buf.data(), packet.data(), packet.size()) != 0)
    __builtin_trap();
  std::vector<uint8_t> replay = wire;
  if (fresh.rx.unprotect_rtcp(replay, replay.size()).ok()) __builtin_trap();  // replays are refused
  return 0;
}
