// SPDX-License-Identifier: Apache-2.0
// Fuzz target: a stream of handshake fragments into the reassembler, with
// the delivered messages checked against their announced length.
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "keyway/dtls/reassembler.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keyway;
  using namespace keyway::dtls;
  static auto r = std::make_unique<Reassembler>();
  static uint8_t pool[8192];
  r->init(pool, 6144);
  ByteReader in(Bytes(data, size));
  while (!in.at_end()) {
    auto f = read_handshake_fragment(in);
    if (!f.ok()) break;
    if (f->frag_offset + f->body.size() > f->length) std::abort();  // the parser's promise
    (void)r->add(*f);
    while (r->ready()) {
      if (r->ready_body().size() > 6144) std::abort();
      r->advance();
    }
  }
  return 0;
}
