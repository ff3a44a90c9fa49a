// SPDX-License-Identifier: Apache-2.0
// DTLS 1.3 handshake message bodies (RFC 8446 §4, RFC 9147 §5). Parsers
// return views into the caller's buffer; writers append to a ByteWriter.
// The DTLS handshake header (message_seq, fragments) is dtls/handshake_header.hpp;
// it is the same in 1.2 and 1.3 (RFC 9147 §5.2).
//
//   ClientHello         { legacy_version = 0xFEFD; random[32]; legacy_session_id<0..32>;
//                         legacy_cookie<0..255> = empty; cipher_suites<2..2^16-2>;
//                         legacy_compression_methods<1..255> = {0}; extensions<8..2^16-1> }
//   ServerHello         { legacy_version = 0xFEFD; random[32]; legacy_session_id_echo<0..32>;
//                         cipher_suite; legacy_compression_method = 0; extensions<6..2^16-1> }
//   EncryptedExtensions { extensions<0..2^16-1> }                        (§4.3.1)
//   CertificateRequest  { certificate_request_context<0..255>; extensions<2..2^16-1> }  (§4.3.2)
//   Certificate         { certificate_request_context<0..255>;
//                         CertificateEntry certificate_list<0..2^24-1> } (§4.4.2)
//     CertificateEntry  { opaque cert_data<1..2^24-1>; extensions<0..2^16-1> }
//   CertificateVerify   { SignatureScheme algorithm; opaque signature<0..2^16-1> }  (§4.4.3)
//   Finished            { verify_data[Hash.length] }                     (§4.4.4)
//   KeyUpdate           { KeyUpdateRequest request_update; }             (§4.6.3)
#pragma once

#include <cstdint>
#include <span>

#include "keyway/dtls/extensions.hpp"
#include "keyway/dtls/v13/hello_extensions.hpp"
#include "keyway/lib/bytes.hpp"
#include "keyway/lib/crypto/aead.hpp"
#include "keyway/lib/crypto/sha.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::dtls::v13 {

// HandshakeType values (RFC 8446 §4) this engine sends or reads.
enum class MessageType : uint8_t {
  client_hello = 1,
  server_hello = 2,
  new_session_ticket = 4,  // read only to be skipped (RFC 8446 §4.6.1: no resumption in WebRTC)
  encrypted_extensions = 8,
  certificate = 11,
  certificate_request = 13,
  certificate_verify = 15,
  finished = 20,
  key_update = 24,
};

// The (D)TLS 1.3 cipher suites (RFC 8446 §B.4) in keyway's preference order.
struct Suite {
  uint16_t id;
  crypto::AeadKind aead;
  crypto::HashAlg hash;
  const char* iana_name;
};
inline constexpr Suite kSuites[] = {
    {0x1301, crypto::AeadKind::aes128_gcm, crypto::HashAlg::sha256, "TLS_AES_128_GCM_SHA256"},
    {0x1302, crypto::AeadKind::aes256_gcm, crypto::HashAlg::sha384, "TLS_AES_256_GCM_SHA384"},
    {0x1303, crypto::AeadKind::chacha20_poly1305, crypto::HashAlg::sha256, "TLS_CHACHA20_POLY1305_SHA256"},
};
const Suite* find_suite(uint16_t id);  // null when not one of kSuites

constexpr std::size_t kRandomSize = 32;
constexpr std::size_t kMaxSessionId = 32;

// ---- ClientHello / ServerHello ----

struct ClientHello {
  Bytes random;
  Bytes session_id;  // echoed by the server (RFC 8446 §4.1.3)
  Bytes cookie;      // legacy_cookie: empty in DTLS 1.3 (RFC 9147 §5.3)
  SmallList<uint16_t> cipher_suites;
  bool has_versions = false;
  OfferedVersions versions;
  bool has_key_share = false;
  ClientKeyShares key_shares;
  HelloExtensions ext;  // use_srtp, supported_groups, signature_algorithms (dtls/extensions.hpp)
  bool has_retry_cookie = false;
  Bytes retry_cookie;   // the cookie extension echoed from a HelloRetryRequest (RFC 8446 §4.2.2)
};
// Unknown extensions, groups, suites and schemes are skipped (never fatal).
[[nodiscard]] Result<ClientHello> parse_client_hello(Bytes body);

struct ClientHelloOffer {
  Bytes random;  // 32 bytes
  std::span<const uint16_t> cipher_suites;
  OfferedVersions versions;
  std::span<const KeyShareEntry> key_shares;
  std::span<const uint16_t> groups;
  std::span<const uint16_t> signature_algorithms;
  std::span<const uint16_t> srtp_profiles;  // empty: no use_srtp
};
void write_client_hello(ByteWriter& w, const ClientHelloOffer& offer);

struct ServerHello {
  Bytes random;
  Bytes session_id;
  uint16_t cipher_suite = 0;
  bool has_version = false;
  uint16_t selected_version = 0;  // supported_versions (absent: a DTLS 1.2 server)
  bool has_key_share = false;
  Bytes key_share;                // the extension_data of key_share
  bool has_retry_cookie = false;  // HelloRetryRequest only (RFC 8446 §4.2.2)
  Bytes retry_cookie;
};
[[nodiscard]] Result<ServerHello> parse_server_hello(Bytes body);
void write_server_hello(ByteWriter& w, Bytes random, Bytes session_id, uint16_t cipher_suite,
                        const KeyShareEntry& share);

// ---- HelloRetryRequest (RFC 8446 §4.1.4, RFC 9147 §5.1) ----
//
//   a ServerHello whose random is kHelloRetryRequestRandom, with
//   supported_versions (1.3), key_share = selected_group (when the client
//   must send a share of another group) and cookie (when the server keeps
//   no state). One writer for the stateful server and dtls::Listener: a
//   stateless server rebuilds the exact bytes for its transcript.

constexpr uint16_t kExtCookie = 44;
constexpr std::size_t kMaxRetryCookie = 128;  // what keyway's client echoes (its own are 68 or 84 bytes)

struct RetryRequest {
  Bytes session_id;          // legacy_session_id_echo
  uint16_t cipher_suite = 0;
  bool has_group = false;    // key_share: selected_group
  crypto::NamedGroup group = crypto::NamedGroup::x25519;
  Bytes cookie;              // empty: no cookie extension
};
void write_hello_retry_request(ByteWriter& w, const RetryRequest& hrr);

// RFC 8446 §4.1.2: the second ClientHello is the first with the key_share
// replaced and the HelloRetryRequest's cookie added; everything else, the
// random included, stays byte for byte.
[[nodiscard]] Status write_retried_client_hello(ByteWriter& w, Bytes client_hello1, const KeyShareEntry& share,
                                                Bytes cookie);

// ---- EncryptedExtensions, CertificateRequest ----

struct EncryptedExtensions {
  bool has_srtp = false;
  uint16_t srtp_profile = 0;  // RFC 5764 §4.1.1: the server names exactly one
  Bytes srtp_mki;
};
[[nodiscard]] Result<EncryptedExtensions> parse_encrypted_extensions(Bytes body);
void write_encrypted_extensions(ByteWriter& w, uint16_t srtp_profile);  // 0: no use_srtp

struct CertificateRequest {
  Bytes context;
  SmallList<uint16_t> signature_algorithms;
};
// RFC 8446 §4.3.2: signature_algorithms must be present.
[[nodiscard]] Result<CertificateRequest> parse_certificate_request(Bytes body);
void write_certificate_request(ByteWriter& w, std::span<const uint16_t> schemes);

// ---- Certificate, CertificateVerify, Finished, KeyUpdate ----

struct CertificateMessage {
  Bytes context;
  Bytes end_entity;  // the first certificate's DER; empty: the peer sent none
};
[[nodiscard]] Result<CertificateMessage> parse_certificate_message(Bytes body);
void write_certificate_message(ByteWriter& w, Bytes context, Bytes der);

struct CertificateVerify {
  uint16_t scheme = 0;
  Bytes signature;
};
[[nodiscard]] Result<CertificateVerify> parse_certificate_verify(Bytes body);
void write_certificate_verify(ByteWriter& w, uint16_t scheme, Bytes signature);

// RFC 8446 §4.4.3: what a CertificateVerify signs: 64 spaces, the context
// string, a zero byte, then the transcript hash.
enum class Signer : uint8_t { client, server };
constexpr std::size_t kMaxSignedContent = 64 + 33 + 1 + crypto::kMaxDigestSize;
std::size_t certificate_verify_content(Signer signer, Bytes transcript_hash, uint8_t out[kMaxSignedContent]);

enum class KeyUpdateRequest : uint8_t { update_not_requested = 0, update_requested = 1 };
[[nodiscard]] Result<KeyUpdateRequest> parse_key_update(Bytes body);

}  // namespace keyway::dtls::v13
