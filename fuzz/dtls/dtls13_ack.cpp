// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the DTLS 1.3 ACK message (dtls/v13/ack.hpp). Whatever decodes
// must encode back to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "keyway/dtls/v13/ack.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keyway;
  using namespace keyway::dtls::v13;
  RecordNumber numbers[64];
  auto n = read_ack(Bytes(data, size), numbers);
  if (!n.ok()) return 0;
  uint8_t again[2 + sizeof numbers];
  ByteWriter w(again);
  write_ack(w, std::span<const RecordNumber>(numbers, *n));
  if (w.failed() || w.size() != size || std::memcmp(again, data, size) != 0) std::abort();
  return 0;
}
