// SPDX-License-Identifier: Apache-2.0
// Fuzz target: DTLS 1.3 records (dtls/v13/record.hpp). Every DTLSCiphertext
// of a datagram is cut out, unmasked, checked against a fresh per-epoch
// replay window and opened under each of the three AEADs with fixed keys;
// an opened ACK record is decoded (dtls/v13/ack.hpp). In a fuzzing build
// (lib/fuzzing.hpp) the AEAD is a null cipher and the mask is zero, so the
// inputs reach the inner plaintext and the ACK parser.
#include <cstdint>

#include "keyway/dtls/v13/ack.hpp"
#include "keyway/dtls/v13/record.hpp"

namespace {

keyway::dtls::v13::TrafficKeys fixed_keys(std::size_t key_len) {
  keyway::dtls::v13::TrafficKeys k;
  for (std::size_t i = 0; i < key_len; ++i) {
    k.key.bytes[i] = static_cast<uint8_t>(0x40 + i);
    k.sn_key.bytes[i] = static_cast<uint8_t>(0x80 + i);
  }
  for (std::size_t i = 0; i < keyway::dtls::v13::kIvSize; ++i) k.iv.bytes[i] = static_cast<uint8_t>(i);
  k.key.len = key_len;
  k.sn_key.len = key_len;
  k.iv.len = keyway::dtls::v13::kIvSize;
  return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keyway;
  using namespace keyway::dtls;
  using namespace keyway::dtls::v13;
  static const TrafficKeys keys16 = fixed_keys(16);
  static const TrafficKeys keys32 = fixed_keys(32);
  ReceiveEpoch epochs[3];
  (void)epochs[0].protection().init(AeadKind::aes128_gcm, 2, keys16);
  (void)epochs[1].protection().init(AeadKind::aes256_gcm, 3, keys32);
  (void)epochs[2].protection().init(AeadKind::chacha20_poly1305, 4, keys32);
  static uint8_t out[kMaxEncryptedRecord];
  ByteReader r(Bytes(data, size));
  while (!r.at_end()) {
    auto rec = read_ciphertext_record(r);
    if (!rec.ok()) break;
    for (auto& e : epochs) {
      auto opened = e.open(*rec, out);
      if (!opened.ok() || opened->inner.type != kContentTypeAck) continue;
      RecordNumber numbers[32];
      (void)read_ack(opened->inner.content, numbers);
    }
  }
  return 0;
}
