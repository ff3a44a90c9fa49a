// SPDX-License-Identifier: Apache-2.0
#include "keyway/dtls/record.hpp"

#include <cstring>

#include "keyway/lib/crypto/ct.hpp"

namespace keyway::dtls {

namespace {
constexpr Error kTruncated = make_error(Layer::dtls, Code::truncated, "dtls record: header or fragment runs past the end of the datagram");
constexpr Error kBadType = make_error(Layer::dtls, Code::malformed, "dtls record: unknown content type");
constexpr Error kBadVersion = make_error(Layer::dtls, Code::malformed, "dtls record: version is not DTLS 1.0 or 1.2");
constexpr Error kAuth = make_error(Layer::dtls, Code::auth_failed, "dtls record: authentication failed");
constexpr Error kShort = make_error(Layer::dtls, Code::truncated, "dtls record: protected fragment shorter than its overhead");
constexpr Error kTooBig = make_error(Layer::dtls, Code::malformed, "dtls record: plaintext longer than 2^14 bytes");

void write_header(ByteWriter& w, ContentType type, uint16_t version, uint16_t epoch, uint64_t seq, std::size_t len) {
  w.write_u8(static_cast<uint8_t>(type));
  w.write_u16(version);
  w.write_u16(epoch);
  w.write_u48(seq);
  w.write_u16(static_cast<uint16_t>(len));
}

// RFC 5246 §6.2.3.3 additional_data.
void make_aad(uint8_t aad[13], uint8_t type, uint16_t version, uint16_t epoch, uint64_t seq, std::size_t len) {
  ByteWriter w(MutableBytes(aad, 13));
  w.write_u16(epoch);
  w.write_u48(seq);
  w.write_u8(type);
  w.write_u16(version);
  w.write_u16(static_cast<uint16_t>(len));
}
}  // namespace

Result<Record> read_record(ByteReader& datagram) {
  Record r;
  ByteReader copy = datagram;
  uint16_t len = 0;
  if (!copy.read_u8(r.type) || !copy.read_u16(r.version) || !copy.read_u16(r.epoch) || !copy.read_u48(r.seq) ||
      !copy.read_u16(len) || !copy.read_bytes(len, r.fragment))
    return kTruncated;
  if (r.type < 20 || r.type > 23) return kBadType;
  if (r.version != kVersionDtls12 && r.version != kVersionDtls10) return kBadVersion;
  datagram = copy;
  return r;
}

void RecordCipher::clear() {
  if (!keyed_) return;
  aead_.clear();
  crypto::secure_zero(key_, sizeof key_);
  crypto::secure_zero(iv_, sizeof iv_);
  key_len_ = 0;
  keyed_ = false;
}

Status RecordCipher::init(AeadKind kind, Bytes key, Bytes fixed_iv) {
  clear();
  TRY(aead_.init(kind, key));  // checks the key's size too
  std::memset(iv_, 0, sizeof iv_);
  std::memcpy(iv_, fixed_iv.data(), fixed_iv.size() <= 12 ? fixed_iv.size() : 12);
  std::memcpy(key_, key.data(), key.size());
  key_len_ = static_cast<uint8_t>(key.size());
  kind_ = kind;
  keyed_ = true;
  return ok_status();
}

bool RecordCipher::key_aead() {
  if (aead_.ready()) return true;
  return keyed_ && aead_.init(kind_, Bytes(key_, key_len_)).ok();
}

std::size_t RecordCipher::overhead() const {
  return (kind_ == AeadKind::chacha20_poly1305 ? 0 : 8) + crypto::kAeadTagSize;
}

void RecordCipher::nonce(uint16_t epoch, uint64_t seq, uint8_t out[12]) const {
  uint8_t es[8];
  ByteWriter w(MutableBytes(es, 8));
  w.write_u16(epoch);
  w.write_u48(seq);
  if (kind_ == AeadKind::chacha20_poly1305) {
    std::memcpy(out, iv_, 12);
    for (int i = 0; i < 8; ++i) out[4 + i] ^= es[i];  // RFC 7905 §2
  } else {
    std::memcpy(out, iv_, 4);  // RFC 5288 §3: salt || explicit nonce
    std::memcpy(out + 4, es, 8);
  }
}

void RecordCipher::seal(ByteWriter& w, ContentType type, uint16_t epoch, uint64_t seq, Bytes plaintext) {
  if (!key_aead()) {
    (void)w.reserve_bytes(w.available() + 1);  // fails the writer: nothing can be sealed
    return;
  }
  write_header(w, type, kVersionDtls12, epoch, seq, plaintext.size() + overhead());
  uint8_t n[12];
  nonce(epoch, seq, n);
  if (kind_ != AeadKind::chacha20_poly1305) w.write_bytes(Bytes(n + 4, 8));
  MutableBytes body = w.reserve_bytes(plaintext.size());
  MutableBytes tag = w.reserve_bytes(crypto::kAeadTagSize);
  if (w.failed()) return;
  if (!plaintext.empty()) std::memmove(body.data(), plaintext.data(), plaintext.size());
  uint8_t aad[13];
  make_aad(aad, static_cast<uint8_t>(type), kVersionDtls12, epoch, seq, plaintext.size());
  Status s = aead_.seal(Bytes(n, 12), Bytes(aad, 13), body, tag);
  (void)s;  // the AEAD cannot fail once keyed with a valid length
}

Result<std::size_t> RecordCipher::open(const Record& rec, MutableBytes out) {
  ENSURE(rec.fragment.size() >= overhead(), kShort);
  if (!key_aead()) return kAuth;
  std::size_t explicit_len = kind_ == AeadKind::chacha20_poly1305 ? 0 : 8;
  std::size_t len = rec.fragment.size() - overhead();
  ENSURE(len <= kMaxPlaintext && len <= out.size(), kTooBig);
  uint8_t n[12];
  nonce(rec.epoch, rec.seq, n);
  // GCM: the explicit nonce on the wire is what the sender used (RFC 5288).
  if (explicit_len) std::memcpy(n + 4, rec.fragment.data(), 8);
  uint8_t aad[13];
  make_aad(aad, rec.type, rec.version, rec.epoch, rec.seq, len);
  MutableBytes body = out.first(len);
  std::memcpy(body.data(), rec.fragment.data() + explicit_len, len);
  Bytes tag = rec.fragment.subspan(explicit_len + len, crypto::kAeadTagSize);
  Status s = aead_.open(Bytes(n, 12), Bytes(aad, 13), body, tag);
  if (!s.ok()) {
    crypto::secure_zero(body.data(), body.size());
    return kAuth;
  }
  return len;
}

Result<Bytes> RecordCipher::open_in_place(const Record& rec, MutableBytes fragment) {
  ENSURE(keyed_ && fragment.size() == rec.fragment.size() && fragment.size() >= overhead(), kShort);
  if (!key_aead()) return kAuth;
  std::size_t explicit_len = kind_ == AeadKind::chacha20_poly1305 ? 0 : 8;
  std::size_t len = fragment.size() - overhead();
  ENSURE(len <= kMaxPlaintext, kTooBig);
  uint8_t n[12];
  nonce(rec.epoch, rec.seq, n);
  if (explicit_len) std::memcpy(n + 4, fragment.data(), 8);  // RFC 5288: as the sender used it
  uint8_t aad[13];
  make_aad(aad, rec.type, rec.version, rec.epoch, rec.seq, len);
  MutableBytes body = fragment.subspan(explicit_len, len);
  Bytes tag = fragment.subspan(explicit_len + len, crypto::kAeadTagSize);
  // The AEAD leaves body unchanged when the tag does not verify.
  if (!aead_.open(Bytes(n, 12), Bytes(aad, 13), body, tag).ok()) return kAuth;
  return Bytes(body.data(), body.size());
}

void write_plain_record(ByteWriter& w, ContentType type, uint16_t version, uint64_t seq, Bytes payload) {
  write_header(w, type, version, 0, seq, payload.size());
  w.write_bytes(payload);
}

}  // namespace keyway::dtls
