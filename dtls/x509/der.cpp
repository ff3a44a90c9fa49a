// SPDX-License-Identifier: Apache-2.0
// DER reader: TLV framing, the primitive types X.509 needs, and an iterative
// well-formedness walk. See der.hpp for the rules enforced.
#include "keyway/dtls/x509/der.hpp"

#include "keyway/lib/profile.hpp"

namespace keyway::dtls::der {

namespace {

constexpr Error der_error(const char* detail) { return make_error(Layer::dtls, Code::decode_error, detail); }

constexpr Error kNoTag = der_error("der: input ends before an element's tag");
constexpr Error kHighTag = der_error("der: high-tag-number form is not supported");
constexpr Error kNoLength = der_error("der: input ends inside an element's length");
constexpr Error kIndefinite = der_error("der: indefinite length is not allowed in DER");
constexpr Error kLengthTooLong = der_error("der: length uses more than 3 octets");
constexpr Error kLengthNotMinimal = der_error("der: length is not minimally encoded");
constexpr Error kContentsOverrun = der_error("der: element runs past the end of its container");
constexpr Error kWrongTag = der_error("der: unexpected tag");
constexpr Error kIntegerEmpty = der_error("der: INTEGER has no contents");
constexpr Error kIntegerNotMinimal = der_error("der: INTEGER is not minimally encoded");
constexpr Error kIntegerNegative = der_error("der: INTEGER is negative where a non-negative value is required");
constexpr Error kIntegerTooLarge = der_error("der: INTEGER is too large");
constexpr Error kBitStringEmpty = der_error("der: BIT STRING has no unused-bits octet");
constexpr Error kBitStringUnused = der_error("der: BIT STRING has unused bits where whole octets are required");
constexpr Error kBitStringBadPad = der_error("der: BIT STRING unused-bits count is invalid or padding is not zero");
constexpr Error kOidEmpty = der_error("der: OBJECT IDENTIFIER is empty");
constexpr Error kOidBad = der_error("der: OBJECT IDENTIFIER subidentifier is truncated or not minimal");
constexpr Error kBooleanBad = der_error("der: BOOLEAN must be one octet, 0x00 or 0xFF");
constexpr Error kNullBad = der_error("der: NULL must be empty");
constexpr Error kTooDeep = der_error("der: nesting is deeper than the limit");

// X.690 §8.3.2: the first nine bits of an INTEGER are never all 0 or all 1.
Status check_integer(Bytes c) {
  ENSURE(!c.empty(), kIntegerEmpty);
  if (c.size() > 1) {
    bool redundant_zero = c[0] == 0x00 && (c[1] & 0x80) == 0;
    bool redundant_ones = c[0] == 0xFF && (c[1] & 0x80) != 0;
    ENSURE(!redundant_zero && !redundant_ones, kIntegerNotMinimal);
  }
  return ok_status();
}

// X.690 §8.19.2: subidentifiers are base-128, high bit set on all but the
// last octet, and never start with 0x80 (that would be a leading zero).
Status check_oid(Bytes c) {
  ENSURE(!c.empty(), kOidEmpty);
  ENSURE((c[c.size() - 1] & 0x80) == 0, kOidBad);
  bool at_start = true;
  for (uint8_t b : c) {
    ENSURE(!(at_start && b == 0x80), kOidBad);
    at_start = (b & 0x80) == 0;
  }
  return ok_status();
}

// X.690 §8.6.2 and §11.2.2: unused-bit count 0..7, zero when empty, and the
// unused bits themselves are zero.
Status check_bit_string(Bytes c) {
  ENSURE(!c.empty(), kBitStringEmpty);
  uint8_t unused = c[0];
  ENSURE(unused <= 7, kBitStringBadPad);
  if (c.size() == 1) {
    ENSURE(unused == 0, kBitStringBadPad);
  } else {
    uint8_t mask = static_cast<uint8_t>((1u << unused) - 1u);
    ENSURE((c[c.size() - 1] & mask) == 0, kBitStringBadPad);
  }
  return ok_status();
}

Status check_boolean(Bytes c) {
  ENSURE(c.size() == 1 && (c[0] == 0x00 || c[0] == 0xFF), kBooleanBad);
  return ok_status();
}

// Reads a definite, minimally encoded length (X.690 §8.1.3, §10.1).
Status read_length(ByteReader& r, std::size_t& len) {
  uint8_t first = 0;
  ENSURE(r.read_u8(first), kNoLength);
  if (first < 0x80) {
    len = first;
    return ok_status();
  }
  ENSURE(first != 0x80, kIndefinite);
  std::size_t octets = first & 0x7Fu;
  ENSURE(octets <= 3, kLengthTooLong);
  uint32_t v = 0;
  for (std::size_t i = 0; i < octets; ++i) {
    uint8_t b = 0;
    ENSURE(r.read_u8(b), kNoLength);
    ENSURE(!(i == 0 && b == 0), kLengthNotMinimal);
    v = (v << 8) | b;
  }
  ENSURE(v >= 0x80, kLengthNotMinimal);  // would have fit the short form
  len = v;
  return ok_status();
}

}  // namespace

Status Reader::read_any(uint8_t& tag_out, Bytes& contents, Bytes* whole) {
  ByteReader r = in_;
  uint8_t t = 0;
  ENSURE(r.read_u8(t), kNoTag);
  ENSURE((t & 0x1F) != 0x1F, kHighTag);
  std::size_t len = 0;
  TRY(read_length(r, len));
  Bytes c;
  ENSURE(r.read_bytes(len, c), kContentsOverrun);
  if (whole != nullptr) *whole = in_.rest().first(in_.remaining() - r.remaining());
  tag_out = t;
  contents = c;
  in_ = r;
  return ok_status();
}

Status Reader::read(uint8_t expected_tag, Bytes& contents, Bytes* whole) {
  uint8_t t = 0;
  ENSURE(in_.peek_u8(t), kNoTag);
  ENSURE(t == expected_tag, kWrongTag);
  return read_any(t, contents, whole);
}

Status Reader::enter(uint8_t expected_tag, Reader& sub, Bytes* whole) {
  Bytes c;
  TRY(read(expected_tag, c, whole));
  sub = Reader(c);
  return ok_status();
}

Status Reader::read_optional(uint8_t expected_tag, Bytes& contents, bool& present) {
  uint8_t t = 0;
  present = in_.peek_u8(t) && t == expected_tag;
  if (!present) return ok_status();
  return read(expected_tag, contents);
}

Status Reader::read_integer(Bytes& contents) {
  Reader copy = *this;
  Bytes c;
  TRY(copy.read(tag::kInteger, c));
  TRY(check_integer(c));
  contents = c;
  *this = copy;
  return ok_status();
}

Status Reader::read_unsigned(Bytes& magnitude) {
  Reader copy = *this;
  Bytes c;
  TRY(copy.read_integer(c));
  ENSURE((c[0] & 0x80) == 0, kIntegerNegative);
  if (c.size() > 1 && c[0] == 0x00) c = c.subspan(1);  // the sign octet
  magnitude = c;
  *this = copy;
  return ok_status();
}

Status Reader::read_small_unsigned(uint32_t& out) {
  Reader copy = *this;
  Bytes m;
  TRY(copy.read_unsigned(m));
  ENSURE(m.size() <= 4, kIntegerTooLarge);
  uint32_t v = 0;
  for (uint8_t b : m) v = (v << 8) | b;
  out = v;
  *this = copy;
  return ok_status();
}

Status Reader::read_bit_string(Bytes& bytes) {
  Reader copy = *this;
  Bytes c;
  TRY(copy.read(tag::kBitString, c));
  TRY(check_bit_string(c));
  ENSURE(c[0] == 0, kBitStringUnused);
  bytes = c.subspan(1);
  *this = copy;
  return ok_status();
}

Status Reader::read_oid(Bytes& contents) {
  Reader copy = *this;
  Bytes c;
  TRY(copy.read(tag::kOid, c));
  TRY(check_oid(c));
  contents = c;
  *this = copy;
  return ok_status();
}

Status Reader::read_boolean(bool& out) {
  Reader copy = *this;
  Bytes c;
  TRY(copy.read(tag::kBoolean, c));
  TRY(check_boolean(c));
  out = c[0] == 0xFF;
  *this = copy;
  return ok_status();
}

Status Reader::read_null() {
  Reader copy = *this;
  Bytes c;
  TRY(copy.read(tag::kNull, c));
  ENSURE(c.empty(), kNullBad);
  *this = copy;
  return ok_status();
}

Status Reader::read_time(int64_t& unix_seconds) {
  Reader copy = *this;
  uint8_t t = 0;
  Bytes c;
  ENSURE(copy.peek_tag(t), kNoTag);
  ENSURE(t == tag::kUtcTime || t == tag::kGeneralizedTime, kWrongTag);
  TRY(copy.read_any(t, c));
  TRY(parse_time(t, c, unix_seconds));
  *this = copy;
  return ok_status();
}

namespace {

// Checks the contents of the universal primitive types we know.
Status check_primitive(uint8_t t, Bytes c) {
  switch (t) {
    case tag::kBoolean: return check_boolean(c);
    case tag::kInteger: return check_integer(c);
    case tag::kBitString: return check_bit_string(c);
    case tag::kNull: return c.empty() ? ok_status() : Status(kNullBad);
    case tag::kOid: return check_oid(c);
    case tag::kUtcTime:
    case tag::kGeneralizedTime: {
      if (!profile::kX509Details) return ok_status();  // dates never read (lib/profile.hpp)
      int64_t ignored = 0;
      return parse_time(t, c, ignored);
    }
    default: return ok_status();
  }
}

}  // namespace

Status check_well_formed(Bytes der) {
  // An explicit stack instead of recursion: depth is bounded by kMaxDepth
  // whatever the input says.
  Reader stack[kMaxDepth];
  std::size_t depth = 1;
  stack[0] = Reader(der);
  while (depth > 0) {
    Reader& top = stack[depth - 1];
    if (top.at_end()) {
      --depth;
      continue;
    }
    uint8_t t = 0;
    Bytes c;
    TRY(top.read_any(t, c));
    if ((t & tag::kConstructed) == 0) {
      TRY(check_primitive(t, c));
      continue;
    }
    ENSURE(depth < kMaxDepth, kTooDeep);
    stack[depth++] = Reader(c);
  }
  return ok_status();
}

}  // namespace keyway::dtls::der
