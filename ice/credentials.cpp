// SPDX-License-Identifier: Apache-2.0
#include "keyway/ice/credentials.hpp"

#include <cstring>
#include <new>
#include <utility>

#include "keyway/lib/bytes.hpp"

namespace keyway::ice {
namespace {

constexpr Error kUfrag = make_error(Layer::ice, Code::invalid_argument, "credentials: ice-ufrag is not 4..32 ice-chars");
constexpr Error kPwd = make_error(Layer::ice, Code::invalid_argument, "credentials: ice-pwd is not 22..64 ice-chars");
constexpr Error kNoHeap = make_error(Layer::ice, Code::capacity, "credentials: no heap for ice-ufrag and ice-pwd");
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
  c.text_.reset(new (std::nothrow) char[ufrag.size() + pwd.size()]);
  ENSURE(c.text_ != nullptr, kNoHeap);
  std::memcpy(c.text_.get(), ufrag.data(), ufrag.size());
  std::memcpy(c.text_.get() + ufrag.size(), pwd.data(), pwd.size());
  c.ufrag_len_ = static_cast<uint8_t>(ufrag.size());
  c.pwd_len_ = static_cast<uint8_t>(pwd.size());
  return c;
}

crypto::HmacSha1 Credentials::key() const {
  std::string_view pwd = pwd_view();
  return crypto::HmacSha1(Bytes(reinterpret_cast<const uint8_t*>(pwd.data()), pwd.size()));
}

Credentials Credentials::random(Rng& rng) {
  char u[8], p[24];
  for (char& c : u) c = kIceChars[rng.uniform(64)];
  for (char& c : p) c = kIceChars[rng.uniform(64)];
  auto made = make(std::string_view(u, sizeof u), std::string_view(p, sizeof p));
  return made.ok() ? std::move(*made) : Credentials{};
}

}  // namespace keyway::ice
