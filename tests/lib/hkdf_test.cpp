// SPDX-License-Identifier: Apache-2.0
// HKDF (RFC 5869 appendix A, the SHA-256 cases) and the bare ChaCha20 block
// (RFC 8439 §2.3.2), the two primitives DTLS 1.3 adds to lib/crypto.
#include <doctest/doctest.h>

#include <vector>

#include "keyway/lib/crypto/chacha20.hpp"
#include "keyway/lib/crypto/hkdf.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using namespace keyway::crypto;
using keyway::test::hex;
using keyway::test::unhex;

namespace {

std::vector<uint8_t> range_bytes(unsigned first, unsigned end) {
  std::vector<uint8_t> v;
  for (unsigned b = first; b < end; ++b) v.push_back(static_cast<uint8_t>(b));
  return v;
}

struct Rfc5869Case {
  std::vector<uint8_t> ikm, salt, info;
  std::size_t length;
  const char* prk;
  const char* okm;
};

void check_case(const Rfc5869Case& c) {
  uint8_t prk[32];
  REQUIRE(hkdf_extract(HashAlg::sha256, c.salt, c.ikm, prk).ok());
  CHECK(hex(prk) == c.prk);
  std::vector<uint8_t> okm(c.length);
  REQUIRE(hkdf_expand(HashAlg::sha256, prk, c.info, okm).ok());
  CHECK(hex(okm) == c.okm);
}

}  // namespace

TEST_CASE("HKDF-SHA256 RFC 5869 A.1 (basic)") {
  check_case({std::vector<uint8_t>(22, 0x0b), range_bytes(0x00, 0x0d), range_bytes(0xf0, 0xfa), 42,
              "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
              "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"});
}

TEST_CASE("HKDF-SHA256 RFC 5869 A.2 (longer inputs, three output blocks)") {
  check_case({range_bytes(0x00, 0x50), range_bytes(0x60, 0xb0), range_bytes(0xb0, 0x100), 82,
              "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
              "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c6"
              "5e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"});
}

TEST_CASE("HKDF-SHA256 RFC 5869 A.3 (empty salt and info)") {
  check_case({std::vector<uint8_t>(22, 0x0b), {}, {}, 42,
              "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
              "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"});
}

TEST_CASE("HKDF: an empty salt is HashLen zeros; limits are checked") {
  auto ikm = range_bytes(1, 40);
  uint8_t a[48], b[48];
  std::vector<uint8_t> zeros(48, 0);
  REQUIRE(hkdf_extract(HashAlg::sha384, {}, ikm, a).ok());
  REQUIRE(hkdf_extract(HashAlg::sha384, zeros, ikm, b).ok());
  CHECK(hex(a) == hex(b));
  // RFC 5869 §2.3: L <= 255 * HashLen.
  std::vector<uint8_t> big(255 * 32 + 1);
  CHECK_FALSE(hkdf_expand(HashAlg::sha256, {a, 32}, {}, big).ok());
  CHECK(hkdf_expand(HashAlg::sha256, {a, 32}, {}, std::span<uint8_t>(big).first(255 * 32)).ok());
  // The PRK buffer must be exactly HashLen.
  CHECK_FALSE(hkdf_extract(HashAlg::sha256, {}, ikm, std::span<uint8_t>(a, 48)).ok());
}

TEST_CASE("ChaCha20 block function (RFC 8439 §2.3.2)") {
  auto key = range_bytes(0x00, 0x20);
  auto nonce = unhex("000000090000004a00000000");
  std::vector<uint8_t> block(64, 0);  // XOR into zeros = the serialized block
  REQUIRE(chacha20_xor(key, nonce, 1, block).ok());
  CHECK(hex(block) ==
        "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4ed2826446079faa0914c2d705d98b02a2b5129cd1de"
        "164eb9cbd083e8a2503c4e");
  CHECK_FALSE(chacha20_xor(std::span<const uint8_t>(key).first(16), nonce, 1, block).ok());
}
