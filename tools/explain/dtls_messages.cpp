// SPDX-License-Identifier: Apache-2.0
// The other DTLS 1.2 handshake messages of a WebRTC call (RFC 5246 §7.4,
// RFC 6347 §4.2.1, RFC 8422 §5.4), each validated by keyway's own parser.
#include <fmt/format.h>

#include "keyway/dtls/messages.hpp"
#include "tools/explain/dtls_names.hpp"
#include "tools/explain/explain.hpp"

namespace keyway::explain {
namespace {

// RFC 6347 §4.2.1: server_version, cookie<0..255>.
void hello_verify_request(Printer& p, Bytes body) {
  constexpr std::string_view parser = "dtls::parse_hello_verify_request";
  verdict(p, dtls::parse_hello_verify_request(body), parser);
  ByteReader r(body);
  uint16_t v = 0;
  ByteReader cookie;
  if (!r.read_u16(v) || !r.read_prefixed8(cookie)) return p.field(body, "truncated", "RFC 6347 §4.2.1", parser);
  p.field(body.first(2), "server_version " + version_name(v), "RFC 6347 §4.2.1", parser);
  p.field(body.subspan(2, 1), fmt::format("cookie length {}", cookie.remaining()), "RFC 6347 §4.2.1", parser);
  if (!cookie.at_end())
    p.field(cookie.rest(), "cookie: the client repeats its ClientHello with it (proves its address)", "RFC 6347 §4.2.1",
            parser);
}

// RFC 5246 §7.4.2: ASN.1Cert certificate_list<0..2^24-1>, each opaque<1..2^24-1>.
void certificate(Printer& p, Bytes body) {
  constexpr std::string_view parser = "dtls::parse_certificate_message";
  verdict(p, dtls::parse_certificate_message(body), parser);
  ByteReader r(body);
  ByteReader list;
  if (!r.read_prefixed24(list)) return p.field(body, "certificate_list: runs past the end", "RFC 5246 §7.4.2", parser);
  p.field(body.first(3), fmt::format("certificate_list length {}", list.remaining()), "RFC 5246 §7.4.2", parser);
  for (int n = 1; !list.at_end(); ++n) {
    Bytes at = list.rest();
    ByteReader der;
    if (!list.read_prefixed24(der)) return p.field(at, "certificate: runs past the end", "RFC 5246 §7.4.2", parser);
    p.field(at.first(3), fmt::format("certificate {} length {}", n, der.remaining()), "RFC 5246 §7.4.2", parser);
    p.field(der.rest(),
            n == 1 ? "X.509 DER (end-entity; WebRTC checks its hash against a=fingerprint, RFC 8122 §5)"
                   : "X.509 DER (chain; keyway ignores it)",
            "RFC 5280 §4.1", n == 1 ? "dtls::x509 (certificate.hpp)" : "");
  }
}

void signed_tail(Printer& p, ByteReader& r, std::string_view parser) {
  Bytes at = r.rest();
  uint16_t scheme = 0;
  ByteReader sig;
  if (!r.read_u16(scheme) || !r.read_prefixed16(sig)) return p.field(at, "signature: runs past the end", "", parser);
  p.field(at.first(2), "signature algorithm " + sigalg_name(scheme), "RFC 5246 §4.7", parser);
  p.field(at.subspan(2, 2), fmt::format("signature length {}", sig.remaining()), "RFC 5246 §4.7", parser);
  if (!sig.at_end()) p.field(sig.rest(), "signature (DER ECDSA or RSA)", "RFC 8422 §5.4", parser);
}

// RFC 8422 §5.4: ServerECDHParams { curve_type named_curve(3); NamedCurve; point<1..2^8-1> } + signature.
void server_key_exchange(Printer& p, Bytes body) {
  constexpr std::string_view parser = "dtls::parse_server_key_exchange";
  verdict(p, dtls::parse_server_key_exchange(body), parser);
  ByteReader r(body);
  uint8_t curve_type = 0;
  uint16_t group = 0;
  ByteReader point;
  if (!r.read_u8(curve_type) || !r.read_u16(group) || !r.read_prefixed8(point))
    return p.field(body, "truncated", "RFC 8422 §5.4", parser);
  p.field(body.first(1), curve_type == 3 ? "curve_type named_curve (3)" : "curve_type (not named_curve)",
          "RFC 8422 §5.4", parser);
  p.field(body.subspan(1, 2), "named curve " + group_name(group), "RFC 8422 §5.4", parser);
  p.field(body.subspan(3, 1), fmt::format("public point length {}", point.remaining()), "RFC 8422 §5.4", parser);
  if (!point.at_end()) p.field(point.rest(), "ephemeral ECDH public key (0x04 = uncompressed)", "RFC 8422 §5.4", parser);
  signed_tail(p, r, parser);
}

// RFC 5246 §7.4.4.
void certificate_request(Printer& p, Bytes body) {
  constexpr std::string_view parser = "dtls::parse_certificate_request";
  verdict(p, dtls::parse_certificate_request(body), parser);
  ByteReader r(body);
  ByteReader types, algs, cas;
  Bytes at = body;
  if (!r.read_prefixed8(types)) return p.field(body, "truncated", "RFC 5246 §7.4.4", parser);
  p.field(at.first(1 + types.remaining()),
          fmt::format("certificate_types ({} byte(s); 64 = ecdsa_sign, 1 = rsa_sign)", types.remaining()),
          "RFC 5246 §7.4.4", parser);
  at = r.rest();
  if (!r.read_prefixed16(algs)) return p.field(at, "truncated", "RFC 5246 §7.4.4", parser);
  p.field(at.first(2), fmt::format("supported_signature_algorithms length {}", algs.remaining()), "RFC 5246 §7.4.4",
          parser);
  for (uint16_t a = 0; algs.remaining() >= 2;) {
    Bytes b = algs.rest().first(2);
    if (algs.read_u16(a)) p.field(b, sigalg_name(a), "RFC 5246 §7.4.4", parser);
  }
  at = r.rest();
  if (!r.read_prefixed16(cas)) return p.field(at, "truncated", "RFC 5246 §7.4.4", parser);
  p.field(at.first(2 + cas.remaining()), fmt::format("certificate_authorities length {}", cas.remaining()),
          "RFC 5246 §7.4.4", parser);
}

void client_key_exchange(Printer& p, Bytes body) {
  constexpr std::string_view parser = "dtls::parse_client_key_exchange";
  verdict(p, dtls::parse_client_key_exchange(body), parser);
  if (body.empty()) return;
  p.field(body.first(1), fmt::format("public point length {}", body[0]), "RFC 8422 §5.7", parser);
  if (body.size() > 1) p.field(body.subspan(1), "ephemeral ECDH public key", "RFC 8422 §5.7", parser);
}

void certificate_verify(Printer& p, Bytes body) {
  constexpr std::string_view parser = "dtls::parse_certificate_verify";
  verdict(p, dtls::parse_certificate_verify(body), parser);
  ByteReader r(body);
  signed_tail(p, r, parser);
}

}  // namespace

void explain_handshake_body(Printer& p, uint8_t type, Bytes body) {
  switch (type) {
    case 1: return explain_client_hello(p, body);
    case 2: return explain_server_hello(p, body);
    case 3: return hello_verify_request(p, body);
    case 11: return certificate(p, body);
    case 12: return server_key_exchange(p, body);
    case 13: return certificate_request(p, body);
    case 14:
      return p.note(body.empty() ? "ServerHelloDone: empty; the server's flight is complete (RFC 5246 §7.4.5)"
                                 : "ServerHelloDone with a body (malformed)");
    case 15: return certificate_verify(p, body);
    case 16: return client_key_exchange(p, body);
    case 20: return p.field(body, "verify_data: PRF(master_secret, finished_label, transcript hash)", "RFC 5246 §7.4.9",
                            "dtls::Endpoint (Finished check)");
    default: if (!body.empty()) p.field(body, "body (not explained)", "", "");
  }
}

}  // namespace keyway::explain
