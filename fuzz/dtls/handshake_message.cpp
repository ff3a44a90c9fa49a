// SPDX-License-Identifier: Apache-2.0
// Fuzz target: every handshake message parser, chosen by the first byte,
// plus a parse -> write -> parse round trip for ClientHello and ServerHello.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "keyway/dtls/extensions.hpp"
#include "keyway/dtls/handshake_header.hpp"
#include "keyway/dtls/messages.hpp"
#include "keyway/dtls/x509/der.hpp"

using namespace keyway;
using namespace keyway::dtls;

static void round_trip_client_hello(const ClientHello& ch) {
  uint16_t suites[kMaxListEntries];
  std::size_t n = 0;
  ByteReader r(ch.cipher_suites);
  for (uint16_t s = 0; n < kMaxListEntries && r.read_u16(s);) suites[n++] = s;
  static uint8_t buf[8192];
  ByteWriter w(buf);
  write_client_hello(w, ch, suites, n);
  if (w.failed()) return;
  auto again = parse_client_hello(w.written());
  if (!again.ok() || again->cookie.size() != ch.cookie.size() ||
      std::memcmp(again->random.data(), ch.random.data(), 32) != 0 || again->ext.ems != ch.ext.ems ||
      again->ext.srtp_profiles.count != (ch.ext.has_srtp ? ch.ext.srtp_profiles.count : 0))
    std::abort();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  Bytes body(data + 1, size - 1);
  switch (data[0] % 10) {
    case 0: {
      auto ch = parse_client_hello(body);
      if (ch.ok()) round_trip_client_hello(*ch);
      break;
    }
    case 1: {
      auto sh = parse_server_hello(body);
      if (sh.ok()) {
        static uint8_t buf[4096];
        ByteWriter w(buf);
        write_server_hello(w, *sh);
        if (!w.failed() && !parse_server_hello(w.written()).ok()) std::abort();
      }
      break;
    }
    case 2: (void)parse_hello_verify_request(body); break;
    case 3: (void)parse_certificate_message(body); break;
    case 4: (void)parse_server_key_exchange(body); break;
    case 5: (void)parse_certificate_request(body); break;
    case 6: (void)parse_client_key_exchange(body); break;
    case 7: (void)parse_certificate_verify(body); break;
    case 8: {
      uint8_t raw[96];
      (void)der::ecdsa_der_to_raw(body, 32, raw);
      (void)der::ecdsa_der_to_raw(body, 48, raw);
      break;
    }
    default: {
      ByteReader r(body);
      while (!r.at_end())
        if (!read_handshake_fragment(r).ok()) break;
      break;
    }
  }
  return 0;
}
