// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include "keyway/lib/crypto/drbg.hpp"
#include "keyway/lib/rng.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;

TEST_CASE("SeededRng is reproducible from its seed") {
  SeededRng a(42), b(42), c(43);
  uint8_t x[32], y[32], z[32];
  a.fill(x); b.fill(y); c.fill(z);
  CHECK(std::equal(x, x + 32, y));
  CHECK_FALSE(std::equal(x, x + 32, z));
  for (int i = 0; i < 1000; ++i) CHECK(a.uniform(7) < 7);
}

TEST_CASE("DrbgRng produces output only after instantiation and differs per entropy") {
  crypto::DrbgRng d1, d2;
  uint8_t e1[48] = {1}, e2[48] = {2};
  REQUIRE(d1.instantiate(e1, {}).ok());
  REQUIRE(d2.instantiate(e2, {}).ok());
  uint8_t x[64], y[64];
  d1.fill(x); d2.fill(y);
  CHECK_FALSE(std::equal(x, x + 64, y));
  uint8_t too_short[16] = {};
  crypto::DrbgRng d3;
  CHECK_FALSE(d3.instantiate(too_short, {}).ok());
  CHECK_FALSE(d3.ready());
}

TEST_CASE("CTR-DRBG known answer (NIST SP 800-90A AES-256 with df, no prediction resistance)") {
  // NIST CAVP CTR_DRBG vector (AES-256 use df, PR=false): instantiate with
  // entropy||nonce, generate 128 bits, reseed, generate 128 bits.
  auto seed = keyway::test::unhex(
      "5a194d5e2b31581454def675fb7958fec7db873e5689fc9d03217c68d8033820"  // EntropyInput
      "1b54b8ff0642bff521f15c1c0b665f3f");                               // Nonce
  auto reseed = keyway::test::unhex("f9e65e04d856f3a9c44a4cbdc1d00846f5983d771c1b137e4e0f9d8ef409f92e");
  crypto::DrbgRng d;
  REQUIRE(d.instantiate(seed, {}).ok());
  uint8_t out[16];
  d.fill(out);
  REQUIRE(d.reseed(reseed).ok());
  d.fill(out);
  CHECK(keyway::test::hex(out) == "a054303d8a7ea9889d903e077c6f218f");
}
