// SPDX-License-Identifier: Apache-2.0
// ClientHello and ServerHello, and every hello extension (RFC 5246 §7.4.1,
// RFC 6347 §4.2.1, RFC 8446 §4.2 for the TLS 1.3 ones a browser sends).
// The message is validated by dtls::parse_client_hello / parse_server_hello;
// the extensions keyway uses are read by dtls::parse_extensions, the others
// (which keyway skips) are decoded here for the reader.
#include <fmt/format.h>

#include "keyway/dtls/messages.hpp"
#include "keyway/dtls/v13/messages.hpp"
#include "tools/explain/dtls_names.hpp"
#include "tools/explain/explain.hpp"

namespace keyway::explain {
namespace {

constexpr std::string_view kParseExt = "dtls::parse_extensions";
constexpr std::string_view kExplainOnly = "skipped by keyway (decoded by tools/explain)";

// A u16 list with a length prefix of `prefix` bytes, one line per entry.
void u16_list(Printer& p, ByteReader& r, int prefix, std::string (*name)(uint16_t), std::string_view what,
              std::string_view rfc, std::string_view parser) {
  Bytes start = r.rest();
  ByteReader list;
  bool ok = prefix == 1 ? r.read_prefixed8(list) : r.read_prefixed16(list);
  if (!ok) return p.field(start, fmt::format("{}: length runs past the end", what), rfc, parser);
  p.field(start.first(static_cast<std::size_t>(prefix)), fmt::format("{} length {} ({} entries)", what,
          list.remaining(), list.remaining() / 2), rfc, parser);
  Indented in(p);
  while (list.remaining() >= 2) {
    Bytes b = list.rest().first(2);
    uint16_t v = 0;
    if (!list.read_u16(v)) break;
    p.field(b, name(v), rfc, parser);
  }
  if (!list.at_end()) p.field(list.rest(), "odd trailing byte", rfc, parser);
}

void opaque8(Printer& p, ByteReader& r, std::string_view what, std::string_view rfc, std::string_view parser) {
  Bytes start = r.rest();
  ByteReader v;
  if (!r.read_prefixed8(v)) return p.field(start, fmt::format("{}: runs past the end", what), rfc, parser);
  p.field(start.first(1), fmt::format("{} length {}", what, v.remaining()), rfc, parser);
  if (!v.at_end()) p.field(v.rest(), std::string(what), rfc, parser);
}

// RFC 8446 §4.2.8: KeyShareEntry { NamedGroup group; opaque key_exchange<1..2^16-1>; }
void key_share(Printer& p, ByteReader& r, bool from_server) {
  constexpr std::string_view rfc = "RFC 8446 §4.2.8";
  ByteReader entries = r;
  if (!from_server) {
    Bytes start = r.rest();
    if (!r.read_prefixed16(entries)) return p.field(start, "client_shares: runs past the end", rfc, kExplainOnly);
    p.field(start.first(2), fmt::format("client_shares length {}", entries.remaining()), rfc, kExplainOnly);
  }
  while (!entries.at_end()) {
    Bytes start = entries.rest();
    uint16_t group = 0;
    ByteReader key;
    if (!entries.read_u16(group) || !entries.read_prefixed16(key))
      return p.field(start, "key share entry: runs past the end", rfc, kExplainOnly);
    p.field(start.first(2), "key share for " + group_name(group), rfc, kExplainOnly);
    p.field(start.subspan(2, 2), fmt::format("key_exchange length {}", key.remaining()), rfc, kExplainOnly);
    if (!key.at_end()) p.field(key.rest(), "key_exchange (public key; DTLS 1.2 ignores it)", rfc, kExplainOnly);
  }
  if (from_server) r = entries;
}

// RFC 8446 §4.2.1: ProtocolVersion versions<2..254> (a u8 length).
void u8_prefixed_versions(Printer& p, ByteReader& r, std::string_view rfc, std::string_view parser) {
  Bytes start = r.rest();
  ByteReader list;
  if (!r.read_prefixed8(list)) return p.field(start, "versions: runs past the end", rfc, parser);
  p.field(start.first(1), fmt::format("versions length {}", list.remaining()), rfc, parser);
  Indented in(p);
  while (list.remaining() >= 2) {
    Bytes b = list.rest().first(2);
    uint16_t v = 0;
    if (!list.read_u16(v)) break;
    p.field(b, version_name(v), rfc, parser);
  }
}

void extension_body(Printer& p, uint16_t type, ByteReader& r, bool from_server, const ExtensionInfo& info) {
  std::string_view parser = info.keyway_parses ? kParseExt : kExplainOnly;
  switch (type) {
    case 43:  // supported_versions: client a u8 list, server one version
      if (from_server) {
        uint16_t v = 0;
        Bytes b = r.rest();
        if (r.read_u16(v)) p.field(b.first(2), "selected_version " + version_name(v), info.rfc, parser);
        return;
      }
      return u8_prefixed_versions(p, r, info.rfc, parser);
    case 10: return u16_list(p, r, 2, group_name, "named_group_list", info.rfc, parser);
    case 13: return u16_list(p, r, 2, sigalg_name, "supported_signature_algorithms", info.rfc, parser);
    case 51: return key_share(p, r, from_server);
    case 14:
      u16_list(p, r, 2, srtp_profile_name, "SRTPProtectionProfiles", info.rfc, parser);
      return opaque8(p, r, "srtp_mki", info.rfc, parser);
    case 23: return p.note("empty: the master secret is bound to the handshake transcript (session hash)");
    case 0xFF01: return opaque8(p, r, "renegotiated_connection (empty: initial handshake)", info.rfc, parser);
    case 11: {
      Bytes start = r.rest();
      ByteReader list;
      if (!r.read_prefixed8(list)) return p.field(start, "ec_point_format_list: runs past the end", info.rfc, parser);
      p.field(start.first(1), fmt::format("ec_point_format_list length {}", list.remaining()), info.rfc, parser);
      while (!list.at_end()) {
        Bytes b = list.rest().first(1);
        uint8_t f = 0;
        if (!list.read_u8(f)) break;
        p.field(b, f == 0 ? "uncompressed (0)" : fmt::format("point format {}", f), info.rfc, parser);
      }
      return;
    }
    default:
      if (!r.at_end()) p.field(r.rest(), fmt::format("{} bytes of extension_data", r.remaining()), info.rfc, parser);
      else p.note("empty extension_data");
      r = ByteReader();
  }
}

}  // namespace

// RFC 5246 §7.4.1.4: Extension extensions<0..2^16-1>, each { type; opaque data<0..2^16-1> }.
void explain_hello_extensions(Printer& p, ByteReader& r, bool from_server) {
  if (r.at_end()) return p.note("no extensions");
  Bytes start = r.rest();
  ByteReader all;
  if (!r.read_prefixed16(all)) return p.field(start, "extensions: length runs past the end", "RFC 5246 §7.4.1.2", "");
  p.field(start.first(2), fmt::format("extensions length {}", all.remaining()), "RFC 5246 §7.4.1.2", kParseExt);
  while (!all.at_end()) {
    Bytes ext = all.rest();
    uint16_t type = 0;
    ByteReader body;
    if (!all.read_u16(type) || !all.read_prefixed16(body))
      return p.field(ext, "extension runs past the end", "RFC 5246 §7.4.1.4", kParseExt);
    ExtensionInfo info = extension_info(type);
    p.field(ext.first(4), fmt::format("extension {} ({}), {} bytes", info.name, type, body.remaining()), info.rfc,
            info.keyway_parses ? kParseExt : kExplainOnly);
    Indented in(p);
    extension_body(p, type, body, from_server, info);
    if (!body.at_end()) p.field(body.rest(), "trailing bytes in the extension", info.rfc, "");
  }
}

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
  explain_hello_extensions(p, r, false);
}

// RFC 5246 §7.4.1.3.
// dtls13: the ServerHello chose 1.3 (supported_versions); keyway's 1.3 parser
// reads it, and server_version is the legacy 1.2 value (RFC 8446 §4.1.3).
void explain_server_hello(Printer& p, Bytes body, bool dtls13) {
  const std::string_view rfc = dtls13 ? "RFC 8446 §4.1.3" : "RFC 5246 §7.4.1.3";
  const std::string_view parser = dtls13 ? "dtls::v13::parse_server_hello" : "dtls::parse_server_hello";
  if (dtls13) {
    auto sh = dtls::v13::parse_server_hello(body);
    p.note(sh.ok() ? std::string(parser) + " accepts it: DTLS 1.3 chosen (supported_versions)"
                   : std::string(parser) + " refuses it: " + error_text(sh.error()));
  } else {
    auto sh = dtls::parse_server_hello(body);
    p.note(sh.ok() ? "dtls::parse_server_hello accepts it" : "dtls::parse_server_hello refuses it: " + error_text(sh.error()));
  }
  ByteReader r(body);
  uint16_t version = 0, suite = 0;
  Bytes random;
  if (!r.read_u16(version) || !r.read_bytes(32, random)) return p.field(body, "truncated ServerHello", rfc, parser);
  p.field(body.first(2), (dtls13 ? "legacy_version " : "server_version ") + version_name(version), rfc, parser);
  p.field(random, "random (32 bytes)", rfc, parser);
  opaque8(p, r, "session_id", rfc, parser);
  Bytes at = r.rest();
  uint8_t comp = 0;
  if (!r.read_u16(suite) || !r.read_u8(comp)) return p.field(at, "truncated ServerHello", rfc, parser);
  p.field(at.first(2), "cipher_suite " + suite_name(suite), rfc, parser);
  p.field(at.subspan(2, 1), comp == 0 ? "compression_method null" : "compression_method (not null)", rfc, parser);
  explain_hello_extensions(p, r, true);
}

}  // namespace keyway::explain
