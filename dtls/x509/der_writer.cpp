// SPDX-License-Identifier: Apache-2.0
// DER writer and the ECDSA-Sig-Value <-> r||s conversion (RFC 3279 §2.2.3).
#include <cstring>

#include "keyway/dtls/x509/der.hpp"

namespace keyway::dtls::der {

bool Writer::reserve(std::size_t n) {
  if (failed_ || n > out_.size() - len_) {
    failed_ = true;
    return false;
  }
  return true;
}

void Writer::write_raw(Bytes b) {
  if (!reserve(b.size())) return;
  if (!b.empty()) std::memmove(out_.data() + len_, b.data(), b.size());
  len_ += b.size();
}

Writer::Mark Writer::begin(uint8_t element_tag) {
  Mark m{len_};
  if (!reserve(1 + kReservedLength)) return m;
  out_[len_] = element_tag;
  len_ += 1 + kReservedLength;  // length filled in by end()
  return m;
}

void Writer::end(const Mark& m) {
  if (failed_) return;
  std::size_t body_at = m.at + 1 + kReservedLength;
  std::size_t body = len_ - body_at;
  // Rewrite the header in place with the minimal length, then slide the
  // body down over the unused reserved octets.
  len_ = m.at;
  write_header(out_[m.at], body);
  if (failed_) return;
  std::memmove(out_.data() + len_, out_.data() + body_at, body);
  len_ += body;
}

void Writer::write_header(uint8_t element_tag, std::size_t length) {
  if (length > kMaxLength) {
    failed_ = true;
    return;
  }
  // X.690 §10.1: the shortest length form.
  uint8_t header[1 + kReservedLength];
  std::size_t octets = length < 0x80 ? 0 : length <= 0xFF ? 1 : length <= 0xFFFF ? 2 : 3;
  header[0] = element_tag;
  if (octets == 0) {
    header[1] = static_cast<uint8_t>(length);
  } else {
    header[1] = static_cast<uint8_t>(0x80 | octets);
    for (std::size_t i = 0; i < octets; ++i) header[2 + i] = static_cast<uint8_t>(length >> (8 * (octets - 1 - i)));
  }
  write_raw(Bytes(header, 2 + octets));
}

void Writer::write(uint8_t element_tag, Bytes contents) {
  write_header(element_tag, contents.size());
  write_raw(contents);
}

void Writer::write_unsigned(Bytes magnitude) {
  while (magnitude.size() > 1 && magnitude[0] == 0) magnitude = magnitude.subspan(1);
  // A 0x00 sign octet keeps a set top bit from reading as negative (and
  // stands for zero when there is no magnitude at all).
  bool sign_octet = magnitude.empty() || (magnitude[0] & 0x80) != 0;
  write_header(tag::kInteger, magnitude.size() + (sign_octet ? 1 : 0));
  if (sign_octet) {
    const uint8_t zero = 0;
    write_raw(Bytes(&zero, 1));
  }
  write_raw(magnitude);
}

void Writer::write_small_unsigned(uint32_t v) {
  uint8_t be[4] = {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
                   static_cast<uint8_t>(v)};
  write_unsigned(be);
}

void Writer::write_bit_string(Bytes bytes) {
  write_header(tag::kBitString, 1 + bytes.size());
  const uint8_t no_unused_bits = 0;
  write_raw(Bytes(&no_unused_bits, 1));
  write_raw(bytes);
}

// ---- ECDSA signatures ----

namespace {
constexpr Error kSigMalformed =
    make_error(Layer::dtls, Code::decode_error, "ecdsa signature: not a DER SEQUENCE of two INTEGERs");
constexpr Error kSigTrailing = make_error(Layer::dtls, Code::decode_error, "ecdsa signature: bytes after the DER value");
constexpr Error kSigTooLarge =
    make_error(Layer::dtls, Code::decode_error, "ecdsa signature: r or s is wider than the curve order");
}  // namespace

Status ecdsa_der_to_raw(Bytes der, std::size_t scalar_size, MutableBytes out) {
  ENSURE(scalar_size > 0 && scalar_size <= kMaxEcdsaScalarSize,
         make_error(Layer::dtls, Code::invalid_argument, "ecdsa signature: unsupported scalar size"));
  ENSURE(out.size() >= 2 * scalar_size,
         make_error(Layer::dtls, Code::buffer_too_small, "ecdsa signature: output too small"));
  Reader outer(der);
  Reader seq;
  Bytes r, s;
  if (!outer.enter(tag::kSequence, seq).ok() || !seq.read_unsigned(r).ok() || !seq.read_unsigned(s).ok() ||
      !seq.at_end())
    return kSigMalformed;
  ENSURE(outer.at_end(), kSigTrailing);
  ENSURE(r.size() <= scalar_size && s.size() <= scalar_size, kSigTooLarge);
  // Left-pad each value to the fixed width lib/crypto expects.
  std::memset(out.data(), 0, 2 * scalar_size);
  std::memcpy(out.data() + scalar_size - r.size(), r.data(), r.size());
  std::memcpy(out.data() + 2 * scalar_size - s.size(), s.data(), s.size());
  return ok_status();
}

Result<std::size_t> ecdsa_raw_to_der(Bytes raw, MutableBytes out) {
  ENSURE(!raw.empty() && raw.size() % 2 == 0 && raw.size() <= 2 * kMaxEcdsaScalarSize,
         make_error(Layer::dtls, Code::invalid_argument, "ecdsa signature: r||s has an invalid length"));
  // Encode the two INTEGERs into scratch first: their total size decides
  // the SEQUENCE header, so out needs no room beyond the exact result.
  std::size_t half = raw.size() / 2;
  uint8_t body[kMaxEcdsaDerSize];
  Writer ints(body);
  ints.write_unsigned(raw.first(half));
  ints.write_unsigned(raw.subspan(half));
  Writer w(out);
  w.write(tag::kSequence, ints.written());
  ENSURE(!ints.failed() && !w.failed(),
         make_error(Layer::dtls, Code::buffer_too_small, "ecdsa signature: DER output too small"));
  return w.size();
}

}  // namespace keyway::dtls::der
