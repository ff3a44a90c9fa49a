// SPDX-License-Identifier: Apache-2.0
// Hello extensions, every one a browser or keyway sends (RFC 5246 §7.4.1.4;
// RFC 8446 §4.2 for TLS 1.3's). Each line names the keyway function that
// reads the extension: dtls::parse_extensions for those 1.2 knows; for
// supported_versions, key_share and cookie, which the 1.2 engine skips, the
// DTLS 1.3 reader (a keyway offering 1.3 reads them, dtls::Config::offer_dtls13);
// the others keyway skips, and they are decoded here for the reader.
#include <fmt/format.h>

#include "keyway/dtls/cookie.hpp"
#include "keyway/dtls/v13/messages.hpp"
#include "tools/explain/dtls_names.hpp"
#include "tools/explain/explain.hpp"

namespace keyway::explain {
namespace {

constexpr std::string_view kParseExt = "dtls::parse_extensions";
constexpr std::string_view kExplainOnly = "skipped by keyway (decoded by tools/explain)";

bool from_server(ExtensionsIn where) { return where != ExtensionsIn::client_hello; }

// The keyway function that reads extension `type` in `where`.
std::string_view reader(uint16_t type, ExtensionsIn where, const ExtensionInfo& info) {
  if (info.keyway_parses) return kParseExt;
  const bool hrr = where == ExtensionsIn::hello_retry_request;
  switch (type) {
    case 43:
      return where == ExtensionsIn::client_hello
                 ? "dtls::v13::read_client_supported_versions (the 1.2 engine skips it)"
                 : "dtls::v13::read_selected_version (the 1.2 engine skips it)";
    case 51:
      if (where == ExtensionsIn::client_hello) return "dtls::v13::read_client_key_shares (the 1.2 engine skips it)";
      return hrr ? "dtls::v13::read_hrr_selected_group" : "dtls::v13::read_server_key_share";
    case 44:
      if (where == ExtensionsIn::client_hello) return "dtls::v13::parse_client_hello (the 1.2 engine skips it)";
      if (hrr) return "dtls::v13::parse_server_hello";
      return kExplainOnly;
    default: return kExplainOnly;
  }
}

// The public key of a share: what keyway does with it depends on its group.
std::string key_exchange_meaning(uint16_t group, ExtensionsIn where) {
  const bool spoken = group == 0x001D || group == 0x0017;  // x25519, secp256r1 (dtls/v13/hello_extensions.hpp)
  if (where == ExtensionsIn::client_hello)
    return spoken ? fmt::format("key_exchange: the client's {} public key (a 1.3 server keyway answers with one "
                                "share of x25519 or secp256r1)", group_name(group))
                  : "key_exchange: a group keyway does not speak (skipped, never an error)";
  return fmt::format("key_exchange: the server's {} public key; ECDHE with the client's share of the same group "
                     "gives the handshake secret (RFC 8446 §7.1)", group_name(group));
}

// RFC 8446 §4.2.8: KeyShareEntry { NamedGroup group; opaque key_exchange<1..2^16-1>; }
// ClientHello: KeyShareEntry client_shares<0..2^16-1>; ServerHello: one
// KeyShareEntry server_share; HelloRetryRequest: NamedGroup selected_group.
void key_share(Printer& p, ByteReader& r, ExtensionsIn where, std::string_view parser) {
  constexpr std::string_view rfc = "RFC 8446 §4.2.8";
  if (where == ExtensionsIn::hello_retry_request) {
    Bytes at = r.rest();
    uint16_t group = 0;
    if (!r.read_u16(group)) return p.field(at, "selected_group: truncated", rfc, parser);
    return p.field(at.first(2),
                   fmt::format("selected_group {}: the client's next ClientHello must carry a share of this group",
                               group_name(group)),
                   rfc, parser);
  }
  ByteReader entries = r;
  if (where == ExtensionsIn::client_hello) {
    Bytes start = r.rest();
    if (!r.read_prefixed16(entries)) return p.field(start, "client_shares: runs past the end", rfc, parser);
    p.field(start.first(2), fmt::format("client_shares length {}", entries.remaining()), rfc, parser);
  }
  while (!entries.at_end()) {
    Bytes start = entries.rest();
    uint16_t group = 0;
    ByteReader key;
    if (!entries.read_u16(group) || !entries.read_prefixed16(key))
      return p.field(start, "key share entry: runs past the end", rfc, parser);
    p.field(start.first(2), (where == ExtensionsIn::client_hello ? "key share for " : "server_share: key share for ") +
                                group_name(group), rfc, parser);
    p.field(start.subspan(2, 2), fmt::format("key_exchange length {}", key.remaining()), rfc, parser);
    if (!key.at_end()) p.field(key.rest(), key_exchange_meaning(group, where), rfc, parser);
  }
  if (where != ExtensionsIn::client_hello) r = entries;
}

// RFC 8446 §4.2.1: ClientHello ProtocolVersion versions<2..254> (a u8
// length); ServerHello and HelloRetryRequest: ProtocolVersion selected_version.
void supported_versions(Printer& p, ByteReader& r, ExtensionsIn where, std::string_view rfc, std::string_view parser) {
  Bytes start = r.rest();
  if (from_server(where)) {
    uint16_t v = 0;
    if (!r.read_u16(v)) return p.field(start, "selected_version: truncated", rfc, parser);
    return p.field(start.first(2), "selected_version " + version_name(v), rfc, parser);
  }
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

// The fields of a cookie as keyway's dtls::Listener writes it
// (dtls/v13/retry.hpp): suite || group || Hash(ClientHello1) || HMAC.
// False when the cookie is not of that shape (another server's: opaque).
bool keyway_retry_cookie(Printer& p, Bytes c, std::string_view rfc) {
  constexpr std::string_view kLayout = "dtls::v13::open_retry_cookie";
  if (c.size() < 4) return false;
  const uint16_t suite = static_cast<uint16_t>(c[0] << 8 | c[1]);
  const uint16_t group = static_cast<uint16_t>(c[2] << 8 | c[3]);
  const dtls::v13::Suite* s = dtls::v13::find_suite(suite);
  const std::size_t hash_len = s == nullptr ? 0 : crypto::digest_size(s->hash);
  if (s == nullptr || (group != 0 && group != 0x001D && group != 0x0017) ||
      c.size() != 4 + hash_len + dtls::CookieJar::kCookieSize)
    return false;
  p.note("the layout of keyway's dtls::Listener (dtls/v13/retry.hpp); to the client it is opaque bytes to echo");
  Indented in(p);
  p.field(c.first(2), "cipher suite chosen for this hello: " + suite_name(suite), rfc, kLayout);
  p.field(c.subspan(2, 2), group == 0 ? "group: none asked for (the hello's share fits)"
                                      : "group asked for in key_share: " + group_name(group), rfc, kLayout);
  p.field(c.subspan(4, hash_len), "Hash(ClientHello1): the transcript starts from it (message_hash, RFC 8446 §4.4.1)",
          rfc, kLayout);
  p.field(c.last(dtls::CookieJar::kCookieSize),
          "HMAC-SHA256 over the fields before and the client's address: nothing kept until it returns (checked in "
          "constant time)", rfc, kLayout);
  return true;
}

// RFC 8446 §4.2.2: opaque cookie<1..2^16-1>, from a HelloRetryRequest, echoed
// in the second ClientHello.
void cookie(Printer& p, ByteReader& r, ExtensionsIn where, std::string_view rfc, std::string_view parser) {
  Bytes start = r.rest();
  ByteReader c;
  if (!r.read_prefixed16(c)) return p.field(start, "cookie: runs past the end", rfc, parser);
  p.field(start.first(2),
          fmt::format("cookie length {} ({})", c.remaining(),
                      where == ExtensionsIn::client_hello ? "echoed from the HelloRetryRequest"
                                                          : "the client echoes it in its next ClientHello"),
          rfc, parser);
  if (c.at_end()) return;
  Bytes bytes = c.rest();
  p.field(bytes, "cookie", rfc, parser);
  Indented in(p);
  if (!keyway_retry_cookie(p, bytes, rfc)) p.note("not keyway's cookie layout: opaque");
}

// RFC 8446 §4.2.9: PskKeyExchangeMode ke_modes<1..255>.
void psk_modes(Printer& p, ByteReader& r, std::string_view rfc) {
  Bytes start = r.rest();
  ByteReader modes;
  if (!r.read_prefixed8(modes)) return p.field(start, "ke_modes: runs past the end", rfc, kExplainOnly);
  p.field(start.first(1), fmt::format("ke_modes length {}", modes.remaining()), rfc, kExplainOnly);
  Indented in(p);
  while (!modes.at_end()) {
    Bytes b = modes.rest().first(1);
    uint8_t m = 0;
    if (!modes.read_u8(m)) break;
    p.field(b, m == 0 ? "psk_ke (0)" : m == 1 ? "psk_dhe_ke (1)" : fmt::format("unknown mode {}", m), rfc,
            kExplainOnly);
  }
  p.note("keyway offers no PSK and resumes nothing (WebRTC uses neither): the modes are unused");
}

void ec_point_formats(Printer& p, ByteReader& r, std::string_view rfc, std::string_view parser) {
  Bytes start = r.rest();
  ByteReader list;
  if (!r.read_prefixed8(list)) return p.field(start, "ec_point_format_list: runs past the end", rfc, parser);
  p.field(start.first(1), fmt::format("ec_point_format_list length {}", list.remaining()), rfc, parser);
  while (!list.at_end()) {
    Bytes b = list.rest().first(1);
    uint8_t f = 0;
    if (!list.read_u8(f)) break;
    p.field(b, f == 0 ? "uncompressed (0)" : fmt::format("point format {}", f), rfc, parser);
  }
}

void extension_body(Printer& p, uint16_t type, ByteReader& r, ExtensionsIn where, const ExtensionInfo& info) {
  const std::string_view parser = reader(type, where, info);
  switch (type) {
    case 43: return supported_versions(p, r, where, info.rfc, parser);
    case 44: return cookie(p, r, where, info.rfc, parser);
    case 51: return key_share(p, r, where, parser);
    case 45: return psk_modes(p, r, info.rfc);
    case 10: return u16_list(p, r, 2, group_name, "named_group_list", info.rfc, parser);
    case 13: return u16_list(p, r, 2, sigalg_name, "supported_signature_algorithms", info.rfc, parser);
    case 50: return u16_list(p, r, 2, sigalg_name, "supported_signature_algorithms (for certificates)", info.rfc, parser);
    case 14:
      u16_list(p, r, 2, srtp_profile_name, "SRTPProtectionProfiles", info.rfc, parser);
      return opaque8(p, r, "srtp_mki", info.rfc, parser);
    case 23: return p.note("empty: the master secret is bound to the handshake transcript (session hash)");
    case 49: return p.note("empty: the client accepts a CertificateRequest after the handshake (keyway sends none)");
    case 0xFF01: return opaque8(p, r, "renegotiated_connection (empty: initial handshake)", info.rfc, parser);
    case 11: return ec_point_formats(p, r, info.rfc, parser);
    case 28: {
      Bytes b = r.rest();
      uint16_t limit = 0;
      if (r.read_u16(limit))
        return p.field(b.first(2), fmt::format("RecordSizeLimit {}: the largest plaintext record the sender accepts",
                                               limit), info.rfc, parser);
      break;
    }
    default: break;
  }
  if (!r.at_end()) p.field(r.rest(), fmt::format("{} bytes of extension_data", r.remaining()), info.rfc, parser);
  else p.note("empty extension_data");
  r = ByteReader();
}

}  // namespace

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

// RFC 5246 §7.4.1.4: Extension extensions<0..2^16-1>, each { type; opaque data<0..2^16-1> }.
void explain_hello_extensions(Printer& p, ByteReader& r, ExtensionsIn where) {
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
            reader(type, where, info));
    Indented in(p);
    extension_body(p, type, body, where, info);
    if (!body.at_end()) p.field(body.rest(), "trailing bytes in the extension", info.rfc, "");
  }
}

}  // namespace keyway::explain
