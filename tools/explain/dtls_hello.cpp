// SPDX-License-Identifier: Apache-2.0
// ClientHello, ServerHello and HelloRetryRequest (RFC 5246 §7.4.1,
// RFC 6347 §4.2.1, RFC 8446 §4.1). The message is validated by
// dtls::parse_client_hello / parse_server_hello (dtls::v13::parse_server_hello
// when the server chose 1.3); the extensions are dtls_extensions.cpp's.
#include <fmt/format.h>

#include "keyway/dtls/messages.hpp"
#include "keyway/dtls/v13/messages.hpp"
#include "tools/explain/dtls_names.hpp"
#include "tools/explain/explain.hpp"

namespace keyway::explain {

// RFC 6347 §4.2.1: ClientHello with the cookie field DTLS adds.
void explain_client_hello(Printer& p, Bytes body) {
  constexpr std::string_view rfc = "RFC 6347 §4.2.1";
  constexpr std::string_view parser = "dtls::parse_client_hello";
  auto ch = dtls::parse_client_hello(body);
  p.note(ch.ok() ? "dtls::parse_client_hello accepts it" : "dtls::parse_client_hello refuses it: " + error_text(ch.error()));
  ByteReader r(body);
  uint16_t version = 0;
  Bytes random;
  if (!r.read_u16(version) || !r.read_bytes(32, random)) return p.field(body, "truncated ClientHello", rfc, parser);
  p.field(body.first(2), "client_version " + version_name(version), rfc, parser);
  p.field(random, "random (32 bytes: part of the key schedule)", "RFC 5246 §7.4.1.2", parser);
  opaque8(p, r, "session_id", "RFC 5246 §7.4.1.2", parser);
  Bytes cookie_at = r.rest();
  ByteReader cookie;
  if (!r.read_prefixed8(cookie)) return p.field(cookie_at, "cookie: runs past the end", rfc, parser);
  p.field(cookie_at.first(1),
          cookie.at_end() ? "cookie length 0 (no HelloVerifyRequest answered: the first ClientHello)"
                          : fmt::format("cookie length {} (echoes the HelloVerifyRequest)", cookie.remaining()),
          "RFC 6347 §4.2.1", parser);
  if (!cookie.at_end()) p.field(cookie.rest(), "cookie", "RFC 6347 §4.2.1", "dtls::verify_cookie");
  u16_list(p, r, 2, suite_name, "cipher_suites", "RFC 5246 §7.4.1.2", parser);
  Bytes comp_at = r.rest();
  ByteReader comp;
  if (!r.read_prefixed8(comp)) return p.field(comp_at, "compression_methods: runs past the end", rfc, parser);
  p.field(comp_at.first(1 + comp.remaining()),
          fmt::format("compression_methods ({} byte(s)){}", comp.remaining(),
                      comp.remaining() == 1 && comp.rest()[0] == 0 ? ": null" : ""),
          "RFC 5246 §7.4.1.2", parser);
  explain_hello_extensions(p, r, ExtensionsIn::client_hello);
}

// RFC 5246 §7.4.1.3.
// dtls13: the ServerHello chose 1.3 (supported_versions); keyway's 1.3 parser
// reads it, and server_version is the legacy 1.2 value (RFC 8446 §4.1.3).
// A 1.3 ServerHello whose random is the special value is a HelloRetryRequest
// (RFC 8446 §4.1.3, §4.1.4).
void explain_server_hello(Printer& p, Bytes body, bool dtls13) {
  const std::string_view rfc = dtls13 ? "RFC 8446 §4.1.3" : "RFC 5246 §7.4.1.3";
  const std::string_view parser = dtls13 ? "dtls::v13::parse_server_hello" : "dtls::parse_server_hello";
  bool retry = false;
  if (dtls13) {
    auto sh = dtls::v13::parse_server_hello(body);
    retry = sh.ok() && dtls::v13::is_hello_retry_request(sh->random);
    p.note(!sh.ok() ? std::string(parser) + " refuses it: " + error_text(sh.error())
           : retry  ? std::string(parser) + " accepts it: a HelloRetryRequest (DTLS 1.3; RFC 8446 §4.1.4, RFC 9147 "
                                            "§5.1): the client is to send its ClientHello again, with the cookie"
                    : std::string(parser) + " accepts it: DTLS 1.3 chosen (supported_versions)");
  } else {
    auto sh = dtls::parse_server_hello(body);
    p.note(sh.ok() ? "dtls::parse_server_hello accepts it" : "dtls::parse_server_hello refuses it: " + error_text(sh.error()));
  }
  ByteReader r(body);
  uint16_t version = 0, suite = 0;
  Bytes random;
  if (!r.read_u16(version) || !r.read_bytes(32, random)) return p.field(body, "truncated ServerHello", rfc, parser);
  p.field(body.first(2), (dtls13 ? "legacy_version " : "server_version ") + version_name(version), rfc, parser);
  p.field(random, retry ? "random = SHA-256(\"HelloRetryRequest\"): marks this ServerHello as a HelloRetryRequest"
                        : "random (32 bytes)",
          rfc, parser);
  opaque8(p, r, retry ? "legacy_session_id_echo" : "session_id", rfc, parser);
  Bytes at = r.rest();
  uint8_t comp = 0;
  if (!r.read_u16(suite) || !r.read_u8(comp)) return p.field(at, "truncated ServerHello", rfc, parser);
  p.field(at.first(2), "cipher_suite " + suite_name(suite), rfc, parser);
  p.field(at.subspan(2, 1), comp == 0 ? "compression_method null" : "compression_method (not null)", rfc, parser);
  explain_hello_extensions(p, r, retry ? ExtensionsIn::hello_retry_request : ExtensionsIn::server_hello);
}

}  // namespace keyway::explain
