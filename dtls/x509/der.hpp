// SPDX-License-Identifier: Apache-2.0
// DER (ITU-T X.690 §8, §10) — just enough for X.509 certificates (RFC 5280)
// and TLS ECDSA signatures (RFC 8422 §5.4).
//
//   TLV:  tag (1 byte, low-tag-number form) | length | contents
//   length: 0xxxxxxx            short form, 0..127
//           1nnnnnnn + n bytes  long form, minimal (X.690 §10.1), n <= 3 here
//           0x80                indefinite: forbidden in DER
//
// der::Reader is a schema-style reader on top of ByteReader: each call reads
// one element of an expected tag and either succeeds or consumes nothing.
// Nesting is followed by asking for a sub-reader (enter), so a parser's
// depth is its own call depth; the only generic walk (check_well_formed)
// is iterative with a fixed depth limit, so hostile nesting cannot blow the
// stack. der::Writer builds DER in a caller's buffer, filling in lengths
// when an element is closed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::dtls::der {

// Universal tags (X.680 §8.6) with the constructed bit where DER requires it.
namespace tag {
constexpr uint8_t kBoolean = 0x01;
constexpr uint8_t kInteger = 0x02;
constexpr uint8_t kBitString = 0x03;
constexpr uint8_t kOctetString = 0x04;
constexpr uint8_t kNull = 0x05;
constexpr uint8_t kOid = 0x06;
constexpr uint8_t kUtf8String = 0x0c;
constexpr uint8_t kPrintableString = 0x13;
constexpr uint8_t kUtcTime = 0x17;
constexpr uint8_t kGeneralizedTime = 0x18;
constexpr uint8_t kSequence = 0x30;
constexpr uint8_t kSet = 0x31;
constexpr uint8_t kConstructed = 0x20;
// [n] EXPLICIT (constructed, context-specific) and [n] IMPLICIT primitive.
constexpr uint8_t context_explicit(uint8_t n) { return static_cast<uint8_t>(0xa0 | n); }
constexpr uint8_t context_primitive(uint8_t n) { return static_cast<uint8_t>(0x80 | n); }
}  // namespace tag

// Deepest nesting check_well_formed accepts (certificates need about 6).
constexpr std::size_t kMaxDepth = 16;
// Largest element length we accept: 3 length octets (our inputs are small).
constexpr std::size_t kMaxLength = 0xFFFFFF;

class Reader {
 public:
  Reader() = default;
  explicit Reader(Bytes der) : in_(der) {}

  bool at_end() const { return in_.at_end(); }
  std::size_t remaining() const { return in_.remaining(); }
  // The tag of the next element, without consuming it.
  [[nodiscard]] bool peek_tag(uint8_t& out) const { return in_.peek_u8(out); }

  // Any element: its tag, its contents and (optionally) the whole TLV.
  [[nodiscard]] Status read_any(uint8_t& tag_out, Bytes& contents, Bytes* whole = nullptr);
  // An element of the given tag; contents only.
  [[nodiscard]] Status read(uint8_t expected_tag, Bytes& contents, Bytes* whole = nullptr);
  // An element of the given tag, as a reader over its contents.
  [[nodiscard]] Status enter(uint8_t expected_tag, Reader& sub, Bytes* whole = nullptr);
  // Reads the element only if the next tag matches; present says whether it did.
  [[nodiscard]] Status read_optional(uint8_t expected_tag, Bytes& contents, bool& present);

  // INTEGER, minimally encoded (X.690 §8.3.2); contents in two's complement.
  [[nodiscard]] Status read_integer(Bytes& contents);
  // A non-negative INTEGER as an unsigned big-endian magnitude without the
  // sign octet (so 0x00FF.. becomes FF..; zero becomes one 0x00 byte).
  [[nodiscard]] Status read_unsigned(Bytes& magnitude);
  // A small non-negative INTEGER (version numbers).
  [[nodiscard]] Status read_small_unsigned(uint32_t& out);
  // BIT STRING with no unused bits (keys and signatures are whole bytes).
  [[nodiscard]] Status read_bit_string(Bytes& bytes);
  // OBJECT IDENTIFIER contents, checked for well-formed subidentifiers.
  [[nodiscard]] Status read_oid(Bytes& contents);
  // BOOLEAN: DER allows only 0x00 and 0xFF (X.690 §11.1).
  [[nodiscard]] Status read_boolean(bool& out);
  // NULL: empty contents.
  [[nodiscard]] Status read_null();
  // UTCTime or GeneralizedTime in the RFC 5280 §4.1.2.5 profile, as Unix seconds.
  [[nodiscard]] Status read_time(int64_t& unix_seconds);

 private:
  ByteReader in_;
};

// Walks every element of der (and of constructed elements inside it),
// iteratively, checking tags and lengths; depth is limited to kMaxDepth.
[[nodiscard]] Status check_well_formed(Bytes der);

// Parses one UTCTime / GeneralizedTime contents (RFC 5280 §4.1.2.5.1/.2).
[[nodiscard]] Status parse_time(uint8_t time_tag, Bytes contents, int64_t& unix_seconds);
// Seconds since the epoch <-> civil UTC date (proleptic Gregorian), for
// years within a few million of 1970 (X.509's are 1..9999).
int64_t days_from_civil(int64_t year, unsigned month, unsigned day);
void civil_from_days(int64_t days, int64_t& year, unsigned& month, unsigned& day);

// Builds DER into a caller's buffer. Elements are opened with begin() and
// closed with end(); the length is encoded minimally when closed (the body
// is moved down if the reserved length bytes were not all needed).
class Writer {
 public:
  struct Mark {
    std::size_t at = 0;  // offset of the tag byte
  };

  explicit Writer(MutableBytes out) : out_(out) {}

  bool failed() const { return failed_; }
  std::size_t size() const { return len_; }
  Bytes written() const { return Bytes(out_.data(), len_); }

  Mark begin(uint8_t element_tag);
  void end(const Mark& m);
  // A whole primitive element.
  void write(uint8_t element_tag, Bytes contents);
  // An INTEGER from an unsigned big-endian magnitude (leading zeros are
  // dropped; a 0x00 is prepended when the top bit is set).
  void write_unsigned(Bytes magnitude);
  void write_small_unsigned(uint32_t v);
  // BIT STRING with zero unused bits.
  void write_bit_string(Bytes bytes);
  void write_null() { write(tag::kNull, {}); }
  // UTCTime for years 1950..2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5).
  void write_time(int64_t unix_seconds);
  void write_raw(Bytes b);

 private:
  static constexpr std::size_t kReservedLength = 4;  // 0x83 + three bytes
  bool reserve(std::size_t n);
  void write_header(uint8_t element_tag, std::size_t length);

  MutableBytes out_;
  std::size_t len_ = 0;
  bool failed_ = false;
};

// ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3,
// the TLS wire form, RFC 8422 §5.4) <-> fixed-width r||s (lib/crypto).
constexpr std::size_t kMaxEcdsaScalarSize = 48;
constexpr std::size_t kMaxEcdsaDerSize = 3 + 2 * (2 + 1 + kMaxEcdsaScalarSize);  // 105 for P-384

// DER -> r||s, each left-padded to scalar_size; out must hold 2*scalar_size.
[[nodiscard]] Status ecdsa_der_to_raw(Bytes der, std::size_t scalar_size, MutableBytes out);
// r||s (even length) -> DER; returns the DER length.
[[nodiscard]] Result<std::size_t> ecdsa_raw_to_der(Bytes raw, MutableBytes out);

}  // namespace keyway::dtls::der
