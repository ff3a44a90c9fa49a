// SPDX-License-Identifier: Apache-2.0
// SocketAddr: an IPv4 or IPv6 address and a UDP port, as a plain value.
//
// ICE candidates, STUN address attributes and the Transmit envelope of
// lib/sans_io.hpp all use this one type (it knows no ICE, so it lives in
// lib/; ice/address.hpp names it ice::SocketAddr for ICE's readers). Text forms follow
// RFC 8839 §5.1 (connection-address): dotted quad for IPv4, RFC 5952
// compressed form for IPv6 (written), any RFC 4291 §2.2 form (read).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "keyway/lib/result.hpp"

namespace keyway {

enum class Family : uint8_t { v4, v6 };

struct SocketAddr {
  Family family = Family::v4;
  uint8_t ip[16] = {};  // IPv4 uses the first 4 bytes
  uint16_t port = 0;

  static SocketAddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port);
  static SocketAddr v6(const uint8_t (&bytes)[16], uint16_t port);
  // Parses an IP literal (no brackets, no port) and attaches port.
  static Result<SocketAddr> parse_ip(std::string_view text, uint16_t port);

  std::size_t ip_len() const { return family == Family::v4 ? 4 : 16; }
  bool same_ip(const SocketAddr& o) const;
  // 0.0.0.0 or :: (RFC 4291 §2.5.2): "any address", which a socket may be
  // bound to but a peer can never send to.
  bool is_unspecified() const {
    for (std::size_t i = 0; i < ip_len(); ++i)
      if (ip[i] != 0) return false;
    return true;
  }
  friend bool operator==(const SocketAddr& a, const SocketAddr& b) {
    return a.port == b.port && a.same_ip(b);
  }

  // Writes the IP literal (NUL-terminated); returns its length.
  std::size_t format_ip(char* out, std::size_t out_len) const;
  // Writes "1.2.3.4:5" or "[::1]:5" (NUL-terminated); returns its length.
  std::size_t format(char* out, std::size_t out_len) const;
};

// Enough for "[ffff:...:ffff]:65535" plus NUL.
constexpr std::size_t kMaxAddrText = 48;

}  // namespace keyway
