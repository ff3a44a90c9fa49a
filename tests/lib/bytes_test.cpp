// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/result.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using keyway::test::unhex;

TEST_CASE("ByteReader reads big-endian integers and fails without consuming") {
  auto data = unhex("0102030405060708090a0b0c0d0e0f");
  ByteReader r(data);
  uint8_t a; uint16_t b; uint32_t c; uint64_t d;
  CHECK(r.read_u8(a)); CHECK(a == 0x01);
  CHECK(r.read_u16(b)); CHECK(b == 0x0203);
  CHECK(r.read_u24(c)); CHECK(c == 0x040506);
  CHECK(r.read_u48(d)); CHECK(d == 0x0708090a0b0cull);
  CHECK(r.remaining() == 3);
  uint32_t e = 0xdead;
  CHECK_FALSE(r.read_u32(e));
  CHECK(e == 0xdead);
  CHECK(r.remaining() == 3);
}

TEST_CASE("ByteReader length-prefixed vectors") {
  auto data = unhex("0003aabbcc00ff");
  ByteReader r(data);
  ByteReader sub;
  CHECK(r.read_prefixed16(sub));
  CHECK(sub.remaining() == 3);
  ByteReader bad;
  CHECK_FALSE(r.read_prefixed16(bad));  // claims 0x00ff bytes, has 0
  CHECK(r.remaining() == 2);            // nothing consumed
}

TEST_CASE("ByteWriter is sticky on overflow and fills prefixes") {
  uint8_t buf[8];
  ByteWriter w(buf);
  auto m = w.begin_prefixed16();
  w.write_u8(0xaa);
  w.write_u16(0xbbcc);
  w.end_prefixed(m);
  CHECK_FALSE(w.failed());
  CHECK(keyway::test::hex(w.written()) == "0003aabbcc");
  w.write_u32(1);  // 5 + 4 > 8
  CHECK(w.failed());
  CHECK(w.size() == 5);
}

TEST_CASE("ByteWriter rejects an oversize prefix body") {
  uint8_t buf[300];
  ByteWriter w(buf);
  auto m = w.begin_prefixed8();
  w.write_zeros(256);
  w.end_prefixed(m);
  CHECK(w.failed());
}

TEST_CASE("Result carries values and errors; TRY propagates") {
  auto fails = []() -> Result<int> { return make_error(Layer::srtp, Code::malformed, "rtp header: version is not 2"); };
  auto uses = [&]() -> Result<int> {
    TRY(fails());
    return 1;
  };
  auto r = uses();
  REQUIRE_FALSE(r.ok());
  char text[128];
  format_error(r.error(), text, sizeof text);
  CHECK(std::string(text) == "srtp: malformed: rtp header: version is not 2");
}
