// SPDX-License-Identifier: Apache-2.0
// DER reader/writer (X.690) and the ECDSA-Sig-Value <-> r||s conversion.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "keyway/dtls/x509/der.hpp"
#include "keyway/lib/rng.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using namespace keyway::dtls;
using keyway::test::hex;
using keyway::test::unhex;

namespace {

// Reads one element of any tag; returns the status.
Status read_one(const std::vector<uint8_t>& der, Bytes* contents = nullptr) {
  der::Reader r(der);
  uint8_t t = 0;
  Bytes c;
  Status st = r.read_any(t, c);
  if (contents != nullptr) *contents = c;
  return st;
}

int64_t time_of(uint8_t tag, const char* text, bool& ok) {
  int64_t t = 0;
  ok = der::parse_time(tag, Bytes(reinterpret_cast<const uint8_t*>(text), std::strlen(text)), t).ok();
  return t;
}

}  // namespace

TEST_CASE("DER lengths: short and long form, minimal only, no indefinite") {
  Bytes c;
  CHECK(read_one(unhex("0400"), &c).ok());
  CHECK(c.empty());
  CHECK(read_one(unhex("040101")).ok());
  std::vector<uint8_t> long_ok = unhex("048180");
  long_ok.resize(3 + 0x80, 0x11);
  CHECK(read_one(long_ok, &c).ok());
  CHECK(c.size() == 0x80);
  std::vector<uint8_t> two_bytes = unhex("04820100");
  two_bytes.resize(4 + 256);
  CHECK(read_one(two_bytes, &c).ok());
  CHECK(c.size() == 256);

  CHECK(read_one(unhex("04811001")).error().detail == std::string("der: length is not minimally encoded"));
  std::vector<uint8_t> padded = unhex("0482008000");
  padded.resize(5 + 0x80);
  CHECK(!read_one(padded).ok());                 // leading zero length octet
  CHECK(!read_one(unhex("0480010000")).ok());    // indefinite
  CHECK(!read_one(unhex("0484000000010000")).ok());  // 4 length octets
  CHECK(!read_one(unhex("04ff")).ok());          // reserved 0xFF
  CHECK(!read_one(unhex("040201")).ok());        // contents run past the end
  CHECK(!read_one(unhex("0482ffff00")).ok());    // oversized length
  CHECK(!read_one(unhex("1f0100")).ok());        // high-tag-number form
  CHECK(!read_one(unhex("04")).ok());            // no length
  CHECK(!read_one({}).ok());                     // no tag
}

TEST_CASE("DER reader: a failed read consumes nothing") {
  auto der = unhex("020180020101");
  der::Reader r(der);
  Bytes v;
  CHECK(!r.read_unsigned(v).ok());  // 0x80 is negative
  CHECK(r.remaining() == 6);
  Bytes raw;
  CHECK(r.read_integer(raw).ok());
  CHECK(hex(raw) == "80");
  CHECK(r.read_unsigned(v).ok());
  CHECK(hex(v) == "01");
  CHECK(r.at_end());
}

TEST_CASE("DER INTEGER: minimal two's complement") {
  auto value = [](const char* h, bool& ok) {
    auto der = unhex(h);
    der::Reader r(der);
    Bytes m;
    ok = r.read_unsigned(m).ok();
    return hex(m);
  };
  bool ok = false;
  CHECK(value("020100", ok) == "00");
  CHECK(ok);
  CHECK(value("02020080", ok) == "80");
  CHECK(ok);
  CHECK(value("02017f", ok) == "7f");
  value("0200", ok);
  CHECK(!ok);  // empty
  value("0202007f", ok);
  CHECK(!ok);  // redundant leading zero
  value("0202ff80", ok);
  CHECK(!ok);  // redundant leading ones
  value("0201ff", ok);
  CHECK(!ok);  // negative

  auto small = unhex("020500ffffffff");
  der::Reader r(small);
  uint32_t v = 0;
  CHECK(r.read_small_unsigned(v).ok());
  CHECK(v == 0xffffffffu);
  auto too_big = unhex("02050100000000");
  der::Reader r2(too_big);
  CHECK(!r2.read_small_unsigned(v).ok());
}

TEST_CASE("DER BIT STRING, OID, BOOLEAN, NULL") {
  Bytes b;
  auto bs = unhex("030300abcd");
  der::Reader r1(bs);
  CHECK(r1.read_bit_string(b).ok());
  CHECK(hex(b) == "abcd");
  auto unused = unhex("030204f0");
  der::Reader r2(unused);
  CHECK(!r2.read_bit_string(b).ok());  // whole octets required
  CHECK(der::check_well_formed(unused).ok());
  CHECK(!der::check_well_formed(unhex("030204f8")).ok());  // padding bits not zero
  CHECK(!der::check_well_formed(unhex("030108")).ok());    // count > 7
  CHECK(!der::check_well_formed(unhex("030101")).ok());    // unused bits but no data
  auto empty_bs = unhex("0300");
  der::Reader r3(empty_bs);
  CHECK(!r3.read_bit_string(b).ok());

  auto oid = unhex("06082a8648ce3d030107");
  der::Reader r4(oid);
  CHECK(r4.read_oid(b).ok());
  CHECK(!der::check_well_formed(unhex("0600")).ok());
  CHECK(!der::check_well_formed(unhex("06022a86")).ok());    // truncated subidentifier
  CHECK(!der::check_well_formed(unhex("06032a8001")).ok());  // non-minimal subidentifier

  bool flag = false;
  auto t = unhex("0101ff");
  der::Reader r5(t);
  CHECK(r5.read_boolean(flag).ok());
  CHECK(flag);
  auto bad_bool = unhex("010101");
  der::Reader r6(bad_bool);
  CHECK(!r6.read_boolean(flag).ok());
  auto null = unhex("0500");
  der::Reader r7(null);
  CHECK(r7.read_null().ok());
  auto bad_null = unhex("050100");
  der::Reader r8(bad_null);
  CHECK(!r8.read_null().ok());
}

TEST_CASE("DER times: RFC 5280 profile") {
  bool ok = false;
  CHECK(time_of(der::tag::kUtcTime, "700101000000Z", ok) == 0);
  CHECK(ok);
  CHECK(time_of(der::tag::kUtcTime, "491231235959Z", ok) == 2524607999);  // 2049-12-31T23:59:59Z
  CHECK(ok);
  CHECK(time_of(der::tag::kUtcTime, "500101000000Z", ok) == -631152000);  // 1950-01-01
  CHECK(ok);
  CHECK(time_of(der::tag::kGeneralizedTime, "20500101000000Z", ok) == 2524608000);
  CHECK(ok);
  CHECK(time_of(der::tag::kUtcTime, "240229120000Z", ok) == 1709208000);  // leap day
  CHECK(ok);
  CHECK(time_of(der::tag::kGeneralizedTime, "99991231235959Z", ok) == 253402300799);
  CHECK(ok);
  const char* bad_utc[] = {"230229120000Z", "241301000000Z", "240100000000Z", "240101240000Z", "240101006000Z",
                           "240101000060Z", "2401010000Z",   "240101000000",  "240101000000+0100",
                           "24010100000aZ", "240101000000z"};
  for (const char* s : bad_utc) {
    time_of(der::tag::kUtcTime, s, ok);
    CHECK_MESSAGE(!ok, s);
  }
  time_of(der::tag::kGeneralizedTime, "20240101000000.5Z", ok);
  CHECK(!ok);  // no fractional seconds
  time_of(der::tag::kGeneralizedTime, "00000101000000Z", ok);
  CHECK(!ok);  // year zero
}

TEST_CASE("civil date arithmetic round-trips") {
  CHECK(der::days_from_civil(1970, 1, 1) == 0);
  CHECK(der::days_from_civil(1969, 12, 31) == -1);
  CHECK(der::days_from_civil(2000, 3, 1) == 11017);
  for (int64_t d = -800000; d < 3000000; d += 997) {
    int64_t y = 0;
    unsigned m = 0, day = 0;
    der::civil_from_days(d, y, m, day);
    REQUIRE(der::days_from_civil(y, m, day) == d);
  }
}

TEST_CASE("DER writer: minimal lengths and nesting") {
  for (std::size_t n : {0u, 1u, 127u, 128u, 255u, 256u, 1000u, 65535u, 65536u}) {
    std::vector<uint8_t> buf(n + 16), body(n, 0x5a);
    der::Writer w(buf);
    w.write(der::tag::kOctetString, body);
    REQUIRE(!w.failed());
    der::Reader r(w.written());
    Bytes c;
    REQUIRE(r.read(der::tag::kOctetString, c).ok());  // the reader accepts only minimal lengths
    CHECK(c.size() == n);
    CHECK(r.at_end());
  }
  uint8_t buf[64];
  der::Writer w(buf);
  auto outer = w.begin(der::tag::kSequence);
  auto inner = w.begin(der::tag::kSequence);
  w.write_null();
  w.end(inner);
  w.write_unsigned(unhex("0080"));
  w.write_unsigned(unhex("000000"));
  w.write_small_unsigned(2);
  w.write_bit_string(unhex("ff"));
  w.end(outer);
  REQUIRE(!w.failed());
  CHECK(hex(w.written()) == "30123002050002020080020100020102030200ff");

  uint8_t tiny[4];
  der::Writer small(tiny);
  small.write(der::tag::kOctetString, unhex("0102030405"));
  CHECK(small.failed());
}

TEST_CASE("DER writer: times round-trip, UTCTime before 2050, GeneralizedTime after") {
  for (int64_t t : {int64_t{0}, int64_t{-631152000}, int64_t{1795313561}, int64_t{2524607999}, int64_t{2524608000},
                    int64_t{253402300799}, int64_t{-1}}) {
    uint8_t buf[32];
    der::Writer w(buf);
    w.write_time(t);
    REQUIRE(!w.failed());
    bool utc = t >= -631152000 && t < 2524608000;
    CHECK(buf[0] == (utc ? der::tag::kUtcTime : der::tag::kGeneralizedTime));
    der::Reader r(w.written());
    int64_t back = 0;
    REQUIRE(r.read_time(back).ok());
    CHECK(back == t);
  }
  uint8_t buf[32];
  der::Writer w(buf);
  w.write_time(253402300800);  // year 10000
  CHECK(w.failed());
}

TEST_CASE("check_well_formed: nesting is depth-limited, iteratively") {
  auto nest = [](std::size_t depth) {
    std::vector<uint8_t> v = unhex("0500");
    for (std::size_t i = 0; i < depth; ++i) {
      std::vector<uint8_t> outer = {0x30};
      std::size_t n = v.size();
      if (n < 0x80) outer.push_back(static_cast<uint8_t>(n));
      else if (n < 0x100) outer.insert(outer.end(), {0x81, static_cast<uint8_t>(n)});
      else outer.insert(outer.end(), {0x82, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
      outer.insert(outer.end(), v.begin(), v.end());
      v = outer;
    }
    return v;
  };
  CHECK(der::check_well_formed(nest(der::kMaxDepth - 1)).ok());
  CHECK(!der::check_well_formed(nest(der::kMaxDepth)).ok());
  CHECK(!der::check_well_formed(nest(2000)).ok());
  CHECK(der::check_well_formed(unhex("3006020101020102")).ok());
  CHECK(!der::check_well_formed(unhex("30060201010201")).ok());
  CHECK(!der::check_well_formed(unhex("3003020200")).ok());
}

TEST_CASE("ECDSA-Sig-Value -> r||s: leading zeros and short values") {
  // r has its top bit set (sign octet), s is short (left-padded).
  std::vector<uint8_t> r(32, 0x11), s(30, 0x22);
  r[0] = 0x80;
  std::vector<uint8_t> der = {0x30, 0x00, 0x02, 33, 0x00};
  der.insert(der.end(), r.begin(), r.end());
  der.insert(der.end(), {0x02, 30});
  der.insert(der.end(), s.begin(), s.end());
  der[1] = static_cast<uint8_t>(der.size() - 2);
  uint8_t raw[64];
  REQUIRE(der::ecdsa_der_to_raw(der, 32, raw).ok());
  CHECK(hex(std::span(raw).first(32)) == hex(r));
  CHECK(hex(std::span(raw).subspan(32, 2)) == "0000");
  CHECK(hex(std::span(raw).subspan(34)) == hex(s));
  uint8_t back[der::kMaxEcdsaDerSize];
  auto n = der::ecdsa_raw_to_der(raw, back);
  REQUIRE(n.ok());
  CHECK(hex(std::span(back, *n)) == hex(der));
}

TEST_CASE("ECDSA r||s <-> DER round trip over random values (P-256 and P-384)") {
  SeededRng rng(7);
  for (int i = 0; i < 500; ++i) {
    std::size_t w = i % 2 == 0 ? 32 : 48;
    std::vector<uint8_t> raw(2 * w);
    rng.fill(raw);
    // Exercise leading zero bytes and top-bit-set values.
    if (i % 5 == 0) raw[0] = 0;
    if (i % 7 == 0) raw[0] = raw[1] = raw[2] = 0;
    if (i % 3 == 0) raw[w] |= 0x80;
    if (i % 11 == 0) std::fill(raw.begin() + static_cast<long>(w), raw.end() - 1, 0);
    uint8_t der[der::kMaxEcdsaDerSize];
    auto n = der::ecdsa_raw_to_der(raw, der);
    REQUIRE(n.ok());
    CHECK(der::check_well_formed({der, *n}).ok());
    std::vector<uint8_t> back(2 * w);
    REQUIRE(der::ecdsa_der_to_raw({der, *n}, w, back).ok());
    CHECK(back == raw);
  }
}

TEST_CASE("ECDSA-Sig-Value rejects malformed input and never over-reads") {
  uint8_t raw[96];
  auto good = unhex("3006020101020102");
  REQUIRE(der::ecdsa_der_to_raw(good, 32, raw).ok());
  for (std::size_t n = 0; n < good.size(); ++n)
    CHECK(!der::ecdsa_der_to_raw(std::span(good).first(n), 32, raw).ok());
  CHECK(!der::ecdsa_der_to_raw(unhex("300602010102010200"), 32, raw).ok());  // trailing byte
  CHECK(!der::ecdsa_der_to_raw(unhex("30070201010201020500"), 32, raw).ok());  // extra field
  CHECK(!der::ecdsa_der_to_raw(unhex("30060201ff020102"), 32, raw).ok());  // negative r
  CHECK(!der::ecdsa_der_to_raw(unhex("300702020001020102"), 32, raw).ok());  // non-minimal r
  CHECK(!der::ecdsa_der_to_raw(unhex("3106020101020102"), 32, raw).ok());  // SET, not SEQUENCE
  CHECK(!der::ecdsa_der_to_raw(unhex("3006030101020102"), 32, raw).ok());  // BIT STRING r
  CHECK(!der::ecdsa_der_to_raw(unhex("308106020101020102"), 32, raw).ok());  // non-minimal length
  // r one byte wider than the curve (33 significant bytes for P-256).
  std::vector<uint8_t> wide = {0x30, 0x26, 0x02, 0x21};
  wide.insert(wide.end(), 33, 0x7f);
  wide.insert(wide.end(), {0x02, 0x01, 0x01});
  CHECK(!der::ecdsa_der_to_raw(wide, 32, raw).ok());
  CHECK(der::ecdsa_der_to_raw(wide, 48, raw).ok());
  CHECK(!der::ecdsa_der_to_raw(good, 32, std::span(raw).first(63)).ok());  // output too small
  CHECK(!der::ecdsa_raw_to_der(std::span(raw).first(63), raw).ok());        // odd length
}
