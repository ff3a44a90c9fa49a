// SPDX-License-Identifier: Apache-2.0
#include "keyway/ice/credentials.hpp"

#include <cstring>

#include "keyway/lib/bytes.hpp"

namespace keyway::ice {
namespace {

constexpr Error kUfrag = make_error(Layer::ice, Code::invalid_argument, "credentials: ice-ufrag is not 4..32 ice-chars");
constexpr Error kPwd = make_error(Layer::ice, Code::invalid_argument, "credentials: ice-pwd is not 22..64 ice-chars");
constexpr char kIceChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/".
bool all_ice_chars(std::string_view s) {
  for (char c : s)
    if (std::memchr(kIceChars, c, 64) == nullptr) return false;
  return true;
}

}  // namespace

Result<Credentials> Credentials::make(std::string_view ufrag, std::string_view pwd) {
  ENSURE(ufrag.size() >= 4 && ufrag.size() <= kMaxUfrag && all_ice_chars(ufrag), kUfrag);
  ENSURE(pwd.size() >= 22 && pwd.size() <= kMaxPwd && all_ice_chars(pwd), kPwd);
  Credentials c;
  std::memcpy(c.ufrag, ufrag.data(), ufrag.size());
  c.ufrag_len = static_cast<uint8_t>(ufrag.size());
  std::memcpy(c.pwd, pwd.data(), pwd.size());
  c.pwd_len = static_cast<uint8_t>(pwd.size());
  return c;
}

crypto::HmacSha1 Credentials::key() const {
  return crypto::HmacSha1(Bytes(reinterpret_cast<const uint8_t*>(pwd), pwd_len));
}

Credentials Credentials::random(Rng& rng) {
  char u[8], p[24];
  for (char& c : u) c = kIceChars[rng.uniform(64)];
  for (char& c : p) c = kIceChars[rng.uniform(64)];
  return *make(std::string_view(u, sizeof u), std::string_view(p, sizeof p));
}

}  // namespace keyway::ice
