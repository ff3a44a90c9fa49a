// SPDX-License-Identifier: Apache-2.0
// Fuzz target: every explainer of `keyway explain` (tools/explain/) on any
// bytes. The first byte chooses the options (bit 0: --all) and whether the
// rest is one datagram or two of the same flow (bit 1: DTLS fragments then
// meet the reassembler; bit 2: with key log entries (DTLS 1.2 and 1.3) and
// SRTP keys, so the decryption paths run too). Each datagram is a copy of exactly its size, so a
// sanitizer sees any read past a field.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tools/explain/explain.hpp"

using namespace keyway;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  explain::Options o{{"VOkJxbRl1RmTxUk/WvJxBt"}, (data[0] & 1) != 0, {}, {}};
  if ((data[0] & 4) != 0) {
    o.keylog.emplace_back();  // a zero client random and master secret
    o.keylog13.emplace_back().len.fill(32);  // DTLS 1.3: zero secrets (SHA-256 suites) for a zero random
    o.srtp.emplace();
    o.srtp->material.assign(60, 0x42);  // SRTP_AES128_CM_SHA1_80: 2 * (16 + 14)
  }
  explain::Explainer ex(o);
  std::string out;
  const uint8_t* p = data + 1;
  std::size_t n = size - 1, half = (data[0] & 2) != 0 ? n / 2 : n;
  std::vector<uint8_t> a(p, p + half), b(p + half, p + n);
  ex.datagram(Bytes(a.data(), a.size()), "flow", out);
  if (!b.empty()) ex.datagram(Bytes(b.data(), b.size()), "flow", out);
  return 0;
}
