// SPDX-License-Identifier: Apache-2.0
// DTLS 1.3 record protection (RFC 9147 §4, §4.2.2, §4.2.3; RFC 8446 §5.3, §5.4).
#include "keyway/dtls/v13/record.hpp"

#include <cstring>
#include <new>

#include "keyway/lib/crypto/chacha20.hpp"
#include "keyway/lib/crypto/ct.hpp"
#include "keyway/lib/fuzzing.hpp"

namespace keyway::dtls::v13 {

namespace {
constexpr Error kNotCiphertext = make_error(Layer::dtls, Code::malformed, "dtls13 record: first byte is not 0b001xxxxx");
constexpr Error kConnectionId = make_error(Layer::dtls, Code::unsupported, "dtls13 record: connection id present but none negotiated");
constexpr Error kTruncated = make_error(Layer::dtls, Code::truncated, "dtls13 record: header or length runs past the end of the datagram");
constexpr Error kTooLong = make_error(Layer::dtls, Code::malformed, "dtls13 record: encrypted_record longer than 2^14 + 256 bytes");
constexpr Error kShortSample = make_error(Layer::dtls, Code::auth_failed, "dtls13 record: ciphertext shorter than the 16-byte record number sample");
constexpr Error kNoType = make_error(Layer::dtls, Code::unexpected_message, "dtls13 record: inner plaintext has no non-zero content type");
constexpr Error kOverflow = make_error(Layer::dtls, Code::malformed, "dtls13 record: inner plaintext content longer than 2^14 bytes");
constexpr Error kAuth = make_error(Layer::dtls, Code::auth_failed, "dtls13 record: authentication failed");
constexpr Error kNoKeys = make_error(Layer::dtls, Code::bad_state, "dtls13 record: epoch has no keys");
constexpr Error kNoRoom = make_error(Layer::dtls, Code::buffer_too_small, "dtls13 record: no room for the record");
constexpr Error kSmallOut = make_error(Layer::dtls, Code::buffer_too_small, "dtls13 record: output smaller than the record");
constexpr Error kReplayed = make_error(Layer::dtls, Code::replayed, "dtls13 record: sequence number already received");
constexpr Error kTooOld = make_error(Layer::dtls, Code::too_old, "dtls13 record: sequence number older than the replay window");
constexpr Error kNoMemory = make_error(Layer::dtls, Code::capacity, "dtls13 record: no heap for an epoch's keys");
constexpr Error kBadKey = make_error(Layer::dtls, Code::invalid_argument, "dtls13 record: key length does not fit the AEAD");

}  // namespace

// ---- the unified header (RFC 9147 §4) ----

Result<CiphertextRecord> read_ciphertext_record(ByteReader& datagram) {
  ByteReader r = datagram;
  const uint8_t* start = r.position();
  uint8_t first = 0;
  if (!r.read_u8(first)) return kTruncated;
  if (!is_ciphertext_record(first)) return kNotCiphertext;
  if (first & kBitConnectionId) return kConnectionId;  // RFC 9147 §9: only with a negotiated CID
  CiphertextRecord rec;
  rec.header.epoch_bits = first & kEpochBitsMask;
  rec.header.seq16 = (first & kBitSeq16) != 0;
  rec.header.has_length = (first & kBitLength) != 0;
  bool ok = true;
  if (rec.header.seq16) {
    ok = r.read_u16(rec.header.seq_bits);
  } else {
    uint8_t s = 0;
    ok = r.read_u8(s);
    rec.header.seq_bits = s;
  }
  if (!ok) return kTruncated;
  std::size_t length = r.remaining();  // no L bit: the rest of the datagram
  if (rec.header.has_length) {
    uint16_t l = 0;
    if (!r.read_u16(l)) return kTruncated;
    length = l;
  }
  rec.header_bytes = Bytes(start, static_cast<std::size_t>(r.position() - start));
  if (!r.read_bytes(length, rec.encrypted)) return kTruncated;
  if (rec.encrypted.size() > kMaxEncryptedRecord) return kTooLong;
  datagram = r;
  return rec;
}

void write_unified_header(ByteWriter& w, const UnifiedHeader& h, std::size_t encrypted_length) {
  uint8_t first = kUnifiedHeaderFixedBits | (h.epoch_bits & kEpochBitsMask);
  if (h.seq16) first |= kBitSeq16;
  if (h.has_length) first |= kBitLength;
  w.write_u8(first);
  if (h.seq16) w.write_u16(h.seq_bits);
  else w.write_u8(static_cast<uint8_t>(h.seq_bits));
  if (h.has_length) w.write_u16(static_cast<uint16_t>(encrypted_length));
}

// ---- sequence numbers and nonces ----

uint64_t reconstruct_sequence_number(uint64_t expected, uint16_t low_bits, unsigned bits) {
  const uint64_t window = uint64_t{1} << bits;
  const uint64_t half = window / 2;
  uint64_t candidate = (expected & ~(window - 1)) | (low_bits & (window - 1));
  // The candidate shares expected's high bits; one window up or down may be closer.
  if (candidate < expected && expected - candidate > half) candidate += window;
  else if (candidate > expected && candidate - expected > half && candidate >= window) candidate -= window;
  return candidate;
}

bool reconstruct_epoch(uint64_t current, uint8_t epoch_bits, uint64_t& out) {
  const uint64_t back = (current - epoch_bits) & kEpochBitsMask;  // steps down to matching low bits
  if (back > current) return false;
  out = current - back;
  return true;
}

void record_nonce(Bytes iv, uint64_t seq, uint8_t out[crypto::kAeadNonceSize]) {
  std::memcpy(out, iv.data(), crypto::kAeadNonceSize);
  for (int i = 0; i < 8; ++i) out[crypto::kAeadNonceSize - 1 - i] ^= static_cast<uint8_t>(seq >> (8 * i));
}

// ---- DTLSInnerPlaintext (RFC 8446 §5.4) ----

void write_inner_plaintext(ByteWriter& w, Bytes content, uint8_t type, std::size_t padding) {
  w.write_bytes(content);
  w.write_u8(type);
  w.write_zeros(padding);
}

Result<InnerPlaintext> read_inner_plaintext(Bytes plaintext) {
  std::size_t end = plaintext.size();
  while (end > 0 && plaintext[end - 1] == 0) --end;  // the padding
  if (end == 0) return kNoType;
  InnerPlaintext inner;
  inner.type = plaintext[end - 1];
  inner.content = plaintext.first(end - 1);
  if (inner.content.size() > kMaxContentSize) return kOverflow;
  return inner;
}

// ---- record number encryption (RFC 9147 §4.2.3) ----

Status RecordNumberCipher::init(AeadKind kind, Bytes sn_key) {
  clear();
  ENSURE(sn_key.size() == crypto::aead_key_size(kind), kBadKey);
  std::memcpy(key_, sn_key.data(), sn_key.size());
  kind_ = static_cast<uint8_t>(kind);
  return ok_status();
}

void RecordNumberCipher::clear() {
  crypto::secure_zero(key_, sizeof key_);
  kind_ = kNoKey;
}

Status RecordNumberCipher::mask(Bytes ciphertext, uint8_t out[2]) const {
  ENSURE(kind_ != kNoKey, kNoKeys);
  const auto kind = static_cast<AeadKind>(kind_);
  ENSURE(ciphertext.size() >= kRecordNumberSample, kShortSample);
  if constexpr (kFuzzing) {  // lib/fuzzing.hpp: records stay readable, so no mask either
    out[0] = out[1] = 0;
    return ok_status();
  }
  uint8_t block[kRecordNumberSample] = {};
  if (kind == AeadKind::chacha20_poly1305) {
    // The counter is the first 4 bytes read as ChaCha20 reads its state words:
    // little-endian (RFC 8439 §2.3).
    uint32_t counter = uint32_t{ciphertext[0]} | (uint32_t{ciphertext[1]} << 8) | (uint32_t{ciphertext[2]} << 16) |
                       (uint32_t{ciphertext[3]} << 24);
    TRY(crypto::chacha20_xor(Bytes(key_, crypto::aead_key_size(kind)), ciphertext.subspan(4, 12), counter, block));
  } else {
    crypto::Aes aes;  // expanded per record, on the stack (its destructor wipes it)
    TRY(aes.set_key(Bytes(key_, crypto::aead_key_size(kind))));
    aes.encrypt_block(ciphertext.data(), block);
  }
  out[0] = block[0];
  out[1] = block[1];
  crypto::secure_zero(block, sizeof block);
  return ok_status();
}

// ---- one epoch's keys ----

Status RecordProtection::init(AeadKind kind, uint64_t epoch, const TrafficKeys& keys) {
  clear();
  ENSURE(keys.key.len == crypto::aead_key_size(kind) && keys.iv.len == kIvSize, kBadKey);
  kind_ = kind;
  epoch_ = epoch & kMaxEpoch;  // within it (the endpoint checks)
  return kind == AeadKind::chacha20_poly1305 ? key_with(chacha_, keys) : key_with(gcm_, keys);
}

// One allocation for the epoch's keys; on failure nothing is held.
template <class Cipher>
Status RecordProtection::key_with(Keys<Cipher>*& keys, const TrafficKeys& traffic) {
  keys = new (std::nothrow) Keys<Cipher>;
  ENSURE(keys != nullptr, kNoMemory);
  Status s = keys->sn.init(kind_, traffic.sn_key.view());
  if (s.ok()) s = keys->aead.set_key(traffic.key.view());
  std::memcpy(keys->iv, traffic.iv.bytes, kIvSize);
  if (!s.ok()) clear();
  return s;
}

void RecordProtection::clear() {
  if (kind_ == AeadKind::chacha20_poly1305) {
    if (chacha_ != nullptr) crypto::secure_zero(chacha_->iv, kIvSize);
    delete chacha_;  // the destructors wipe the cipher's and the record-number key
    chacha_ = nullptr;
  } else {
    if (gcm_ != nullptr) crypto::secure_zero(gcm_->iv, kIvSize);
    delete gcm_;
    gcm_ = nullptr;
  }
  secret_ = nullptr;
}

void RecordProtection::defer(AeadKind kind, crypto::HashAlg hash, uint64_t epoch, const SecretBytes* secret) {
  clear();
  epoch_ = epoch & kMaxEpoch;  // within it (the endpoint checks)
  secret_ = secret;
  hash_ = hash;
  kind_ = kind;
}

Status RecordProtection::key_now() {
  if (secret_ == nullptr) return ok_status();
  const SecretBytes* secret = secret_;
  TrafficKeys keys;
  TRY(traffic_keys(hash_, LabelPrefix::dtls13, secret->view(), crypto::aead_key_size(kind_), keys));
  Status s = init(kind_, epoch_, keys);
  if (!s.ok()) defer(kind_, hash_, epoch_, secret);  // no heap now: perhaps at the next record
  return s;
}

Status RecordProtection::seal(ByteWriter& w, uint64_t seq, uint8_t type, Bytes content, std::size_t padding) {
  TRY(key_now());
  ENSURE(keyed(), kNoKeys);
  const std::size_t inner = content.size() + 1 + padding;
  ENSURE(content.size() <= kMaxContentSize && inner + crypto::kAeadTagSize <= kMaxEncryptedRecord, kOverflow);
  UnifiedHeader h;
  h.epoch_bits = static_cast<uint8_t>(epoch_ & kEpochBitsMask);
  h.seq_bits = static_cast<uint16_t>(seq);
  const std::size_t header_at = w.size();
  write_unified_header(w, h, inner + crypto::kAeadTagSize);
  MutableBytes body = w.reserve_bytes(inner);
  MutableBytes tag = w.reserve_bytes(crypto::kAeadTagSize);
  ENSURE(!w.failed(), kNoRoom);
  ByteWriter bw(body);
  write_inner_plaintext(bw, content, type, padding);
  MutableBytes header = w.written_mutable().subspan(header_at, unified_header_size(h));
  uint8_t nonce[crypto::kAeadNonceSize];
  record_nonce(Bytes(iv(), kIvSize), seq, nonce);
  TRY(seal_aead(Bytes(nonce, sizeof nonce), header, body, tag));  // AAD: header before masking
  uint8_t m[2];
  TRY(sn().mask(w.written().subspan(header_at + header.size()), m));
  header[1] ^= m[0];
  header[2] ^= m[1];
  return ok_status();
}

Result<uint64_t> RecordProtection::unmask_sequence_number(const CiphertextRecord& rec, uint64_t expected) const {
  ENSURE(keyed(), kNoKeys);
  uint8_t m[2];
  TRY(sn().mask(rec.encrypted, m));
  uint16_t bits = rec.header.seq16 ? static_cast<uint16_t>(rec.header.seq_bits ^ ((m[0] << 8) | m[1]))
                                   : static_cast<uint16_t>((rec.header.seq_bits ^ m[0]) & 0xFF);
  return reconstruct_sequence_number(expected, bits, rec.header.seq16 ? 16 : 8);
}

Result<InnerPlaintext> RecordProtection::open(const CiphertextRecord& rec, uint64_t seq, MutableBytes out) {
  TRY(key_now());
  ENSURE(keyed(), kNoKeys);
  ENSURE(rec.encrypted.size() >= kRecordNumberSample && rec.encrypted.size() > crypto::kAeadTagSize, kShortSample);
  ENSURE(out.size() >= rec.encrypted.size(), kSmallOut);
  // RFC 9147 §4: the additional data is the header as sent, i.e. with the
  // sequence bits before record number encryption: the reconstructed ones.
  uint8_t aad[kMaxUnifiedHeaderSize];
  const std::size_t header_size = rec.header_bytes.size();
  ENSURE(header_size <= sizeof aad, kConnectionId);
  std::memcpy(aad, rec.header_bytes.data(), header_size);
  if (rec.header.seq16) {
    aad[1] = static_cast<uint8_t>(seq >> 8);
    aad[2] = static_cast<uint8_t>(seq);
  } else {
    aad[1] = static_cast<uint8_t>(seq);
  }
  const std::size_t len = rec.encrypted.size() - crypto::kAeadTagSize;
  MutableBytes body = out.first(len);
  if (body.data() != rec.encrypted.data()) std::memcpy(body.data(), rec.encrypted.data(), len);  // else in place
  uint8_t nonce[crypto::kAeadNonceSize];
  record_nonce(Bytes(iv(), kIvSize), seq, nonce);
  if (!open_aead(Bytes(nonce, sizeof nonce), Bytes(aad, header_size), body, rec.encrypted.subspan(len)).ok()) {
    crypto::secure_zero(body.data(), body.size());
    return kAuth;
  }
  return read_inner_plaintext(body);
}

Status RecordProtection::seal_aead(Bytes nonce, Bytes aad, MutableBytes data, MutableBytes tag) {
  if (kind_ == AeadKind::chacha20_poly1305) return chacha_->aead.seal(nonce, aad, data, tag);
  return gcm_->aead.seal(nonce, aad, data, tag);
}

Status RecordProtection::open_aead(Bytes nonce, Bytes aad, MutableBytes data, Bytes tag) {
  if (kind_ == AeadKind::chacha20_poly1305) return chacha_->aead.open(nonce, aad, data, tag);
  return gcm_->aead.open(nonce, aad, data, tag);
}

// ---- the receive side of an epoch ----

Result<ReceiveEpoch::Opened> ReceiveEpoch::open(const CiphertextRecord& rec, MutableBytes out) {
  TRY(protection_.key_now());  // a deferred epoch is keyed by its first record
  auto seq = protection_.unmask_sequence_number(rec, window_.next_expected());
  if (!seq.ok()) return seq.error();
  // RFC 9147 §4.5.1: the window is checked before and marked only after
  // authentication, so a forged record never moves it.
  if (window_.too_old(*seq)) return kTooOld;
  if (window_.seen(*seq)) return kReplayed;
  auto inner = protection_.open(rec, *seq, out);
  if (!inner.ok()) return inner.error();
  window_.mark(*seq);  // and with it next_expected()
  return Opened{*seq, *inner};
}

}  // namespace keyway::dtls::v13
