// SPDX-License-Identifier: Apache-2.0
// HelloRetryRequest decisions and the stateless cookie (RFC 8446 §4.1.4, RFC 9147 §5.1).
#include "keyway/dtls/v13/retry.hpp"

#include <cstring>

#include "keyway/dtls/handshake_header.hpp"
#include "keyway/dtls/record.hpp"
#include "keyway/lib/crypto/ct.hpp"

namespace keyway::dtls::v13 {

namespace {
constexpr char kLabel[] = "dtls13 retry";

void write_fields(const RetryCookie& c, uint8_t out[4]) {
  const uint16_t group = c.has_group ? static_cast<uint16_t>(c.group) : 0;
  out[0] = static_cast<uint8_t>(c.cipher_suite >> 8);
  out[1] = static_cast<uint8_t>(c.cipher_suite);
  out[2] = static_cast<uint8_t>(group >> 8);
  out[3] = static_cast<uint8_t>(group);
}

void cookie_tag(const CookieJar& jar, Bytes peer_address, Bytes fields_and_hash, uint8_t out[CookieJar::kCookieSize]) {
  const Bytes parts[] = {Bytes(reinterpret_cast<const uint8_t*>(kLabel), sizeof kLabel - 1), peer_address,
                         fields_and_hash};
  jar.tag(parts, out);
}
}  // namespace

const Suite* choose_suite(const ClientHello& ch) {
  for (const Suite& s : kSuites)
    if (ch.cipher_suites.contains(s.id)) return &s;
  return nullptr;
}

namespace {
constexpr crypto::NamedGroup kGroups[] = {crypto::NamedGroup::x25519, crypto::NamedGroup::secp256r1};
bool allowed_group(const SmallList<uint16_t>& allowed, crypto::NamedGroup g) {
  return allowed.count == 0 || allowed.contains(static_cast<uint16_t>(g));
}
}  // namespace

bool choose_share(const ClientHello& ch, const SmallList<uint16_t>& allowed, KeyShareEntry& out) {
  if (!ch.has_key_share) return false;
  const ClientKeyShares& s = ch.key_shares;
  for (crypto::NamedGroup g : kGroups) {
    const bool x25519 = g == crypto::NamedGroup::x25519;
    if ((x25519 ? s.has_x25519 : s.has_secp256r1) && allowed_group(allowed, g)) {
      out = {g, x25519 ? s.x25519 : s.secp256r1};
      return true;
    }
  }
  return false;
}

bool choose_retry_group(const ClientHello& ch, const SmallList<uint16_t>& allowed, crypto::NamedGroup& out) {
  if (!ch.ext.has_groups) return false;
  for (crypto::NamedGroup g : kGroups) {
    if (ch.ext.groups.contains(static_cast<uint16_t>(g)) && allowed_group(allowed, g)) {
      out = g;
      return true;
    }
  }
  return false;
}

void client_hello_hash(crypto::HashAlg alg, Bytes body, uint8_t out[crypto::kMaxDigestSize]) {
  const uint8_t header[4] = {static_cast<uint8_t>(MessageType::client_hello), static_cast<uint8_t>(body.size() >> 16),
                             static_cast<uint8_t>(body.size() >> 8), static_cast<uint8_t>(body.size())};
  crypto::Hash h(alg);
  h.update(Bytes(header, 4));
  h.update(body);
  h.peek(std::span<uint8_t>(out, crypto::digest_size(alg)));
}

std::size_t write_retry_cookie(const CookieJar& jar, Bytes peer_address, const RetryCookie& c,
                               uint8_t out[kRetryCookieMaxSize]) {
  write_fields(c, out);
  std::memcpy(out + 4, c.client_hello1_hash, c.hash_len);
  const std::size_t signed_len = 4 + c.hash_len;
  cookie_tag(jar, peer_address, Bytes(out, signed_len), out + signed_len);
  return signed_len + CookieJar::kCookieSize;
}

bool open_retry_cookie(const CookieJar& jar, Bytes peer_address, Bytes cookie, RetryCookie& out) {
  if (cookie.size() < 4 + CookieJar::kCookieSize) return false;
  const std::size_t signed_len = cookie.size() - CookieJar::kCookieSize;
  uint8_t expected[CookieJar::kCookieSize];
  cookie_tag(jar, peer_address, cookie.first(signed_len), expected);
  if (!crypto::verify_mac(Bytes(expected, sizeof expected), cookie.subspan(signed_len))) return false;
  // Authentic: the fields are ours.
  out = RetryCookie{};
  out.cipher_suite = static_cast<uint16_t>(cookie[0] << 8 | cookie[1]);
  const auto group = static_cast<uint16_t>(cookie[2] << 8 | cookie[3]);
  out.has_group = group != 0;
  out.group = static_cast<crypto::NamedGroup>(group);
  const Suite* suite = find_suite(out.cipher_suite);
  if (suite == nullptr || signed_len - 4 != crypto::digest_size(suite->hash)) return false;
  out.hash_len = signed_len - 4;
  std::memcpy(out.client_hello1_hash, cookie.data() + 4, out.hash_len);
  return true;
}

RetryRequest stateless_retry_request(const RetryCookie& c, Bytes session_id, Bytes cookie) {
  RetryRequest r;
  r.session_id = session_id;
  r.cipher_suite = c.cipher_suite;
  r.has_group = c.has_group;
  r.group = c.group;
  r.cookie = cookie;
  return r;
}

bool write_stateless_retry_record(ByteWriter& w, const CookieJar& jar, Bytes peer_address, Bytes body,
                                  const ClientHello& ch, const SmallList<uint16_t>& groups, uint64_t record_seq) {
  const Suite* suite = choose_suite(ch);
  if (suite == nullptr) return false;
  RetryCookie c;
  c.cipher_suite = suite->id;
  KeyShareEntry usable;
  if (!choose_share(ch, groups, usable)) {
    if (!choose_retry_group(ch, groups, c.group)) return false;
    c.has_group = true;
  }
  c.hash_len = crypto::digest_size(suite->hash);
  client_hello_hash(suite->hash, body, c.client_hello1_hash);
  uint8_t cookie[kRetryCookieMaxSize];
  const std::size_t cookie_len = write_retry_cookie(jar, peer_address, c, cookie);
  // HandshakeHeader (message_seq 0, one fragment) + HelloRetryRequest.
  uint8_t msg[kHandshakeHeaderSize + 2 + kRandomSize + 1 + kMaxSessionId + 3 + 2 + 6 + 6 + 6 + kRetryCookieMaxSize];
  ByteWriter hrr(MutableBytes(msg + kHandshakeHeaderSize, sizeof msg - kHandshakeHeaderSize));
  write_hello_retry_request(hrr, stateless_retry_request(c, ch.session_id, Bytes(cookie, cookie_len)));
  if (hrr.failed()) return false;
  ByteWriter m(msg);
  const auto len = static_cast<uint32_t>(hrr.size());
  write_handshake_header(m, static_cast<uint8_t>(MessageType::server_hello), len, 0, 0, len);
  write_plain_record(w, ContentType::handshake, kVersionDtls12, record_seq,
                     Bytes(msg, kHandshakeHeaderSize + hrr.size()));
  return !w.failed();
}

}  // namespace keyway::dtls::v13
