// SPDX-License-Identifier: Apache-2.0
// TLS 1.2 PRF and the secrets derived from it (RFC 5246 §5, §6.3, §7.4.9,
// §8.1; RFC 7627 §4; RFC 5705 §4).
#include "keyway/dtls/key_schedule.hpp"

#include <cstring>

#include "keyway/lib/crypto/ct.hpp"
#include "keyway/lib/crypto/hmac.hpp"

namespace keyway::dtls {

namespace {

Bytes label_bytes(const char* label) {
  return Bytes(reinterpret_cast<const uint8_t*>(label), std::strlen(label));
}

// RFC 5246 §5:
//   P_hash(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ...
//   A(0) = seed, A(i) = HMAC(secret, A(i-1)), and here seed = label + seed1 + seed2.
template <typename H>
void p_hash(Bytes secret, Bytes label, Bytes seed1, Bytes seed2, std::span<uint8_t> out) {
  crypto::Hmac<H> mac(secret);
  uint8_t a[H::kDigestSize];
  uint8_t block[H::kDigestSize];
  auto first = mac.begin();
  first.update(label);
  first.update(seed1);
  first.update(seed2);
  first.finish(a);  // A(1)
  std::size_t done = 0;
  while (done < out.size()) {
    auto m = mac.begin();
    m.update(a);
    m.update(label);
    m.update(seed1);
    m.update(seed2);
    m.finish(block);
    std::size_t n = out.size() - done < H::kDigestSize ? out.size() - done : H::kDigestSize;
    std::memcpy(out.data() + done, block, n);
    done += n;
    if (done < out.size()) {
      mac.mac(a, block);  // A(i+1)
      std::memcpy(a, block, sizeof a);
    }
  }
  crypto::secure_zero(a, sizeof a);
  crypto::secure_zero(block, sizeof block);
}

}  // namespace

void prf_tls12(crypto::HashAlg alg, std::span<const uint8_t> secret, const char* label,
               std::span<const uint8_t> seed1, std::span<const uint8_t> seed2, std::span<uint8_t> out) {
  Bytes l = label_bytes(label);
  switch (alg) {
    case crypto::HashAlg::sha1:  // no suite's PRF; not in the minimal profile (lib/profile.hpp)
      if (!profile::kMinimal) p_hash<crypto::Sha1>(secret, l, seed1, seed2, out);
      break;
    case crypto::HashAlg::sha256: p_hash<crypto::Sha256>(secret, l, seed1, seed2, out); break;
    case crypto::HashAlg::sha384:  // no SHA-384 suite in the minimal profile (lib/profile.hpp)
      if (profile::kSha384Transcript) p_hash<crypto::Sha384>(secret, l, seed1, seed2, out);
      break;
  }
}

void master_secret(crypto::HashAlg alg, std::span<const uint8_t> premaster, std::span<const uint8_t> client_random,
                   std::span<const uint8_t> server_random, std::span<uint8_t, kMasterSecretSize> out) {
  prf_tls12(alg, premaster, "master secret", client_random, server_random, out);
}

void extended_master_secret(crypto::HashAlg alg, std::span<const uint8_t> premaster,
                            std::span<const uint8_t> session_hash, std::span<uint8_t, kMasterSecretSize> out) {
  prf_tls12(alg, premaster, "extended master secret", session_hash, {}, out);
}

void key_block(crypto::HashAlg alg, std::span<const uint8_t> master, std::span<const uint8_t> client_random,
               std::span<const uint8_t> server_random, std::span<uint8_t> out) {
  // Note the order: server_random first (RFC 5246 §6.3).
  prf_tls12(alg, master, "key expansion", server_random, client_random, out);
}

void finished_verify_data(crypto::HashAlg alg, std::span<const uint8_t> master, FinishedSender sender,
                          std::span<const uint8_t> transcript_hash, std::span<uint8_t, kVerifyDataSize> out) {
  const char* label = sender == FinishedSender::client ? "client finished" : "server finished";
  prf_tls12(alg, master, label, transcript_hash, {}, out);
}

void export_keying_material(crypto::HashAlg alg, std::span<const uint8_t> master, const char* label,
                            std::span<const uint8_t> client_random, std::span<const uint8_t> server_random,
                            std::span<uint8_t> out) {
  prf_tls12(alg, master, label, client_random, server_random, out);
}

Status export_keying_material_with_context(crypto::HashAlg alg, std::span<const uint8_t> master, const char* label,
                                           std::span<const uint8_t> client_random,
                                           std::span<const uint8_t> server_random,
                                           std::span<const uint8_t> context, std::span<uint8_t> out) {
  // RFC 5705 §4: seed = client_random + server_random + uint16 length + context.
  ENSURE(client_random.size() == kRandomSize && server_random.size() == kRandomSize,
         make_error(Layer::dtls, Code::invalid_argument, "exporter: randoms must be 32 bytes"));
  ENSURE(context.size() <= kMaxExporterContextSize,
         make_error(Layer::dtls, Code::invalid_argument, "exporter: context longer than the seed buffer"));
  uint8_t seed[2 * kRandomSize + 2 + kMaxExporterContextSize];
  ByteWriter w(seed);
  w.write_bytes(client_random);
  w.write_bytes(server_random);
  w.write_u16(static_cast<uint16_t>(context.size()));
  w.write_bytes(context);
  prf_tls12(alg, master, label, w.written(), {}, out);
  return ok_status();
}

}  // namespace keyway::dtls
