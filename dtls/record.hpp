// SPDX-License-Identifier: Apache-2.0
// DTLS 1.2 record layer (RFC 6347 §4.1) with AEAD protection.
//
//   0               1               2               3
//   +---------------+-------------------------------+---------------+
//   | content type  |   version (0xFEFD)            |    epoch ...  |
//   +---------------+-------------------------------+---------------+
//   | ... epoch     |        sequence_number (48 bits) ...          |
//   +---------------+-------------------------------+---------------+
//   |   ... seq     |            length             |  fragment ... |
//
// AES-GCM (RFC 5288 §3): nonce = salt[4] || explicit[8], and the explicit
// part is epoch||seq (never random), sent in front of the ciphertext.
// ChaCha20-Poly1305 (RFC 7905 §2): nonce = iv[12] XOR (0^32 || epoch||seq),
// no explicit part. Both: additional_data = epoch||seq || type || version ||
// plaintext length (RFC 5246 §6.2.3.3), and a 16-byte tag.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "keyway/dtls/constants.hpp"
#include "keyway/dtls/replay_window.hpp"
#include "keyway/lib/bytes.hpp"
#include "keyway/lib/crypto/aead.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::dtls {

struct Record {
  uint8_t type = 0;
  uint16_t version = 0;
  uint16_t epoch = 0;
  uint64_t seq = 0;   // 48 bits
  Bytes fragment;     // as received (protected when epoch > 0)
};

// Reads the next record of a datagram. Fails (and the caller drops the rest
// of the datagram) when the header or length runs past the end.
[[nodiscard]] Result<Record> read_record(ByteReader& datagram);

constexpr std::size_t kMaxRecordOverhead = kRecordHeaderSize + 8 + crypto::kAeadTagSize;
constexpr std::size_t kMaxPlaintext = 16384;  // RFC 5246 §6.2.1

// The AEAD state of one direction of one epoch. Holds only the negotiated
// AEAD (AES-GCM or ChaCha20-Poly1305), not both: this is most of the
// established state, so it is kept as small as the primitives allow. The
// AEAD is on the heap from init() (keys exist: the end of a handshake) until
// clear(), so an endpoint still in its handshake holds neither (issue 13).
// release_aead() frees the AEAD but keeps the key (a few dozen bytes): a
// DTLS-SRTP association carries no records after its handshake, so the
// endpoint releases both directions then (752 B each with mbedTLS's AES-GCM),
// and the next seal or open keys the AEAD again, once, and keeps it (an
// alert, close_notify, a repeated flight, application data).
class RecordCipher {
 public:
  RecordCipher() {}
  ~RecordCipher() { clear(); }
  RecordCipher(const RecordCipher&) = delete;
  RecordCipher& operator=(const RecordCipher&) = delete;

  [[nodiscard]] Status init(AeadKind kind, Bytes key, Bytes fixed_iv);
  void clear();  // forgets the key
  bool ready() const { return keyed_; }
  void release_aead() { aead_.clear(); }   // the key stays: keyed again on first use
  bool holds_aead() const { return aead_.ready(); }
  // Bytes added around the plaintext (explicit nonce + tag).
  std::size_t overhead() const;

  // Writes header + protected payload for `plaintext` into w (w fails when
  // the AEAD cannot be keyed: no heap).
  void seal(ByteWriter& w, ContentType type, uint16_t epoch, uint64_t seq, Bytes plaintext);
  // Authenticates and decrypts rec's fragment into out; returns the
  // plaintext length. Fails with auth_failed without touching state.
  [[nodiscard]] Result<std::size_t> open(const Record& rec, MutableBytes out);
  // Authenticates and decrypts in place: `fragment` is the writable copy of
  // rec.fragment (the caller's datagram). Returns the plaintext, a subspan
  // of fragment; on failure fragment is unchanged.
  [[nodiscard]] Result<Bytes> open_in_place(const Record& rec, MutableBytes fragment);

 private:
  void nonce(uint16_t epoch, uint64_t seq, uint8_t out[12]) const;
  bool key_aead();  // keys aead_ from key_ unless it is keyed; false: no key or no heap

  crypto::Aead aead_;  // on the heap while keyed (lib/crypto/aead.hpp)
  uint8_t key_[32] = {};
  uint8_t iv_[12] = {};
  uint8_t key_len_ = 0;
  AeadKind kind_ = AeadKind::aes128_gcm;
  bool keyed_ = false;  // init() gave keys (the AEAD may be released)
};

// Writes an unprotected (epoch 0) record.
void write_plain_record(ByteWriter& w, ContentType type, uint16_t version, uint64_t seq, Bytes payload);

// The write side of the record layer: epoch 0 is plaintext (a sequence
// number only), epoch 1 is protected. No renegotiation: no epoch 2.
struct WriteState {
  uint64_t next_seq[2] = {0, 0};
  RecordCipher cipher;  // epoch 1
};

}  // namespace keyway::dtls
