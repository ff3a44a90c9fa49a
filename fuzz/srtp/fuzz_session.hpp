// SPDX-License-Identifier: Apache-2.0
// Shared set-up for the SRTP fuzz targets: the first input byte picks the
// profile (and whether a 4-byte MKI is configured), the rest is the packet.
#pragma once

#include <cstdint>
#include <cstring>

#include "keyway/srtp/session.hpp"

namespace keyway::srtp::fuzz {

struct Pair {
  Session tx;
  Session rx;
};

// Fixed keys: the target checks structure and the protect/unprotect round
// trip, not key secrecy.
inline bool make_pair(uint8_t selector, Pair& pair) {
  const Profile profile = kAllProfiles[selector % (sizeof kAllProfiles / sizeof kAllProfiles[0])];
  const ProfileInfo& info = profile_info(profile);
  uint8_t key[kMaxKeyLen], salt[kMaxSaltLen];
  std::memset(key, 0x5a, sizeof key);
  std::memset(salt, 0xa5, sizeof salt);
  SessionConfig cfg;
  cfg.profile = profile;
  cfg.replay_window = 64;
  cfg.max_streams = 2;
  if ((selector & 0x80) != 0) {
    cfg.mki_len = 4;
    std::memcpy(cfg.mki, "\x01\x02\x03\x04", 4);
  }
  if (!pair.tx.init(cfg, {key, info.key_len}, {salt, info.salt_len}).ok()) return false;
  cfg.direction = Direction::inbound;
  return pair.rx.init(cfg, {key, info.key_len}, {salt, info.salt_len}).ok();
}

}  // namespace keyway::srtp::fuzz
