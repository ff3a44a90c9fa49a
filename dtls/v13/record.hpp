// SPDX-License-Identifier: Apache-2.0
// DTLS 1.3 protected records (RFC 9147 §4): the unified header, record
// number encryption, sequence-number reconstruction, the AEAD nonce and
// additional data, DTLSInnerPlaintext, and a replay window per epoch.
//
//    0 1 2 3 4 5 6 7
//   +-+-+-+-+-+-+-+-+
//   |0|0|1|C|S|L|E E|   C: connection id present (never: keyway negotiates none)
//   +-+-+-+-+-+-+-+-+   S: 16-bit sequence number (else 8-bit)
//   | 8 or 16 bit   |   L: 16-bit length present (else the record is the rest
//   |Sequence Number|      of the datagram)
//   +-+-+-+-+-+-+-+-+   E: the low two bits of the epoch
//   | 16 bit Length |
//   | (if present)  |
//   +-+-+-+-+-+-+-+-+
//   |  encrypted_record = AEAD(DTLSInnerPlaintext) ...
//
// Sending: write the header with the plain sequence bits; AEAD with
//   nonce = iv XOR (64-bit sequence number, left-padded)   (RFC 8446 §5.3;
//   the epoch is not in it, RFC 9147 §4) and additional data = the header
//   as written (before record number encryption, RFC 9147 §4); then XOR the
//   sequence bits with the mask made from the first 16 ciphertext bytes
//   (RFC 9147 §4.2.3).
// Receiving: the same mask undoes the XOR, the full number is reconstructed
//   from the low bits (§4.2.2), the replay window is consulted, then the
//   AEAD opens; only an authenticated record marks the window.
#pragma once

#include <cstdint>

#include "keyway/dtls/constants.hpp"
#include "keyway/dtls/replay_window.hpp"
#include "keyway/dtls/v13/key_schedule.hpp"
#include "keyway/lib/bytes.hpp"
#include "keyway/lib/crypto/aead.hpp"
#include "keyway/lib/crypto/aes.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::dtls::v13 {

// RFC 9147 §4: the outer types that stay plaintext, and ACK (§7, type 26).
constexpr uint8_t kContentTypeAck = 26;
constexpr uint8_t kUnifiedHeaderFixedBits = 0x20;  // 0b001xxxxx
constexpr uint8_t kUnifiedHeaderFixedMask = 0xE0;
constexpr uint8_t kBitConnectionId = 0x10;
constexpr uint8_t kBitSeq16 = 0x08;
constexpr uint8_t kBitLength = 0x04;
constexpr uint8_t kEpochBitsMask = 0x03;
constexpr std::size_t kMaxUnifiedHeaderSize = 5;  // no connection id
constexpr std::size_t kMaxContentSize = 1u << 14;                   // RFC 8446 §5.4: record_overflow beyond
constexpr std::size_t kMaxEncryptedRecord = (1u << 14) + 256;      // RFC 8446 §5.2
constexpr std::size_t kRecordNumberSample = 16;                    // RFC 9147 §4.2.3

// RFC 9147 §4.1: a first byte of 0b001xxxxx starts a DTLSCiphertext.
constexpr bool is_ciphertext_record(uint8_t first_byte) {
  return (first_byte & kUnifiedHeaderFixedMask) == kUnifiedHeaderFixedBits;
}

struct UnifiedHeader {
  uint8_t epoch_bits = 0;  // epoch & 3
  bool seq16 = true;       // S bit
  bool has_length = true;  // L bit
  uint16_t seq_bits = 0;   // low 8 or 16 bits of the sequence number, as on the wire
};

// One DTLSCiphertext cut out of a datagram (nothing decrypted yet).
struct CiphertextRecord {
  UnifiedHeader header;
  Bytes header_bytes;  // the header as received (1, 2, 3 or 5 bytes)
  Bytes encrypted;     // encrypted_record: AEAD ciphertext and tag
};

// Reads the next DTLSCiphertext of a datagram. Fails (the caller drops the
// rest of the datagram) on a first byte that is not 0b001xxxxx, a
// connection id (none is negotiated), a header or length past the end, or
// more than 2^14 + 256 bytes of encrypted_record.
[[nodiscard]] Result<CiphertextRecord> read_ciphertext_record(ByteReader& datagram);

// Writes a unified header (no connection id). encrypted_length (at most
// kMaxEncryptedRecord) is written when h.has_length.
void write_unified_header(ByteWriter& w, const UnifiedHeader& h, std::size_t encrypted_length);
constexpr std::size_t unified_header_size(const UnifiedHeader& h) {
  return 1 + (h.seq16 ? 2 : 1) + (h.has_length ? 2 : 0);
}

// RFC 9147 §4.2.2: the full sequence number whose low `bits` bits are
// `low_bits` and which is closest to `expected` (one plus the highest
// sequence number deprotected in the epoch).
uint64_t reconstruct_sequence_number(uint64_t expected, uint16_t low_bits, unsigned bits);

// RFC 9147 §4.2.2: the epoch a record's two epoch bits name, once the
// handshake is over: the current epoch when they match, else the most
// recent past epoch with those low bits. False when there is none (bits
// above a current epoch below 3: a record from an epoch not yet entered).
[[nodiscard]] bool reconstruct_epoch(uint64_t current, uint8_t epoch_bits, uint64_t& out);

// RFC 8446 §5.3: nonce = iv XOR the 64-bit sequence number padded on the
// left with zeros to the iv length (12).
void record_nonce(Bytes iv, uint64_t seq, uint8_t out[crypto::kAeadNonceSize]);

// DTLSInnerPlaintext (RFC 8446 §5.4, RFC 9147 §4):
//   struct { opaque content[length]; ContentType type; uint8 zeros[padding]; }
void write_inner_plaintext(ByteWriter& w, Bytes content, uint8_t type, std::size_t padding);
struct InnerPlaintext {
  uint8_t type = 0;
  Bytes content;
};
// Finds the type as the last non-zero byte; fails when there is none
// (RFC 8446 §5.4: unexpected_message) or the content exceeds 2^14 bytes.
[[nodiscard]] Result<InnerPlaintext> read_inner_plaintext(Bytes plaintext);

// Record number encryption (RFC 9147 §4.2.3) for one direction of one epoch:
//   AES:      Mask = AES-ECB(sn_key, Ciphertext[0..15])
//   ChaCha20: Mask = ChaCha20(sn_key, counter = Ciphertext[0..3], nonce = Ciphertext[4..15])
//
// Only the key is kept (32 bytes, not an AES key schedule of 368): the AES
// schedule is expanded on the stack for each record. DTLS records after the
// handshake are rare in a WebRTC call (media goes over SRTP), and an
// established association is mostly its record slots (dtls/v13/handshake_state.hpp).
class RecordNumberCipher {
 public:
  RecordNumberCipher() {}
  ~RecordNumberCipher() { clear(); }
  [[nodiscard]] Status init(AeadKind kind, Bytes sn_key);
  void clear();  // wipes the key
  // The first two mask bytes from the first 16 ciphertext bytes. Fails on a
  // shorter ciphertext (the record is then dropped as failing deprotection).
  [[nodiscard]] Status mask(Bytes ciphertext, uint8_t out[2]) const;

 private:
  // The key's length is aead_key_size(kind_): plain bytes, wiped by clear(),
  // not a crypto::Secret and its size_t length in each of the five epochs.
  uint8_t key_[kMaxKeySize] = {};
  // The AEAD kind the key is for, and whether there is one, in one byte: the
  // record slots then pack 8 bytes smaller (issue 18).
  static constexpr uint8_t kNoKey = 0xFF;
  uint8_t kind_ = kNoKey;  // an AeadKind once keyed
};

// The keys of one direction of one epoch (epochs 2 and up): the AEAD, its
// iv and the record-number cipher, all from one traffic secret.
//
// Memory (issue 18): a keyed epoch's keys are one heap block (the cipher's
// context, the iv and the record-number key together: one allocation, as the
// AEAD alone was); the object is a pointer, the secret it is keyed from and
// the epoch, 32 bytes, not 80. An established association holds five of
// these (the write epoch, four receive slots) and keys none of them until a
// record needs it (defer()).
class RecordProtection {
 public:
  RecordProtection() {}
  ~RecordProtection() { clear(); }
  RecordProtection(const RecordProtection&) = delete;
  RecordProtection& operator=(const RecordProtection&) = delete;

  // keys from traffic_keys(); kind decides the AEAD and the mask.
  [[nodiscard]] Status init(AeadKind kind, uint64_t epoch, const TrafficKeys& keys);
  // Keys on first use (issue 18), as 1.2's RecordCipher::release_aead():
  // names the epoch and frees any keys held (the AEAD's heap); the first
  // seal or open derives them from *secret (traffic_keys(), RFC 8446 §7.3)
  // and keeps them. *secret must stay until then.
  void defer(AeadKind kind, crypto::HashAlg hash, uint64_t epoch, const SecretBytes* secret);
  [[nodiscard]] Status key_now();  // a deferred epoch's keys now (ok when keyed); fails only without heap
  void clear();
  bool ready() const { return keyed() || secret_ != nullptr; }  // keyed, or keyed on first use
  bool keyed() const { return kind_ == AeadKind::chacha20_poly1305 ? chacha_ != nullptr : gcm_ != nullptr; }
  uint64_t epoch() const { return epoch_; }
  static constexpr uint64_t kMaxEpoch = (uint64_t{1} << 48) - 1;

  // Writes one complete record: unified header (16-bit sequence number,
  // length present), the sealed DTLSInnerPlaintext with `padding` zeros,
  // sequence bits masked. Fails when w has no room.
  [[nodiscard]] Status seal(ByteWriter& w, uint64_t seq, uint8_t type, Bytes content, std::size_t padding = 0);

  // Receiving, step 1: undoes record number encryption and reconstructs
  // the full sequence number around `expected`.
  [[nodiscard]] Result<uint64_t> unmask_sequence_number(const CiphertextRecord& rec, uint64_t expected) const;
  // Step 2: authenticates and decrypts into out (at least
  // rec.encrypted.size() bytes; it may be rec.encrypted itself, made
  // writable: decryption in place), then reads the inner plaintext. On an
  // authentication failure out is wiped; an authenticated record without a
  // content type fails with unexpected_message (RFC 8446 §5.4: fatal).
  [[nodiscard]] Result<InnerPlaintext> open(const CiphertextRecord& rec, uint64_t seq, MutableBytes out);

 private:
  // A keyed epoch's heap block (the cipher's destructor wipes its key,
  // RecordNumberCipher's its own; clear() wipes the iv).
  template <class Cipher>
  struct Keys {
    Cipher aead;
    uint8_t iv[kIvSize] = {};
    RecordNumberCipher sn;
  };
  template <class Cipher>
  [[nodiscard]] Status key_with(Keys<Cipher>*& keys, const TrafficKeys& traffic);
  [[nodiscard]] Status seal_aead(Bytes nonce, Bytes aad, MutableBytes data, MutableBytes tag);
  [[nodiscard]] Status open_aead(Bytes nonce, Bytes aad, MutableBytes data, Bytes tag);
  const uint8_t* iv() const { return kind_ == AeadKind::chacha20_poly1305 ? chacha_->iv : gcm_->iv; }
  const RecordNumberCipher& sn() const { return kind_ == AeadKind::chacha20_poly1305 ? chacha_->sn : gcm_->sn; }

  // The keys, when keyed: kind_ says which member is in use.
  union {
    Keys<crypto::AesGcm>* gcm_ = nullptr;   // aes128_gcm, aes256_gcm
    Keys<crypto::ChaCha20Poly1305>* chacha_;  // chacha20_poly1305
  };
  const SecretBytes* secret_ = nullptr;  // deferred: the keys come from here
  // 48 bits, so hash_ and kind_ share its eight bytes (issue 18: 32 -> 24
  // bytes a slot); the endpoint refuses epochs beyond kMaxEpoch.
  uint64_t epoch_ : 48 = 0;
  crypto::HashAlg hash_ = crypto::HashAlg::sha256;
  AeadKind kind_ = AeadKind::aes128_gcm;
};

// The receive side of one epoch: its keys and its replay window (RFC 9147
// §4.5.1), whose top is the highest sequence number deprotected so far.
class ReceiveEpoch {
 public:
  RecordProtection& protection() { return protection_; }
  const RecordProtection& protection() const { return protection_; }
  // Unmask, reconstruct, check the window, open; marks the window only for
  // an authenticated record. Errors: replayed / too_old / auth_failed /
  // malformed; all mean "drop this record".
  struct Opened {
    uint64_t seq = 0;
    InnerPlaintext inner;
  };
  [[nodiscard]] Result<Opened> open(const CiphertextRecord& rec, MutableBytes out);
  // One plus the highest sequence number deprotected (0 before the first).
  uint64_t next_expected() const { return window_.next_expected(); }
  // Forgets keys, window and sequence numbers (the slot of a new epoch).
  void reset() {
    protection_.clear();
    window_ = ReplayWindow{};
  }

 private:
  RecordProtection protection_;
  ReplayWindow window_;
};

}  // namespace keyway::dtls::v13
