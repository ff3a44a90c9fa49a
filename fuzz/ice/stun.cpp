// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the STUN parser and every typed getter (style.md §7). A
// message that parses is rebuilt attribute by attribute and must parse
// back to the same attributes (round trip).
#include <cstddef>
#include <cstdint>

#include "keyway/ice/stun/builder.hpp"
#include "keyway/ice/stun/message.hpp"

using namespace keyway;
using namespace keyway::ice;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto m = stun::Message::parse(Bytes(data, size));
  if (!m.ok()) return 0;
  static const crypto::HmacSha1 k1(Bytes(reinterpret_cast<const uint8_t*>("VOkJxbRl1RmTxUk/WvJxBt"), 22));
  static const crypto::HmacSha256 k256(Bytes(reinterpret_cast<const uint8_t*>("VOkJxbRl1RmTxUk/WvJxBt"), 22));
  (void)m->verify_integrity(k1);
  (void)m->verify_integrity_sha256(k256);
  (void)m->xor_address(stun::attr::kXorMappedAddress);
  (void)m->plain_address(stun::attr::kMappedAddress);
  (void)m->plain_address(stun::attr::kAlternateServer);
  (void)m->text(stun::attr::kUsername);
  (void)m->text(stun::attr::kSoftware);
  (void)m->text(stun::attr::kRealm);
  (void)m->text(stun::attr::kNonce);
  (void)m->priority();
  (void)m->tie_breaker(stun::attr::kIceControlling);
  (void)m->tie_breaker(stun::attr::kIceControlled);
  (void)m->error_code();
  (void)m->unknown_attributes();
  (void)m->password_algorithm();
  (void)m->unknown_required();

  // Round trip: the kept attributes, minus integrity and fingerprint.
  static uint8_t buf[70000];
  stun::Builder b(MutableBytes(buf, sizeof buf), m->type(), m->transaction_id());
  std::size_t kept = 0;
  for (const stun::Attribute& a : m->attributes()) {
    if (a.type == stun::attr::kMessageIntegrity || a.type == stun::attr::kMessageIntegritySha256 ||
        a.type == stun::attr::kFingerprint)
      continue;
    b.add_bytes(a.type, a.value);
    ++kept;
  }
  auto out = b.finish();
  if (!out.ok()) __builtin_trap();
  auto again = stun::Message::parse(*out);
  if (!again.ok() || again->attributes().size() != kept) __builtin_trap();
  std::size_t i = 0;
  for (const stun::Attribute& a : m->attributes()) {
    if (a.type == stun::attr::kMessageIntegrity || a.type == stun::attr::kMessageIntegritySha256 ||
        a.type == stun::attr::kFingerprint)
      continue;
    const stun::Attribute& b2 = again->attributes()[i++];
    if (b2.type != a.type || b2.value.size() != a.value.size()) __builtin_trap();
    for (std::size_t k = 0; k < a.value.size(); ++k)
      if (b2.value[k] != a.value[k]) __builtin_trap();
  }
  return 0;
}
