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
#include <span>

#include "dtls/constants.hpp"
#include "dtls/replay_window.hpp"
#include "lib/bytes.hpp"
#include "lib/crypto/aead.hpp"
#include "lib/result.hpp"

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

// The AEAD state of one direction of one epoch.
class RecordCipher {
 public:
  [[nodiscard]] Status init(AeadKind kind, Bytes key, Bytes fixed_iv);
  bool ready() const { return ready_; }
  // Bytes added around the plaintext (explicit nonce + tag).
  std::size_t overhead() const;

  // Writes header + protected payload for `plaintext` into w.
  void seal(ByteWriter& w, ContentType type, uint16_t epoch, uint64_t seq, Bytes plaintext);
  // Authenticates and decrypts rec's fragment into out; returns the
  // plaintext length. Fails with auth_failed without touching state.
  [[nodiscard]] Result<std::size_t> open(const Record& rec, MutableBytes out);

 private:
  void nonce(uint16_t epoch, uint64_t seq, uint8_t out[12]) const;

  AeadKind kind_ = AeadKind::aes128_gcm;
  crypto::AesGcm gcm_;
  crypto::ChaCha20Poly1305 chacha_;
  uint8_t iv_[12] = {};
  bool ready_ = false;
};

// Writes an unprotected (epoch 0) record.
void write_plain_record(ByteWriter& w, ContentType type, uint16_t version, uint64_t seq, Bytes payload);

// One epoch's read state: the cipher (none for epoch 0) and replay window.
struct ReadEpoch {
  RecordCipher cipher;
  ReplayWindow window;
};

// One epoch's write state.
struct WriteEpoch {
  RecordCipher cipher;
  uint64_t next_seq = 0;
};

}  // namespace keyway::dtls
