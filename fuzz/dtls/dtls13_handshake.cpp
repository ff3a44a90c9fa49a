// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the DTLS 1.3 handshake (dtls/v13/messages.hpp,
// dtls/v13/endpoint.hpp). The first byte chooses:
//   0..6  one message parser on the rest (ClientHello, ServerHello,
//         EncryptedExtensions, CertificateRequest, Certificate,
//         CertificateVerify, KeyUpdate);
//   7     a v13 server endpoint fed the rest as steps (fuzz_endpoint.hpp format);
//   8+    a v13 client endpoint (it sends its ClientHello first), the same.
// In a fuzzing build (lib/fuzzing.hpp) the AEAD is a null cipher and the
// record-number mask is zero, so an input that carries a ServerHello with
// any x25519 share can go on to write the epoch-2 messages in the clear.
#include <cstdint>

#include "fuzz/dtls/fuzz_endpoint.hpp"
#include "keyway/dtls/v13/endpoint.hpp"
#include "keyway/dtls/v13/messages.hpp"

namespace {

void parse_one(uint8_t which, keyway::Bytes body) {
  using namespace keyway::dtls::v13;
  switch (which) {
    case 0: (void)parse_client_hello(body); break;
    case 1: (void)parse_server_hello(body); break;
    case 2: (void)parse_encrypted_extensions(body); break;
    case 3: (void)parse_certificate_request(body); break;
    case 4: (void)parse_certificate_message(body); break;
    case 5: (void)parse_certificate_verify(body); break;
    default: (void)parse_key_update(body); break;
  }
}

void run_endpoint(keyway::dtls::Role role, keyway::Bytes steps) {
  using namespace keyway;
  SeededRng rng(fuzz::fuzz_seed(role));
  dtls::Config config = fuzz::fuzz_config(role, rng);
  auto ep = std::make_unique<dtls::v13::Endpoint>(config);
  dtls::Role peer = role == dtls::Role::client ? dtls::Role::server : dtls::Role::client;
  ep->set_remote_fingerprint(dtls::fingerprint(dtls::FingerprintHash::sha256, fuzz::fuzz_identity(peer).certificate_der()));
  fuzz::run_steps(*ep, steps);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keyway;
  if (size == 0) return 0;
  const Bytes rest(data + 1, size - 1);
  if (data[0] < 7) parse_one(data[0], rest);
  else run_endpoint(data[0] == 7 ? dtls::Role::server : dtls::Role::client, rest);
  return 0;
}
