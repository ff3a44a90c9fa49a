// SPDX-License-Identifier: Apache-2.0
// TLS 1.3 / DTLS 1.3 key schedule (RFC 8446 §7.1, §7.2, §7.3, §7.5, §4.4.4;
// RFC 9147 §4.2.3, §5.9).
#include "keyway/dtls/v13/key_schedule.hpp"

#include "keyway/lib/crypto/hkdf.hpp"
#include "keyway/lib/crypto/hmac.hpp"

namespace keyway::dtls::v13 {

namespace {

constexpr Error kLabelTooLong = make_error(Layer::dtls, Code::invalid_argument, "hkdf-expand-label: label longer than 249 bytes");
constexpr Error kContextTooLong = make_error(Layer::dtls, Code::invalid_argument, "hkdf-expand-label: context longer than 255 bytes");
constexpr Error kLengthTooLong = make_error(Layer::dtls, Code::invalid_argument, "hkdf-expand-label: length does not fit uint16");
constexpr Error kWrongStage = make_error(Layer::dtls, Code::bad_state, "key schedule: secret asked for in the wrong stage");
constexpr Error kBadOutput = make_error(Layer::dtls, Code::invalid_argument, "key schedule: output is not Hash.length bytes");
constexpr Error kBadKeyLength = make_error(Layer::dtls, Code::invalid_argument, "traffic keys: key length is not 16 or 32");

Bytes prefix_bytes(LabelPrefix p) {
  static constexpr uint8_t kTls13[] = {'t', 'l', 's', '1', '3', ' '};
  static constexpr uint8_t kDtls13[] = {'d', 't', 'l', 's', '1', '3'};
  return p == LabelPrefix::tls13 ? Bytes(kTls13) : Bytes(kDtls13);
}

Bytes label_bytes(std::string_view label) {
  return Bytes(reinterpret_cast<const uint8_t*>(label.data()), label.size());
}

// Hash of the empty string: the "" context of Derive-Secret(., "derived", "").
std::size_t empty_hash(crypto::HashAlg alg, uint8_t out[crypto::kMaxDigestSize]) {
  crypto::hash(alg, {}, std::span<uint8_t>(out, crypto::digest_size(alg)));
  return crypto::digest_size(alg);
}

std::string_view label_of(TrafficSecret which) {
  switch (which) {
    case TrafficSecret::client_handshake: return "c hs traffic";
    case TrafficSecret::server_handshake: return "s hs traffic";
    case TrafficSecret::client_application: return "c ap traffic";
    case TrafficSecret::server_application: return "s ap traffic";
    case TrafficSecret::exporter_master: return "exp master";
    case TrafficSecret::resumption_master: return "res master";
  }
  return "";
}

KeySchedule::Stage stage_of(TrafficSecret which) {
  bool handshake = which == TrafficSecret::client_handshake || which == TrafficSecret::server_handshake;
  return handshake ? KeySchedule::Stage::handshake : KeySchedule::Stage::master;
}

}  // namespace

Status hkdf_expand_label(crypto::HashAlg alg, LabelPrefix prefix, Bytes secret, std::string_view label, Bytes context,
                         MutableBytes out) {
  ENSURE(label.size() <= kMaxLabelSize, kLabelTooLong);
  ENSURE(context.size() <= kMaxContextSize, kContextTooLong);
  ENSURE(out.size() <= 0xFFFF, kLengthTooLong);
  uint8_t info[2 + 1 + 255 + 1 + kMaxContextSize];  // HkdfLabel at its largest
  ByteWriter w(info);
  w.write_u16(static_cast<uint16_t>(out.size()));
  auto l = w.begin_prefixed8();
  w.write_bytes(prefix_bytes(prefix));
  w.write_bytes(label_bytes(label));
  w.end_prefixed(l);
  auto c = w.begin_prefixed8();
  w.write_bytes(context);
  w.end_prefixed(c);
  return crypto::hkdf_expand(alg, secret, w.written(), out);
}

Status derive_secret(crypto::HashAlg alg, LabelPrefix prefix, Bytes secret, std::string_view label,
                     Bytes transcript_hash, MutableBytes out) {
  ENSURE(out.size() == crypto::digest_size(alg), kBadOutput);
  return hkdf_expand_label(alg, prefix, secret, label, transcript_hash, out);
}

// ---- the stage secrets ----

KeySchedule::KeySchedule(crypto::HashAlg alg, LabelPrefix prefix) : alg_(alg), prefix_(prefix) {
  // Early Secret = HKDF-Extract(salt 0, IKM 0^Hash.length): no PSK.
  uint8_t zeros[crypto::kMaxDigestSize] = {};
  secret_.len = static_cast<uint8_t>(hash_size());
  (void)crypto::hkdf_extract(alg_, {}, Bytes(zeros, hash_size()), secret_.mutable_view());
}

Status KeySchedule::next_stage(Bytes ikm) {
  // The salt of each extraction is Derive-Secret(previous, "derived", "").
  uint8_t empty[crypto::kMaxDigestSize];
  SecretBytes salt;
  salt.len = static_cast<uint8_t>(hash_size());
  TRY(derive_secret(alg_, prefix_, secret_.view(), "derived", Bytes(empty, empty_hash(alg_, empty)),
                    salt.mutable_view()));
  return crypto::hkdf_extract(alg_, salt.view(), ikm, secret_.mutable_view());
}

Status KeySchedule::enter_handshake(Bytes ecdhe_shared_secret) {
  ENSURE(stage_ == Stage::early, kWrongStage);
  TRY(next_stage(ecdhe_shared_secret));
  stage_ = Stage::handshake;
  return ok_status();
}

Status KeySchedule::enter_master() {
  ENSURE(stage_ == Stage::handshake, kWrongStage);
  uint8_t zeros[crypto::kMaxDigestSize] = {};
  TRY(next_stage(Bytes(zeros, hash_size())));
  stage_ = Stage::master;
  return ok_status();
}

Status KeySchedule::derive(TrafficSecret which, Bytes transcript_hash, MutableBytes out) const {
  ENSURE(stage_ == stage_of(which), kWrongStage);
  return derive_secret(alg_, prefix_, secret_.view(), label_of(which), transcript_hash, out);
}

// ---- what a traffic secret keys ----

Status traffic_keys(crypto::HashAlg alg, LabelPrefix prefix, Bytes traffic_secret, std::size_t key_length,
                    TrafficKeys& out) {
  ENSURE(key_length == 16 || key_length == 32, kBadKeyLength);
  out.key.len = key_length;
  out.iv.len = kIvSize;
  out.sn_key.len = key_length;
  TRY(hkdf_expand_label(alg, prefix, traffic_secret, "key", {}, out.key.mutable_view()));
  TRY(hkdf_expand_label(alg, prefix, traffic_secret, "iv", {}, out.iv.mutable_view()));
  return hkdf_expand_label(alg, prefix, traffic_secret, "sn", {}, out.sn_key.mutable_view());
}

Status finished_key(crypto::HashAlg alg, LabelPrefix prefix, Bytes base_key, MutableBytes out) {
  ENSURE(out.size() == crypto::digest_size(alg), kBadOutput);
  return hkdf_expand_label(alg, prefix, base_key, "finished", {}, out);
}

Status finished_verify_data(crypto::HashAlg alg, Bytes finished_key, Bytes transcript_hash, MutableBytes out) {
  ENSURE(out.size() == crypto::digest_size(alg), kBadOutput);
  crypto::hmac(alg, finished_key, transcript_hash, out);
  return ok_status();
}

Status next_traffic_secret(crypto::HashAlg alg, LabelPrefix prefix, Bytes secret, MutableBytes out) {
  ENSURE(out.size() == crypto::digest_size(alg), kBadOutput);
  return hkdf_expand_label(alg, prefix, secret, "traffic upd", {}, out);
}

Status export_keying_material(crypto::HashAlg alg, LabelPrefix prefix, Bytes exporter_master_secret,
                              std::string_view label, Bytes context, MutableBytes out) {
  uint8_t empty[crypto::kMaxDigestSize];
  SecretBytes per_label;  // Derive-Secret(exporter_master_secret, label, "")
  per_label.len = static_cast<uint8_t>(crypto::digest_size(alg));
  TRY(derive_secret(alg, prefix, exporter_master_secret, label, Bytes(empty, empty_hash(alg, empty)),
                    per_label.mutable_view()));
  uint8_t context_hash[crypto::kMaxDigestSize];
  crypto::hash(alg, context, std::span<uint8_t>(context_hash, crypto::digest_size(alg)));
  return hkdf_expand_label(alg, prefix, per_label.view(), "exporter", Bytes(context_hash, crypto::digest_size(alg)),
                           out);
}

}  // namespace keyway::dtls::v13
