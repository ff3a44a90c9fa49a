// SPDX-License-Identifier: Apache-2.0
// Shared setup for the keyway subcommands: OS-seeded DRBGs and a fresh
// DTLS identity (self-signed ECDSA P-256, as browsers make).
#pragma once

#include <memory>
#include <string>

#include "keyway/dtls/x509/certificate.hpp"
#include "keyway/lib/crypto/drbg.hpp"

namespace keyway::tools {

struct Randomness {
  crypto::DrbgRng public_rng;  // ICE credentials, tie-breakers, transaction ids
  crypto::DrbgRng secret_rng;  // DTLS randoms, ECDHE, signatures
};

// Seeds both DRBGs from getrandom(2); false (with a message) on failure.
bool seed_randomness(Randomness& r, std::string& error);
// Generates an identity with a random CN; false (with a message) on failure.
bool make_identity(dtls::Identity& id, Rng& rng, std::string& error);

}  // namespace keyway::tools
