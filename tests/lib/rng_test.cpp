#include <doctest/doctest.h>

#include "lib/crypto/drbg.hpp"
#include "lib/rng.hpp"

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
