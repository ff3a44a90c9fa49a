// SPDX-License-Identifier: Apache-2.0
// Handshake message bodies (RFC 5246 §7.4, RFC 6347 §4.2.1, RFC 8422 §5.4).
// Parsers return views into the caller's buffer; writers append to a
// ByteWriter. One source file per group of messages in dtls/messages/.
//
//   ClientHello        { version; random[32]; session_id<0..32>; cookie<0..255>;
//                        cipher_suites<2..2^16-2>; compression_methods<1..255>; extensions }
//   HelloVerifyRequest { server_version; cookie<0..255> }
//   ServerHello        { version; random[32]; session_id<0..32>; cipher_suite;
//                        compression_method; extensions }
//   Certificate        { ASN.1Cert certificate_list<0..2^24-1> }
//   ServerKeyExchange  { curve_type(3) named_curve; point<1..255>;
//                        SignatureAndHashAlgorithm; signature<0..2^16-1> }
//   CertificateRequest { certificate_types<1..255>; supported_signature_algorithms<2..2^16-2>;
//                        certificate_authorities<0..2^16-1> }
//   ClientKeyExchange  { point<1..255> }
//   CertificateVerify  { SignatureAndHashAlgorithm; signature<0..2^16-1> }
//   Finished           { verify_data[12] }
#pragma once

#include <cstdint>

#include "keyway/dtls/extensions.hpp"
#include "keyway/lib/bytes.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::dtls {

constexpr std::size_t kMaxCookieSize = 255;
constexpr std::size_t kMaxEcdsaDerSignature = 2 + 2 * (2 + 1 + 48);  // our own: P-384 at most

struct ClientHello {
  uint16_t version = 0;
  Bytes random;
  Bytes session_id;
  Bytes cookie;
  Bytes cipher_suites;   // raw u16 list
  bool null_compression = false;
  HelloExtensions ext;
};
[[nodiscard]] Result<ClientHello> parse_client_hello(Bytes body);
void write_client_hello(ByteWriter& w, const ClientHello& ch, const uint16_t* suites, std::size_t suite_count);

[[nodiscard]] Result<Bytes> parse_hello_verify_request(Bytes body);  // the cookie
void write_hello_verify_request(ByteWriter& w, Bytes cookie);

struct ServerHello {
  uint16_t version = 0;
  Bytes random;
  Bytes session_id;
  uint16_t cipher_suite = 0;
  HelloExtensions ext;
};
[[nodiscard]] Result<ServerHello> parse_server_hello(Bytes body);
void write_server_hello(ByteWriter& w, const ServerHello& sh);

// The first (end-entity) certificate; the rest of a chain is ignored.
[[nodiscard]] Result<Bytes> parse_certificate_message(Bytes body);
void write_certificate_message(ByteWriter& w, Bytes der);

struct ServerKeyExchange {
  uint16_t group = 0;
  Bytes point;
  Bytes params;       // curve_type..point: the signed ServerECDHParams
  uint16_t scheme = 0;
  Bytes signature;
};
[[nodiscard]] Result<ServerKeyExchange> parse_server_key_exchange(Bytes body);
// Writes the ServerECDHParams (to be signed); the caller appends the signature.
void write_ecdh_params(ByteWriter& w, uint16_t group, Bytes point);
void write_digitally_signed(ByteWriter& w, uint16_t scheme, Bytes signature);

struct CertificateRequest {
  bool ecdsa_sign = false;
  bool rsa_sign = false;
  SmallList<uint16_t> signature_algorithms;
};
[[nodiscard]] Result<CertificateRequest> parse_certificate_request(Bytes body);
void write_certificate_request(ByteWriter& w, const uint16_t* schemes, std::size_t count);

[[nodiscard]] Result<Bytes> parse_client_key_exchange(Bytes body);  // the point
void write_client_key_exchange(ByteWriter& w, Bytes point);

struct DigitallySigned {
  uint16_t scheme = 0;
  Bytes signature;
};
[[nodiscard]] Result<DigitallySigned> parse_certificate_verify(Bytes body);

}  // namespace keyway::dtls
