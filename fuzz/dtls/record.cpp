// SPDX-License-Identifier: Apache-2.0
// Fuzz target: record framing and AEAD open for every record of a datagram,
// with each of the three AEADs under a fixed key. Nothing may crash, and a
// failed open must report an error rather than plaintext.
#include <cstdint>

#include "keyway/dtls/record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keyway;
  using namespace keyway::dtls;
  static RecordCipher ciphers[3];
  static bool ready = false;
  if (!ready) {
    uint8_t key[32] = {7};
    uint8_t iv[12] = {9};
    (void)ciphers[0].init(AeadKind::aes128_gcm, Bytes(key, 16), Bytes(iv, 4));
    (void)ciphers[1].init(AeadKind::aes256_gcm, Bytes(key, 32), Bytes(iv, 4));
    (void)ciphers[2].init(AeadKind::chacha20_poly1305, Bytes(key, 32), Bytes(iv, 12));
    ready = true;
  }
  static uint8_t out[kMaxPlaintext];
  ByteReader r(Bytes(data, size));
  ReplayWindow window;
  while (!r.at_end()) {
    auto rec = read_record(r);
    if (!rec.ok()) break;
    if (window.should_discard(rec->seq)) continue;
    for (auto& c : ciphers) {
      auto n = c.open(*rec, out);
      if (n.ok()) window.mark(rec->seq);
    }
  }
  return 0;
}
