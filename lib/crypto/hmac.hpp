// SPDX-License-Identifier: Apache-2.0
// HMAC (RFC 2104) with precomputed inner and outer states: the key is
// absorbed once, so each MAC costs only the message blocks plus two
// finishing compressions (the trick that makes SRTP's HMAC-SHA1 cheap).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>

#include "keyway/lib/crypto/ct.hpp"
#include "keyway/lib/crypto/sha.hpp"

namespace keyway::crypto {

template <typename H>
class Hmac {
 public:
  static constexpr std::size_t kDigestSize = H::kDigestSize;

  Hmac() = default;
  explicit Hmac(std::span<const uint8_t> key) { set_key(key); }

  void set_key(std::span<const uint8_t> key) {
    uint8_t block[H::kBlockSize] = {};
    if (key.size() > H::kBlockSize) {
      H h;
      h.update(key);
      h.finish(block);
    } else if (!key.empty()) {
      std::memcpy(block, key.data(), key.size());
    }
    uint8_t pad[H::kBlockSize];
    for (std::size_t i = 0; i < H::kBlockSize; ++i) pad[i] = block[i] ^ 0x36;
    inner_.reset();
    inner_.update(pad);
    for (std::size_t i = 0; i < H::kBlockSize; ++i) pad[i] = block[i] ^ 0x5c;
    outer_.reset();
    outer_.update(pad);
    secure_zero(block, sizeof block);
    secure_zero(pad, sizeof pad);
  }

  // Incremental use: auto m = hmac.begin(); m.update(a); m.update(b); m.finish(out);
  class Running {
   public:
    void update(std::span<const uint8_t> data) { inner_.update(data); }
    void finish(uint8_t out[kDigestSize]) {
      uint8_t ih[kDigestSize];
      inner_.finish(ih);
      H o = *outer_;
      o.update(ih);
      o.finish(out);
    }

   private:
    friend class Hmac;
    Running(const H& inner, const H* outer) : inner_(inner), outer_(outer) {}
    H inner_;
    const H* outer_;
  };

  Running begin() const { return Running(inner_, &outer_); }

  void mac(std::span<const uint8_t> data, uint8_t out[kDigestSize]) const {
    Running r = begin();
    r.update(data);
    r.finish(out);
  }

 private:
  H inner_;
  H outer_;
};

using HmacSha1 = Hmac<Sha1>;
using HmacSha256 = Hmac<Sha256>;
using HmacSha384 = Hmac<Sha384>;

// One-shot HMAC of any supported hash; out gets digest_size(alg) bytes.
void hmac(HashAlg alg, std::span<const uint8_t> key, std::span<const uint8_t> data, std::span<uint8_t> out);

}  // namespace keyway::crypto
