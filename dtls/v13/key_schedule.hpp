// SPDX-License-Identifier: Apache-2.0
// The TLS 1.3 key schedule (RFC 8446 §7.1) as DTLS 1.3 uses it: the same
// HKDF tree, with the label prefix "dtls13" instead of "tls13 " (RFC 9147
// §5.9). The prefix is a parameter so the RFC 8448 "tls13 " traces check
// the code that runs with "dtls13".
//
//              0 (no PSK)
//              |
//    0 -> HKDF-Extract = Early Secret
//              |
//        Derive-Secret(., "derived", "")
//              |
//   (EC)DHE -> HKDF-Extract = Handshake Secret --> "c hs traffic", "s hs traffic"
//              |
//        Derive-Secret(., "derived", "")
//              |
//         0 -> HKDF-Extract = Master Secret --> "c ap traffic", "s ap traffic",
//                                               "exp master", "res master"
//
// Every traffic secret then gives the record keys ("key", "iv", and the
// record-number key "sn", RFC 9147 §4.2.3), the Finished key ("finished",
// RFC 8446 §4.4.4) and its successor after a KeyUpdate ("traffic upd",
// RFC 8446 §7.2). No PSK, no early data: WebRTC uses neither.
#pragma once

#include <cstdint>
#include <string_view>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/crypto/ct.hpp"
#include "keyway/lib/crypto/sha.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::dtls::v13 {

// The bytes in front of every HKDF-Expand-Label label.
enum class LabelPrefix : uint8_t {
  tls13,   // "tls13 " (RFC 8446 §7.1)
  dtls13,  // "dtls13" (RFC 9147 §5.9)
};

// opaque label<7..255> holds the 6-byte prefix and the label.
constexpr std::size_t kMaxLabelSize = 255 - 6;
constexpr std::size_t kMaxContextSize = 255;  // opaque context<0..255>
constexpr std::size_t kMaxKeySize = 32;       // AES-256, ChaCha20
constexpr std::size_t kIvSize = 12;           // RFC 8446 §5.3: iv_length is the AEAD nonce length

// The length in one byte (at most 48): an established association holds four (issue 18).
using SecretBytes = crypto::Secret<crypto::kMaxDigestSize, uint8_t>;

// RFC 8446 §7.1:
//   HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret, HkdfLabel, Length)
//   struct { uint16 length = Length; opaque label<7..255> = prefix + Label;
//            opaque context<0..255> = Context; } HkdfLabel;
[[nodiscard]] Status hkdf_expand_label(crypto::HashAlg alg, LabelPrefix prefix, Bytes secret, std::string_view label,
                                       Bytes context, MutableBytes out);

// RFC 8446 §7.1: Derive-Secret(Secret, Label, Messages) =
//   HKDF-Expand-Label(Secret, Label, Transcript-Hash(Messages), Hash.length).
// Takes the transcript hash (the caller keeps the running hash); out gets
// Hash.length bytes.
[[nodiscard]] Status derive_secret(crypto::HashAlg alg, LabelPrefix prefix, Bytes secret, std::string_view label,
                                   Bytes transcript_hash, MutableBytes out);

// The secrets Derive-Secret takes from the handshake and master secrets.
enum class TrafficSecret : uint8_t {
  client_handshake,    // "c hs traffic", Hash(ClientHello..ServerHello)
  server_handshake,    // "s hs traffic", Hash(ClientHello..ServerHello)
  client_application,  // "c ap traffic", Hash(ClientHello..server Finished)
  server_application,  // "s ap traffic", Hash(ClientHello..server Finished)
  exporter_master,     // "exp master",   Hash(ClientHello..server Finished)
  resumption_master,   // "res master",   Hash(ClientHello..client Finished)
};

// The stage secrets of RFC 8446 §7.1, computed in order.
class KeySchedule {
 public:
  enum class Stage : uint8_t { early, handshake, master };

  // Starts at the Early Secret without a PSK: HKDF-Extract(0, 0^Hash.length).
  KeySchedule(crypto::HashAlg alg, LabelPrefix prefix);

  crypto::HashAlg alg() const { return alg_; }
  LabelPrefix prefix() const { return prefix_; }
  std::size_t hash_size() const { return crypto::digest_size(alg_); }
  Stage stage() const { return stage_; }
  Bytes secret() const { return secret_.view(); }  // the current stage's secret

  // Early -> Handshake Secret = HKDF-Extract(Derive-Secret(early, "derived", ""), ecdhe).
  [[nodiscard]] Status enter_handshake(Bytes ecdhe_shared_secret);
  // Handshake -> Master Secret = HKDF-Extract(Derive-Secret(hs, "derived", ""), 0).
  [[nodiscard]] Status enter_master();

  // Derive-Secret(current stage secret, label of `which`, transcript_hash);
  // fails unless the current stage is the one `which` comes from.
  [[nodiscard]] Status derive(TrafficSecret which, Bytes transcript_hash, MutableBytes out) const;

 private:
  Status next_stage(Bytes ikm);

  SecretBytes secret_;
  crypto::HashAlg alg_;
  LabelPrefix prefix_;
  Stage stage_ = Stage::early;
};

// RFC 8446 §7.3 and RFC 9147 §4.2.3: what one traffic secret keys.
struct TrafficKeys {
  crypto::Secret<kMaxKeySize> key;     // "key", key_length
  crypto::Secret<kIvSize> iv;          // "iv", iv_length
  crypto::Secret<kMaxKeySize> sn_key;  // "sn", key_length: the record-number key
};
[[nodiscard]] Status traffic_keys(crypto::HashAlg alg, LabelPrefix prefix, Bytes traffic_secret,
                                  std::size_t key_length, TrafficKeys& out);

// RFC 8446 §4.4.4: finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length).
[[nodiscard]] Status finished_key(crypto::HashAlg alg, LabelPrefix prefix, Bytes base_key, MutableBytes out);
// RFC 8446 §4.4.4: verify_data = HMAC(finished_key, Transcript-Hash(...)); out gets Hash.length bytes.
[[nodiscard]] Status finished_verify_data(crypto::HashAlg alg, Bytes finished_key, Bytes transcript_hash,
                                          MutableBytes out);

// RFC 8446 §7.2: application_traffic_secret_N+1 =
//   HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length).
[[nodiscard]] Status next_traffic_secret(crypto::HashAlg alg, LabelPrefix prefix, Bytes secret, MutableBytes out);

// RFC 8446 §7.5: TLS-Exporter(label, context_value, key_length) =
//   HKDF-Expand-Label(Derive-Secret(exporter_master_secret, label, ""),
//                     "exporter", Hash(context_value), key_length).
// No context and an empty context are the same. DTLS-SRTP's keys come from
// here under 1.3 (label "EXTRACTOR-dtls_srtp", RFC 5764 §4.2).
[[nodiscard]] Status export_keying_material(crypto::HashAlg alg, LabelPrefix prefix, Bytes exporter_master_secret,
                                            std::string_view label, Bytes context, MutableBytes out);

}  // namespace keyway::dtls::v13
