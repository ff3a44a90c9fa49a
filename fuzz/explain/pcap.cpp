// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the capture reader of `keyway explain` (tools/explain/pcap.cpp).
// Any bytes: pcap or pcapng, every link type it decodes. Every datagram it
// returns must lie inside the input (it borrows the file's bytes), and every
// payload byte is read so that a sanitizer sees an overread.
#include <cstddef>
#include <cstdint>

#include "tools/explain/pcap.hpp"

using namespace keyway;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  explain::CaptureContents c = explain::read_capture(Bytes(data, size));
  unsigned sum = 0;
  for (const explain::CapturedDatagram& d : c.datagrams) {
    if (d.payload.data() < data || d.payload.data() + d.payload.size() > data + size) __builtin_trap();
    for (uint8_t b : d.payload) sum += b;
  }
  // The link decoders directly, on the raw input as one frame.
  for (uint32_t link : {0u, 1u, 101u, 113u, 228u, 229u, 276u}) {
    explain::CapturedDatagram d;
    if (explain::decode_frame(link, Bytes(data, size), d))
      for (uint8_t b : d.payload) sum += b;
  }
  volatile unsigned sink = sum;
  (void)sink;
  return 0;
}
