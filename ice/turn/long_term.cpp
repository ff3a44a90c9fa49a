// SPDX-License-Identifier: Apache-2.0
#include "keyway/ice/turn/long_term.hpp"

#include <cstring>

#include "keyway/ice/turn/opaque_string.hpp"
#include "keyway/lib/base64.hpp"
#include "keyway/lib/crypto/sha.hpp"

namespace keyway::ice::turn {
namespace {
constexpr Error err(Code code, const char* detail) { return make_error(Layer::ice, code, detail); }
constexpr Error kUserLong = err(Code::invalid_argument, "turn: username or password longer than 256 bytes");
constexpr Error kNoRealm = err(Code::malformed, "turn: 401/438 response without REALM or NONCE");
constexpr Error kTextLong = err(Code::capacity, "turn: REALM or NONCE longer than the client holds (256 bytes)");
constexpr Error kBidDown = err(Code::malformed,
                               "turn: nonce cookie and PASSWORD-ALGORITHMS disagree (RFC 8489 §9.2.4 bid-down check)");
constexpr Error kAlgsLong = err(Code::capacity, "turn: PASSWORD-ALGORITHMS longer than the client holds (64 bytes)");
constexpr Error kNoAlg = err(Code::unsupported, "turn: PASSWORD-ALGORITHMS offers neither MD5 nor SHA-256");
constexpr Error kRealmUnprepared = err(Code::unsupported,
                                       "turn: the server's REALM cannot be prepared (OpaqueString, RFC 8265 §4.2)");
constexpr Error kNoIntegrity = err(Code::auth_failed, "turn: response carries no MESSAGE-INTEGRITY");
constexpr std::string_view kCookie = "obMatJos2";

// RFC 8489 §14.11: a list of {algorithm u16, length u16, parameters padded}.
Result<uint16_t> pick_algorithm(Bytes list) {
  ByteReader r(list);
  bool md5 = false, sha256 = false;
  uint16_t alg = 0, len = 0;
  while (r.read_u16(alg) && r.read_u16(len)) {
    if (!r.skip(len + (4u - len % 4u) % 4u)) break;
    md5 = md5 || alg == kAlgorithmMd5;
    sha256 = sha256 || alg == kAlgorithmSha256;
  }
  if (sha256) return kAlgorithmSha256;  // the stronger one, §9.2.4
  if (md5) return kAlgorithmMd5;
  return kNoAlg;
}
}  // namespace

bool nonce_offers_password_algorithms(std::string_view nonce) {
  if (nonce.size() < kCookie.size() + 4 || nonce.substr(0, kCookie.size()) != kCookie) return false;
  int first = base64_digit(nonce[kCookie.size()]);
  return first >= 0 && (first & 0x20) != 0;  // the top bit of the first sextet is bit 0
}

// RFC 8489 §9.2.2: the key is built from OpaqueString(password) (RFC 8265 §4.2);
// an empty password means no credentials and stays empty.
Status LongTermCredentials::set_user(std::string_view username, std::string_view password) {
  ENSURE(username_.set(username) && password.size() <= kMaxText, kUserLong);
  if (password.empty()) return password_.set(password) ? ok_status() : Status(kUserLong);
  uint8_t prepared[kMaxText];
  auto len = prepare_opaque_string(password, prepared);
  TRY(len);
  ENSURE(password_.set(std::string_view(reinterpret_cast<const char*>(prepared), *len)), kUserLong);
  crypto::secure_zero(prepared, sizeof prepared);
  return ok_status();
}

Status LongTermCredentials::take_challenge(const stun::Message& m) {
  auto realm = m.text(stun::attr::kRealm);
  auto nonce = m.text(stun::attr::kNonce);
  ENSURE(realm.ok() && nonce.ok(), kNoRealm);
  bool offered = nonce_offers_password_algorithms(*nonce);
  const stun::Attribute* algs = m.find(stun::attr::kPasswordAlgorithms);
  ENSURE(offered == (algs != nullptr), kBidDown);
  uint16_t algorithm = kAlgorithmMd5;
  if (algs != nullptr) {
    ENSURE(algs->value.size() <= kMaxAlgorithms, kAlgsLong);
    auto picked = pick_algorithm(algs->value);
    TRY(picked);
    algorithm = *picked;
  }
  ENSURE(realm_.set(*realm) && nonce_.set(*nonce), kTextLong);
  uint8_t prepared[kMaxText];
  ENSURE(realm->empty() || prepare_opaque_string(*realm, prepared).ok(), kRealmUnprepared);
  algorithms_len_ = algs != nullptr ? algs->value.size() : 0;
  if (algs != nullptr) std::memcpy(algorithms_, algs->value.data(), algorithms_len_);
  algorithm_ = algorithm;
  derive_key();
  ready_ = true;
  return ok_status();
}

// RFC 8489 §9.2.2: key = H(username ":" OpaqueString(realm) ":" OpaqueString(password))
// (the password was prepared by set_user; take_challenge checked the realm prepares).
void LongTermCredentials::derive_key() {
  uint8_t material[3 * kMaxText + 2];
  std::size_t n = 0;
  auto put = [&](std::string_view s) {
    std::memcpy(material + n, s.data(), s.size());
    n += s.size();
  };
  put(username_.view());
  put(":");
  uint8_t realm[kMaxText];
  auto prepared = realm_.len == 0 ? Result<std::size_t>(std::size_t{0}) : prepare_opaque_string(realm_.view(), realm);
  put(std::string_view(reinterpret_cast<const char*>(realm), prepared.ok() ? *prepared : 0));
  put(":");
  put(password_.view());
  if (algorithm_ == kAlgorithmSha256) {
    uint8_t key[32];
    crypto::hash(crypto::HashAlg::sha256, Bytes(material, n), key);
    mi256_key_.set_key(key);
    crypto::secure_zero(key, sizeof key);
  } else {
    uint8_t key[16];
    crypto::md5(Bytes(material, n), key);
    mi_key_.set_key(key);
    crypto::secure_zero(key, sizeof key);
  }
  crypto::secure_zero(material, sizeof material);
}

void LongTermCredentials::authenticate(stun::Builder& b) const {
  b.add_text(stun::attr::kUsername, username_.view());
  b.add_text(stun::attr::kRealm, realm_.view());
  b.add_text(stun::attr::kNonce, nonce_.view());
  if (algorithms_len_ > 0) {
    // §9.2.4: echo the server's list and name the algorithm chosen.
    b.add_bytes(stun::attr::kPasswordAlgorithms, Bytes(algorithms_, algorithms_len_));
    uint8_t chosen[4] = {0, static_cast<uint8_t>(algorithm_), 0, 0};
    b.add_bytes(stun::attr::kPasswordAlgorithm, Bytes(chosen, 4));
  }
  if (algorithm_ == kAlgorithmSha256) b.add_message_integrity_sha256(mi256_key_);
  else b.add_message_integrity(mi_key_);
}

Status LongTermCredentials::verify(const stun::Message& m) const {
  if (m.has(stun::attr::kMessageIntegritySha256) && algorithm_ == kAlgorithmSha256)
    return m.verify_integrity_sha256(mi256_key_);
  if (m.has(stun::attr::kMessageIntegrity) && algorithm_ == kAlgorithmMd5) return m.verify_integrity(mi_key_);
  return kNoIntegrity;
}

}  // namespace keyway::ice::turn
