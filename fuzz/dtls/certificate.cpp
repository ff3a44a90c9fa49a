// SPDX-License-Identifier: Apache-2.0
// Fuzz target: X.509 parsing (parse_certificate), the self-signature check
// and fingerprints on whatever parses, and the ECDSA-Sig-Value converter
// in both directions. The first input byte picks the mode so one corpus
// covers both parsers; the rest is the DER.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "keyway/dtls/x509/certificate.hpp"
#include "keyway/dtls/x509/der.hpp"

using namespace keyway;
using namespace keyway::dtls;

namespace {

void fuzz_certificate(Bytes der) {
  auto cert = parse_certificate(der);
  if (!der::check_well_formed(der).ok() && cert.ok()) std::abort();  // parse must imply well-formed
  if (!cert.ok()) return;
  (void)verify_self_signature(*cert);
  Fingerprint fp = fingerprint(FingerprintHash::sha256, der);
  if (!fingerprint_matches(fp, der)) std::abort();
  char text[3 * crypto::kMaxDigestSize];
  std::size_t n = format_fingerprint(fp, text, sizeof text);
  auto parsed = parse_fingerprint({"sha-256", 7}, {text, n});
  if (!parsed.ok() || !fingerprint_matches(*parsed, der)) std::abort();
}

void fuzz_ecdsa(Bytes der) {
  for (std::size_t width : {std::size_t{32}, std::size_t{48}}) {
    uint8_t raw[96];
    if (!der::ecdsa_der_to_raw(der, width, {raw, 2 * width}).ok()) continue;
    // Round trip: strict DER means re-encoding gives back the same bytes.
    uint8_t again[der::kMaxEcdsaDerSize];
    auto n = der::ecdsa_raw_to_der({raw, 2 * width}, again);
    if (!n.ok() || *n != der.size() || std::memcmp(again, der.data(), der.size()) != 0) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Bytes der(data + 1, size - 1);
  if ((data[0] & 1) == 0) fuzz_certificate(der);
  else fuzz_ecdsa(der);
  (void)der::check_well_formed(der);
  return 0;
}
