// SPDX-License-Identifier: Apache-2.0
// TLS 1.2 key schedule (RFC 5246 §5, §6.3, §7.4.9), extended master secret
// (RFC 7627) and the keying-material exporter (RFC 5705) used by DTLS-SRTP
// (RFC 5764 §4.2, label "EXTRACTOR-dtls_srtp").
#pragma once

#include <cstdint>
#include <span>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/crypto/sha.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::dtls {

constexpr std::size_t kMasterSecretSize = 48;
constexpr std::size_t kRandomSize = 32;
constexpr std::size_t kVerifyDataSize = 12;

// P_hash-based PRF (RFC 5246 §5): out = PRF(secret, label, seed1 || seed2).
void prf_tls12(crypto::HashAlg alg, std::span<const uint8_t> secret, const char* label,
               std::span<const uint8_t> seed1, std::span<const uint8_t> seed2, std::span<uint8_t> out);

// RFC 5246 §8.1: master_secret = PRF(pre_master, "master secret", client_random || server_random)[0..47]
void master_secret(crypto::HashAlg alg, std::span<const uint8_t> premaster, std::span<const uint8_t> client_random,
                   std::span<const uint8_t> server_random, std::span<uint8_t, kMasterSecretSize> out);

// RFC 7627 §4: PRF(pre_master, "extended master secret", session_hash)[0..47]
void extended_master_secret(crypto::HashAlg alg, std::span<const uint8_t> premaster,
                            std::span<const uint8_t> session_hash, std::span<uint8_t, kMasterSecretSize> out);

// RFC 5246 §6.3: key_block = PRF(master, "key expansion", server_random || client_random)
void key_block(crypto::HashAlg alg, std::span<const uint8_t> master, std::span<const uint8_t> client_random,
               std::span<const uint8_t> server_random, std::span<uint8_t> out);

// RFC 5246 §7.4.9: verify_data = PRF(master, finished_label, Hash(handshake_messages))[0..11]
enum class FinishedSender { client, server };
void finished_verify_data(crypto::HashAlg alg, std::span<const uint8_t> master, FinishedSender sender,
                          std::span<const uint8_t> transcript_hash, std::span<uint8_t, kVerifyDataSize> out);

// RFC 5705 §4 exporter without context:
//   PRF(master, label, client_random || server_random)[0..len-1]
void export_keying_material(crypto::HashAlg alg, std::span<const uint8_t> master, const char* label,
                            std::span<const uint8_t> client_random, std::span<const uint8_t> server_random,
                            std::span<uint8_t> out);

// RFC 5705 §4 exporter with a context value (not used by DTLS-SRTP):
//   PRF(master, label, client_random || server_random || uint16(len) || context)
constexpr std::size_t kMaxExporterContextSize = 256;
[[nodiscard]] Status export_keying_material_with_context(crypto::HashAlg alg, std::span<const uint8_t> master,
                                                         const char* label, std::span<const uint8_t> client_random,
                                                         std::span<const uint8_t> server_random,
                                                         std::span<const uint8_t> context, std::span<uint8_t> out);

}  // namespace keyway::dtls
