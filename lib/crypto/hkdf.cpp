// SPDX-License-Identifier: Apache-2.0
// HKDF-Extract and HKDF-Expand (RFC 5869 §2.2, §2.3).
#include "keyway/lib/crypto/hkdf.hpp"

#include <cstring>

#include "keyway/lib/crypto/ct.hpp"
#include "keyway/lib/crypto/hmac.hpp"

namespace keyway::crypto {

namespace {

constexpr Error kBadPrkBuffer = make_error(Layer::crypto, Code::invalid_argument, "hkdf-extract: prk buffer is not HashLen bytes");
constexpr Error kTooLong = make_error(Layer::crypto, Code::invalid_argument, "hkdf-expand: more than 255 * HashLen bytes asked for");

template <typename H>
void extract(std::span<const uint8_t> salt, std::span<const uint8_t> ikm, std::span<uint8_t> prk) {
  Hmac<H> mac(salt);
  mac.mac(ikm, prk.data());
}

// RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) | info | i), the output is T(1) | T(2) | ...
template <typename H>
void expand(std::span<const uint8_t> prk, std::span<const uint8_t> info, std::span<uint8_t> okm) {
  Hmac<H> mac(prk);
  uint8_t t[H::kDigestSize];
  std::size_t t_len = 0;  // T(0) is empty
  std::size_t done = 0;
  for (uint8_t i = 1; done < okm.size(); ++i) {
    auto m = mac.begin();
    m.update(std::span<const uint8_t>(t, t_len));
    m.update(info);
    m.update(std::span<const uint8_t>(&i, 1));
    m.finish(t);
    t_len = H::kDigestSize;
    std::size_t n = okm.size() - done < t_len ? okm.size() - done : t_len;
    std::memcpy(okm.data() + done, t, n);
    done += n;
  }
  secure_zero(t, sizeof t);
}

}  // namespace

Status hkdf_extract(HashAlg alg, std::span<const uint8_t> salt, std::span<const uint8_t> ikm,
                    std::span<uint8_t> prk) {
  ENSURE(prk.size() == digest_size(alg), kBadPrkBuffer);
  switch (alg) {
    case HashAlg::sha1: extract<Sha1>(salt, ikm, prk); break;
    case HashAlg::sha256: extract<Sha256>(salt, ikm, prk); break;
    case HashAlg::sha384: extract<Sha384>(salt, ikm, prk); break;
  }
  return ok_status();
}

Status hkdf_expand(HashAlg alg, std::span<const uint8_t> prk, std::span<const uint8_t> info,
                   std::span<uint8_t> okm) {
  ENSURE(okm.size() <= hkdf_max_output(alg), kTooLong);
  switch (alg) {
    case HashAlg::sha1: expand<Sha1>(prk, info, okm); break;
    case HashAlg::sha256: expand<Sha256>(prk, info, okm); break;
    case HashAlg::sha384: expand<Sha384>(prk, info, okm); break;
  }
  return ok_status();
}

}  // namespace keyway::crypto
