// SPDX-License-Identifier: Apache-2.0
// The two hello extensions that negotiate DTLS 1.3 and its key exchange,
// and the downgrade sentinels (RFC 8446 §4.2.1, §4.2.8, §4.1.3; RFC 9147
// §5.3). These read and write extension_data bodies; the hello codecs place
// them in the extensions block.
//
//   supported_versions (43):
//     ClientHello:                  ProtocolVersion versions<2..254>;
//     ServerHello, HelloRetryRequest: ProtocolVersion selected_version;
//   key_share (51):
//     struct { NamedGroup group; opaque key_exchange<1..2^16-1>; } KeyShareEntry;
//     ClientHello:       KeyShareEntry client_shares<0..2^16-1>;
//     HelloRetryRequest: NamedGroup selected_group;
//     ServerHello:       KeyShareEntry server_share;
//
// keyway's groups are x25519 (32-byte u-coordinate, RFC 7748) and secp256r1
// (65-byte uncompressed point, RFC 8446 §4.2.8.2). Every other group in a
// ClientHello (X25519MLKEM768 from Firefox and Chrome, GREASE, ...) is
// skipped, never an error.
#pragma once

#include <cstdint>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/crypto/ecc.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::dtls::v13 {

constexpr uint16_t kVersionDtls13 = 0xFEFC;  // RFC 9147 §5.3: {254, 252}
constexpr uint16_t kVersionDtls12Wire = 0xFEFD;
constexpr uint16_t kExtSupportedVersions = 43;
constexpr uint16_t kExtKeyShare = 51;
constexpr uint16_t kGroupX25519MlKem768 = 0x11EC;  // hybrid group the browsers offer first; not spoken here

// ---- supported_versions ----

// What a ClientHello's versions list offers, of the two versions keyway speaks.
struct OfferedVersions {
  bool dtls13 = false;
  bool dtls12 = false;
};
// Fails on a malformed list (odd length, empty, bytes after it).
[[nodiscard]] Result<OfferedVersions> read_client_supported_versions(Bytes ext_data);
void write_client_supported_versions(ByteWriter& w, const OfferedVersions& offer);  // 1.3 first

// The server's choice: DTLS 1.3 when both offer it, else 1.2, else none
// (the caller answers protocol_version).
[[nodiscard]] Result<uint16_t> choose_version(const OfferedVersions& client, const OfferedVersions& server);

[[nodiscard]] Result<uint16_t> read_selected_version(Bytes ext_data);
void write_selected_version(ByteWriter& w, uint16_t version);

// ---- key_share ----

struct KeyShareEntry {
  crypto::NamedGroup group = crypto::NamedGroup::x25519;
  Bytes key_exchange;
};

// The shares of a ClientHello in the groups keyway speaks.
struct ClientKeyShares {
  bool has_x25519 = false;
  Bytes x25519;
  bool has_secp256r1 = false;
  Bytes secp256r1;
};
// Fails on a malformed list, two shares of one group (RFC 8446 §4.2.8:
// illegal_parameter) or a share of a known group with the wrong size.
[[nodiscard]] Result<ClientKeyShares> read_client_key_shares(Bytes ext_data);
void write_client_key_shares(ByteWriter& w, std::span<const KeyShareEntry> shares);

// The share the server answers with: x25519 first, then secp256r1. False
// when the client sent neither (the server then asks for one with a
// HelloRetryRequest naming a group from supported_groups).
[[nodiscard]] bool select_key_share(const ClientKeyShares& shares, KeyShareEntry& out);

// ServerHello: exactly one share, in a group keyway speaks, of its size.
[[nodiscard]] Result<KeyShareEntry> read_server_key_share(Bytes ext_data);
void write_server_key_share(ByteWriter& w, const KeyShareEntry& share);

// HelloRetryRequest: the group the client must send a share for.
[[nodiscard]] Result<crypto::NamedGroup> read_hrr_selected_group(Bytes ext_data);
void write_hrr_selected_group(ByteWriter& w, crypto::NamedGroup group);

// ---- ServerHello.random (RFC 8446 §4.1.3, §4.1.4) ----

// A DTLS 1.3 server that negotiates DTLS 1.2 ends its random with
// "DOWNGRD\x01" (and "DOWNGRD\x00" for DTLS 1.0); a 1.3 client that sees
// either after offering 1.3 aborts with illegal_parameter.
constexpr uint8_t kDowngradeDtls12[8] = {0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x01};
constexpr uint8_t kDowngradeDtls10[8] = {0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x00};
enum class Downgrade : uint8_t { none, to_dtls12, to_dtls10 };
// random: the 32-byte ServerHello.random, whose last 8 bytes are overwritten.
void write_downgrade_sentinel(MutableBytes random, Downgrade which);
Downgrade read_downgrade_sentinel(Bytes random);

// A HelloRetryRequest is a ServerHello whose random is SHA-256("HelloRetryRequest").
constexpr uint8_t kHelloRetryRequestRandom[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};
bool is_hello_retry_request(Bytes server_random);

}  // namespace keyway::dtls::v13
