// SPDX-License-Identifier: Apache-2.0
// The DTLS 1.3 ACK message (dtls/v13/ack.hpp, RFC 9147 §7): wire layout
// written out by hand from the struct definitions, round trips and refusals.
#include <doctest/doctest.h>

#include <vector>

#include "keyway/dtls/v13/ack.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using namespace keyway::dtls::v13;
using keyway::test::hex;
using keyway::test::unhex;

TEST_CASE("ACK: wire layout of two record numbers and of an empty ACK") {
  RecordNumber rn[] = {{2, 0}, {2, 0x0102030405060708ull}};
  uint8_t buf[64];
  ByteWriter w(buf);
  write_ack(w, rn);
  REQUIRE_FALSE(w.failed());
  CHECK(hex(w.written()) ==
        "0020"
        "0000000000000002" "0000000000000000"
        "0000000000000002" "0102030405060708");
  RecordNumber got[4];
  auto n = read_ack(w.written(), got);
  REQUIRE(n.ok());
  CHECK(*n == 2);
  CHECK(got[0] == rn[0]);
  CHECK(got[1] == rn[1]);
  CHECK(got[0] < got[1]);

  ByteWriter e(buf);
  write_ack(e, {});
  CHECK(hex(e.written()) == "0000");
  n = read_ack(e.written(), got);
  REQUIRE(n.ok());
  CHECK(*n == 0);
}

TEST_CASE("ACK: refusals") {
  RecordNumber out[2];
  auto code = [&](const char* h) {
    auto b = unhex(h);
    auto r = read_ack(b, out);
    return r.ok() ? Code::ok : r.error().code;
  };
  CHECK(code("") == Code::decode_error);
  CHECK(code("00") == Code::decode_error);
  CHECK(code("0010") == Code::decode_error);                                   // list past the end
  CHECK(code("000f000000000000000000000000000000") == Code::decode_error);    // 15: not a multiple of 16
  CHECK(code("0000ff") == Code::decode_error);                                 // trailing byte
  // Three record numbers into room for two.
  std::vector<RecordNumber> three(3);
  uint8_t buf[64];
  ByteWriter w(buf);
  write_ack(w, three);
  CHECK(read_ack(w.written(), out).error().code == Code::capacity);
  // Unsorted is still read.
  RecordNumber unsorted[] = {{3, 5}, {2, 9}};
  ByteWriter u(buf);
  write_ack(u, unsorted);
  auto n = read_ack(u.written(), out);
  REQUIRE(n.ok());
  CHECK(out[0] == unsorted[0]);
}

TEST_CASE("ACK: 4095 record numbers fit the uint16 length, 4096 do not") {
  std::vector<RecordNumber> many(kMaxAckRecordNumbers);
  for (std::size_t i = 0; i < many.size(); ++i) many[i] = {3, i};
  std::vector<uint8_t> buf(2 + 16 * (kMaxAckRecordNumbers + 1));
  ByteWriter w(buf);
  write_ack(w, many);
  REQUIRE_FALSE(w.failed());
  std::vector<RecordNumber> back(kMaxAckRecordNumbers);
  auto n = read_ack(w.written(), back);
  REQUIRE(n.ok());
  CHECK(*n == kMaxAckRecordNumbers);
  CHECK(back.back().sequence_number == kMaxAckRecordNumbers - 1);
  many.push_back({3, 9999});
  ByteWriter w2(buf);
  write_ack(w2, many);
  CHECK(w2.failed());
}
