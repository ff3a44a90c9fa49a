// SPDX-License-Identifier: Apache-2.0
// Shared helpers for the srtp tests.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <doctest/doctest.h>

#include "keyway/srtp/session.hpp"
#include "tests/support/hex.hpp"

namespace keyway::srtp::testing {

// A session pair's worth of master key and salt for a profile, deterministic.
struct Master {
  std::vector<uint8_t> key, salt;
};

inline Master make_master(Profile p, uint8_t seed = 0x11) {
  const ProfileInfo& info = profile_info(p);
  Master m;
  for (std::size_t i = 0; i < info.key_len; ++i) m.key.push_back(static_cast<uint8_t>(seed + i * 7));
  for (std::size_t i = 0; i < info.salt_len; ++i) m.salt.push_back(static_cast<uint8_t>(seed ^ (0xA0 + i)));
  return m;
}

inline std::unique_ptr<Session> make_session(SessionConfig cfg, Direction dir, const Master& m) {
  cfg.direction = dir;
  auto s = std::make_unique<Session>();
  auto st = s->init(cfg, m.key, m.salt);
  REQUIRE(st.ok());
  return s;
}

// An RTP packet: 12-byte header, optional CSRCs and extension, payload.
inline std::vector<uint8_t> rtp_packet(uint32_t ssrc, uint16_t seq, std::size_t payload_len, uint8_t csrcs = 0,
                                       bool one_byte_ext = false) {
  std::vector<uint8_t> p;
  p.push_back(static_cast<uint8_t>(0x80 | (one_byte_ext ? 0x10 : 0) | csrcs));
  p.push_back(96);
  p.push_back(static_cast<uint8_t>(seq >> 8));
  p.push_back(static_cast<uint8_t>(seq));
  for (int i = 0; i < 4; ++i) p.push_back(static_cast<uint8_t>(0x10 + i));
  for (int i = 0; i < 4; ++i) p.push_back(static_cast<uint8_t>(ssrc >> (24 - 8 * i)));
  for (uint8_t c = 0; c < csrcs; ++c)
    for (int i = 0; i < 4; ++i) p.push_back(static_cast<uint8_t>(c * 16 + i));
  if (one_byte_ext) {
    const uint8_t ext[] = {0xBE, 0xDE, 0x00, 0x01, 0x10, 0xAA, 0x00, 0x00};  // id 1, 1 byte, 2 padding
    p.insert(p.end(), ext, ext + sizeof ext);
  }
  for (std::size_t i = 0; i < payload_len; ++i) p.push_back(static_cast<uint8_t>(i * 3 + seq));
  return p;
}

inline std::vector<uint8_t> rtcp_packet(uint32_t ssrc, std::size_t extra_words) {
  std::vector<uint8_t> p = {0x80, 201, 0, static_cast<uint8_t>(1 + extra_words)};
  for (int i = 0; i < 4; ++i) p.push_back(static_cast<uint8_t>(ssrc >> (24 - 8 * i)));
  for (std::size_t i = 0; i < extra_words * 4; ++i) p.push_back(static_cast<uint8_t>(i));
  // Trailing RR block is opaque to SRTCP; keep the length field consistent.
  p[3] = static_cast<uint8_t>(1 + extra_words);
  return p;
}

}  // namespace keyway::srtp::testing
