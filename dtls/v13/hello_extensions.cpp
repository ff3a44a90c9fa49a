// SPDX-License-Identifier: Apache-2.0
// supported_versions, key_share and the downgrade sentinels
// (RFC 8446 §4.2.1, §4.2.8, §4.1.3; RFC 9147 §5.3).
#include "keyway/dtls/v13/hello_extensions.hpp"

#include <cstring>

namespace keyway::dtls::v13 {

namespace {
constexpr Error kBadVersions = make_error(Layer::dtls, Code::decode_error, "supported_versions: malformed versions list");
constexpr Error kNoVersion = make_error(Layer::dtls, Code::protocol_version, "supported_versions: no common DTLS version");
constexpr Error kBadSelected = make_error(Layer::dtls, Code::decode_error, "supported_versions: malformed selected_version");
constexpr Error kBadShares = make_error(Layer::dtls, Code::decode_error, "key_share: malformed client_shares");
constexpr Error kDuplicate = make_error(Layer::dtls, Code::illegal_parameter, "key_share: two shares for one group");
constexpr Error kBadSize = make_error(Layer::dtls, Code::illegal_parameter, "key_share: key_exchange has the wrong size for its group");
constexpr Error kBadServerShare = make_error(Layer::dtls, Code::decode_error, "key_share: malformed server_share");
constexpr Error kUnknownGroup = make_error(Layer::dtls, Code::illegal_parameter, "key_share: server chose a group keyway did not offer");
constexpr Error kBadHrr = make_error(Layer::dtls, Code::decode_error, "key_share: malformed HelloRetryRequest selected_group");

// The groups keyway speaks, with the size of their key_exchange.
bool known_group(uint16_t g) {
  return g == static_cast<uint16_t>(crypto::NamedGroup::x25519) ||
         g == static_cast<uint16_t>(crypto::NamedGroup::secp256r1);
}

// RFC 8446 §4.2.8.2: secp256r1 shares are uncompressed points (0x04 || X || Y).
bool share_size_ok(crypto::NamedGroup g, Bytes key_exchange) {
  if (key_exchange.size() != crypto::public_key_size(g)) return false;
  return g != crypto::NamedGroup::secp256r1 || key_exchange[0] == 0x04;
}

Result<KeyShareEntry> read_entry(ByteReader& r) {
  uint16_t group = 0;
  ByteReader kx;
  if (!r.read_u16(group) || !r.read_prefixed16(kx) || kx.remaining() == 0) return kBadShares;
  KeyShareEntry e;
  e.group = static_cast<crypto::NamedGroup>(group);
  e.key_exchange = kx.rest();
  return e;
}
}  // namespace

// ---- supported_versions ----

Result<OfferedVersions> read_client_supported_versions(Bytes ext_data) {
  ByteReader r(ext_data);
  ByteReader list;
  if (!r.read_prefixed8(list) || !r.at_end() || list.remaining() < 2 || list.remaining() % 2 != 0)
    return kBadVersions;
  OfferedVersions offer;
  uint16_t v = 0;
  while (list.read_u16(v)) {  // GREASE and versions keyway does not speak are skipped
    if (v == kVersionDtls13) offer.dtls13 = true;
    if (v == kVersionDtls12Wire) offer.dtls12 = true;
  }
  return offer;
}

void write_client_supported_versions(ByteWriter& w, const OfferedVersions& offer) {
  auto list = w.begin_prefixed8();
  if (offer.dtls13) w.write_u16(kVersionDtls13);
  if (offer.dtls12) w.write_u16(kVersionDtls12Wire);
  w.end_prefixed(list);
}

Result<uint16_t> choose_version(const OfferedVersions& client, const OfferedVersions& server) {
  if (client.dtls13 && server.dtls13) return kVersionDtls13;
  if (client.dtls12 && server.dtls12) return kVersionDtls12Wire;
  return kNoVersion;
}

Result<uint16_t> read_selected_version(Bytes ext_data) {
  ByteReader r(ext_data);
  uint16_t v = 0;
  if (!r.read_u16(v) || !r.at_end()) return kBadSelected;
  return v;
}

void write_selected_version(ByteWriter& w, uint16_t version) { w.write_u16(version); }

// ---- key_share ----

Result<ClientKeyShares> read_client_key_shares(Bytes ext_data) {
  ByteReader r(ext_data);
  ByteReader list;
  if (!r.read_prefixed16(list) || !r.at_end()) return kBadShares;
  ClientKeyShares out;
  while (!list.at_end()) {
    auto e = read_entry(list);
    if (!e.ok()) return e.error();
    if (!known_group(static_cast<uint16_t>(e->group))) continue;  // X25519MLKEM768, GREASE, ...
    if (!share_size_ok(e->group, e->key_exchange)) return kBadSize;
    bool x25519 = e->group == crypto::NamedGroup::x25519;
    bool& seen = x25519 ? out.has_x25519 : out.has_secp256r1;
    if (seen) return kDuplicate;
    seen = true;
    (x25519 ? out.x25519 : out.secp256r1) = e->key_exchange;
  }
  return out;
}

void write_client_key_shares(ByteWriter& w, std::span<const KeyShareEntry> shares) {
  auto list = w.begin_prefixed16();
  for (const KeyShareEntry& e : shares) write_server_key_share(w, e);  // the same KeyShareEntry layout
  w.end_prefixed(list);
}

bool select_key_share(const ClientKeyShares& shares, KeyShareEntry& out) {
  if (shares.has_x25519) {
    out = {crypto::NamedGroup::x25519, shares.x25519};
    return true;
  }
  if (shares.has_secp256r1) {
    out = {crypto::NamedGroup::secp256r1, shares.secp256r1};
    return true;
  }
  return false;
}

Result<KeyShareEntry> read_server_key_share(Bytes ext_data) {
  ByteReader r(ext_data);
  auto e = read_entry(r);
  if (!e.ok() || !r.at_end()) return kBadServerShare;
  if (!known_group(static_cast<uint16_t>(e->group))) return kUnknownGroup;
  if (!share_size_ok(e->group, e->key_exchange)) return kBadSize;
  return *e;
}

void write_server_key_share(ByteWriter& w, const KeyShareEntry& share) {
  w.write_u16(static_cast<uint16_t>(share.group));
  auto kx = w.begin_prefixed16();
  w.write_bytes(share.key_exchange);
  w.end_prefixed(kx);
}

Result<crypto::NamedGroup> read_hrr_selected_group(Bytes ext_data) {
  ByteReader r(ext_data);
  uint16_t g = 0;
  if (!r.read_u16(g) || !r.at_end()) return kBadHrr;
  if (!known_group(g)) return kUnknownGroup;
  return static_cast<crypto::NamedGroup>(g);
}

void write_hrr_selected_group(ByteWriter& w, crypto::NamedGroup group) { w.write_u16(static_cast<uint16_t>(group)); }

// ---- ServerHello.random ----

void write_downgrade_sentinel(MutableBytes random, Downgrade which) {
  if (which == Downgrade::none || random.size() < 8) return;
  const uint8_t* s = which == Downgrade::to_dtls12 ? kDowngradeDtls12 : kDowngradeDtls10;
  std::memcpy(random.data() + random.size() - 8, s, 8);
}

Downgrade read_downgrade_sentinel(Bytes random) {
  if (random.size() < 8) return Downgrade::none;
  const uint8_t* tail = random.data() + random.size() - 8;
  if (std::memcmp(tail, kDowngradeDtls12, 8) == 0) return Downgrade::to_dtls12;
  if (std::memcmp(tail, kDowngradeDtls10, 8) == 0) return Downgrade::to_dtls10;
  return Downgrade::none;
}

bool is_hello_retry_request(Bytes server_random) {
  return server_random.size() == sizeof kHelloRetryRequestRandom &&
         std::memcmp(server_random.data(), kHelloRetryRequestRandom, sizeof kHelloRetryRequestRandom) == 0;
}

}  // namespace keyway::dtls::v13
