// SPDX-License-Identifier: Apache-2.0
// STUN, field by field (RFC 8489 §5, §14; ICE's attributes RFC 8445 §16.1).
// The message is parsed by ice::stun::Message::parse and each attribute by
// its typed getter, so what is printed is what keyway itself reads.
#include <fmt/format.h>

#include "keyway/ice/stun/crc32.hpp"
#include "keyway/ice/stun/message.hpp"
#include "tools/explain/explain.hpp"

namespace keyway::explain {
namespace {

using namespace keyway::ice;
namespace attr = ice::stun::attr;

constexpr std::string_view kParse = "ice::stun::Message::parse";

const char* method_name(uint16_t m) {
  switch (m) {
    case 0x001: return "Binding";
    case 0x003: return "Allocate";
    case 0x004: return "Refresh";
    case 0x006: return "Send";
    case 0x007: return "Data";
    case 0x008: return "CreatePermission";
    case 0x009: return "ChannelBind";
    default: return "unknown method";
  }
}

const char* class_name(stun::Class c) {
  switch (c) {
    case stun::Class::request: return "request";
    case stun::Class::indication: return "indication";
    case stun::Class::success: return "success response";
    case stun::Class::error: return "error response";
  }
  return "?";
}

struct AttrInfo {
  uint16_t type;
  const char* name;
  const char* rfc;
};
constexpr AttrInfo kAttrs[] = {
    {attr::kMappedAddress, "MAPPED-ADDRESS", "RFC 8489 §14.1"},
    {attr::kUsername, "USERNAME", "RFC 8489 §14.3"},
    {attr::kMessageIntegrity, "MESSAGE-INTEGRITY", "RFC 8489 §14.5"},
    {attr::kErrorCode, "ERROR-CODE", "RFC 8489 §14.8"},
    {attr::kUnknownAttributes, "UNKNOWN-ATTRIBUTES", "RFC 8489 §14.9"},
    {attr::kRealm, "REALM", "RFC 8489 §14.9"},
    {attr::kNonce, "NONCE", "RFC 8489 §14.10"},
    {attr::kMessageIntegritySha256, "MESSAGE-INTEGRITY-SHA256", "RFC 8489 §14.6"},
    {attr::kPasswordAlgorithm, "PASSWORD-ALGORITHM", "RFC 8489 §14.12"},
    {attr::kUserhash, "USERHASH", "RFC 8489 §14.4"},
    {attr::kXorMappedAddress, "XOR-MAPPED-ADDRESS", "RFC 8489 §14.2"},
    {attr::kPriority, "PRIORITY", "RFC 8445 §7.1.1"},
    {attr::kUseCandidate, "USE-CANDIDATE", "RFC 8445 §7.1.2"},
    {attr::kPasswordAlgorithms, "PASSWORD-ALGORITHMS", "RFC 8489 §14.11"},
    {attr::kAlternateDomain, "ALTERNATE-DOMAIN", "RFC 8489 §14.16"},
    {attr::kSoftware, "SOFTWARE", "RFC 8489 §14.14"},
    {attr::kAlternateServer, "ALTERNATE-SERVER", "RFC 8489 §14.15"},
    {attr::kFingerprint, "FINGERPRINT", "RFC 8489 §14.7"},
    {attr::kIceControlled, "ICE-CONTROLLED", "RFC 8445 §7.1.3"},
    {attr::kIceControlling, "ICE-CONTROLLING", "RFC 8445 §7.1.3"},
    {0x000C, "CHANNEL-NUMBER (TURN)", "RFC 8656 §18.1"},
    {0x000D, "LIFETIME (TURN)", "RFC 8656 §18.2"},
    {0x0012, "XOR-PEER-ADDRESS (TURN)", "RFC 8656 §18.3"},
    {0x0013, "DATA (TURN)", "RFC 8656 §18.4"},
    {0x0016, "XOR-RELAYED-ADDRESS (TURN)", "RFC 8656 §18.5"},
    {0x0019, "REQUESTED-TRANSPORT (TURN)", "RFC 8656 §18.7"},
    {0xC057, "GOOG-NETWORK-INFO (Chrome)", "no RFC: network id and cost"},
};

const AttrInfo* find_attr(uint16_t type) {
  for (const AttrInfo& a : kAttrs)
    if (a.type == type) return &a;
  return nullptr;
}

std::string address_text(const Result<SocketAddr>& a) {
  if (!a.ok()) return "invalid: " + error_text(a.error());
  char buf[kMaxAddrText];
  a->format(buf, sizeof buf);
  return buf;
}

// RFC 8489 §14.5: tries each password given; the HMAC covers the message up
// to the attribute with the length field adjusted (Message::verify_integrity).
std::string integrity_verdict(const stun::Message& m, bool sha256, const Options& o) {
  if (o.passwords.empty()) return "not checked (give --password PWD, the ICE password of the receiver)";
  for (const std::string& pw : o.passwords) {
    Bytes key(reinterpret_cast<const uint8_t*>(pw.data()), pw.size());
    Status s = sha256 ? m.verify_integrity_sha256(crypto::HmacSha256(key)) : m.verify_integrity(crypto::HmacSha1(key));
    if (s.ok()) return fmt::format("valid with password \"{}\"", pw);
  }
  return fmt::format("INVALID with {} password(s) given", o.passwords.size());
}

// RFC 8489 §14.7: CRC-32 of the message up to the attribute, XOR 0x5354554e.
std::string fingerprint_verdict(Bytes msg, const stun::Attribute& a) {
  if (a.value.size() != 4) return "malformed (not 4 bytes)";
  uint32_t got = 0;
  if (!ByteReader(a.value).read_u32(got)) return "malformed";
  uint32_t want = stun::crc32(msg.first(a.offset)) ^ stun::kFingerprintXor;
  if (got == want) return fmt::format("CRC-32 ok (0x{:08x})", got);
  return fmt::format("CRC-32 MISMATCH: computed 0x{:08x}", want);
}

std::string text_value(const stun::Message& m, uint16_t type) {
  auto t = m.text(type);
  if (!t.ok()) return "invalid: " + error_text(t.error());
  return fmt::format("\"{}\"", *t);
}

std::string attribute_meaning(const stun::Message& m, const stun::Attribute& a, const Options& o) {
  switch (a.type) {
    case attr::kXorMappedAddress:
      return "XOR-decoded (port ^ 0x2112, address ^ cookie|txid): " + address_text(m.xor_address(a.type));
    case attr::kMappedAddress: case attr::kAlternateServer: return address_text(m.plain_address(a.type));
    case attr::kUsername: {
      auto t = m.text(a.type);
      if (!t.ok()) return "invalid: " + error_text(t.error());
      return fmt::format("\"{}\" (ICE: receiver's ufrag:sender's ufrag, RFC 8445 §7.2.2)", *t);
    }
    case attr::kSoftware: case attr::kRealm: case attr::kNonce: return text_value(m, a.type);
    case attr::kPriority: {
      auto pr = m.priority();
      if (!pr.ok()) return "invalid: " + error_text(pr.error());
      return fmt::format("{} (type preference {}, local preference {}, component {})", *pr, *pr >> 24,
                         (*pr >> 8) & 0xFFFF, 256 - (*pr & 0xFF));
    }
    case attr::kUseCandidate: return "empty: the controlling agent nominates this pair";
    case attr::kIceControlling: case attr::kIceControlled: {
      auto tb = m.tie_breaker(a.type);
      if (!tb.ok()) return "invalid: " + error_text(tb.error());
      return fmt::format("tie-breaker 0x{:016x} (role conflicts, RFC 8445 §7.3.1.1)", *tb);
    }
    case attr::kErrorCode: {
      auto ec = m.error_code();
      if (!ec.ok()) return "invalid: " + error_text(ec.error());
      return fmt::format("{} \"{}\"", ec->code, ec->reason);
    }
    case attr::kMessageIntegrity: return "HMAC-SHA1: " + integrity_verdict(m, false, o);
    case attr::kMessageIntegritySha256: return "HMAC-SHA256: " + integrity_verdict(m, true, o);
    case attr::kFingerprint: return fingerprint_verdict(m.bytes(), a);
    case attr::kUnknownAttributes: {
      auto list = m.unknown_attributes();
      if (!list.ok()) return "invalid: " + error_text(list.error());
      std::string s = "types";
      for (std::size_t i = 0; i < list->count; ++i) s += fmt::format(" 0x{:04x}", list->types[i]);
      return s;
    }
    default:
      if (attr::comprehension_required(a.type) && !attr::known_required(a.type))
        return "comprehension-required and unknown: a request with it gets 420 (RFC 8489 §6.3.1)";
      return fmt::format("{} bytes", a.value.size());
  }
}

// RFC 8489 §14.1-14.2: reserved, family, (X-)port, (X-)address. The XOR
// form hides the address from NATs that rewrite addresses in payloads.
void address_fields(Printer& p, const stun::Message& m, const stun::Attribute& a, bool xored, const std::string& rfc,
                    const std::string& parser) {
  Bytes v = a.value;
  uint16_t port = static_cast<uint16_t>(v[2] << 8 | v[3]);
  p.field(v.first(2), fmt::format("reserved, family 0x{:02x} ({})", v[1], v[1] == 1 ? "IPv4" : v[1] == 2 ? "IPv6" : "unknown"),
          rfc, parser);
  auto addr = xored ? m.xor_address(a.type) : m.plain_address(a.type);
  if (!addr.ok()) return p.field(v.subspan(2), "invalid: " + error_text(addr.error()), rfc, parser);
  if (xored)
    p.field(v.subspan(2, 2), fmt::format("X-Port 0x{:04x} ^ 0x2112 = {}", port, addr->port), rfc, parser);
  else
    p.field(v.subspan(2, 2), fmt::format("port {}", port), rfc, parser);
  char ip[kMaxAddrText];
  addr->format_ip(ip, sizeof ip);
  p.field(v.subspan(4), xored ? fmt::format("X-Address ^ {} = {}", v[1] == 1 ? "magic cookie" : "magic cookie||transaction id", ip)
                              : fmt::format("address {}", ip),
          rfc, parser);
}

// The ice::stun::Message function that reads each attribute's value.
std::string getter_name(uint16_t type) {
  switch (type) {
    case attr::kXorMappedAddress: return "ice::stun::Message::xor_address";
    case attr::kMappedAddress: case attr::kAlternateServer: return "ice::stun::Message::plain_address";
    case attr::kUsername: case attr::kSoftware: case attr::kRealm: case attr::kNonce: return "ice::stun::Message::text";
    case attr::kPriority: return "ice::stun::Message::priority";
    case attr::kIceControlling: case attr::kIceControlled: return "ice::stun::Message::tie_breaker";
    case attr::kErrorCode: return "ice::stun::Message::error_code";
    case attr::kUnknownAttributes: return "ice::stun::Message::unknown_attributes";
    case attr::kPasswordAlgorithm: return "ice::stun::Message::password_algorithm";
    case attr::kMessageIntegrity: return "ice::stun::Message::verify_integrity";
    case attr::kMessageIntegritySha256: return "ice::stun::Message::verify_integrity_sha256";
    case attr::kUseCandidate: return "ice::stun::Message::has";
    case attr::kFingerprint: return "ice::stun::Message::parse (checks it)";
    default: return "kept as bytes by ice::stun::Message::parse";
  }
}

void explain_attribute(Printer& p, const stun::Message& m, const stun::Attribute& a, const Options& o) {
  const AttrInfo* info = find_attr(a.type);
  std::string name = info != nullptr ? info->name : fmt::format("attribute 0x{:04x}", a.type);
  std::string rfc = info != nullptr ? info->rfc : "RFC 8489 §14";
  Bytes header = m.bytes().subspan(a.offset, 4);
  p.field(header, fmt::format("{} (type 0x{:04x}), length {}", name, a.type, a.value.size()), "RFC 8489 §14",
          kParse);
  Indented in(p);
  std::string parser = getter_name(a.type);
  bool xor_addr = a.type == attr::kXorMappedAddress;
  if ((xor_addr || a.type == attr::kMappedAddress || a.type == attr::kAlternateServer) && a.value.size() >= 8)
    address_fields(p, m, a, xor_addr, rfc, parser);
  else if (!a.value.empty()) p.field(a.value, attribute_meaning(m, a, o), rfc, parser);
  else p.note(attribute_meaning(m, a, o));
  std::size_t pad = (4 - a.value.size() % 4) % 4;
  std::size_t end = a.offset + 4u + a.value.size();
  if (pad != 0 && end + pad <= m.bytes().size())
    p.field(m.bytes().subspan(end, pad), "padding to a multiple of 4 bytes", "RFC 8489 §14", kParse);
}

void explain_header(Printer& p, Bytes msg) {
  ByteReader r(msg);
  uint16_t type = 0, len = 0;
  Bytes type_b = msg.first(2), len_b = msg.subspan(2, 2), cookie = msg.subspan(4, 4), txid = msg.subspan(8, 12);
  if (!r.read_u16(type) || !r.read_u16(len)) return;
  p.field(type_b,
          fmt::format("type 0x{:04x}: {} {} (method 0x{:03x}, class bits C1C0={})", type, method_name(stun::method_of(type)),
                      class_name(stun::class_of(type)), stun::method_of(type), static_cast<int>(stun::class_of(type))),
          "RFC 8489 §5", kParse);
  p.field(len_b, fmt::format("message length {} (bytes after this 20-byte header)", len), "RFC 8489 §5", kParse);
  p.field(cookie, "magic cookie 0x2112a442", "RFC 8489 §5", "ice::stun::Message::looks_like_stun");
  p.field(txid, "transaction id (matches a response to its request)", "RFC 8489 §5", kParse);
}

}  // namespace

void explain_stun(Printer& p, Bytes msg, const Options& o) {
  p.heading(fmt::format("STUN message, {} bytes  (RFC 8489; ICE connectivity check RFC 8445 §7)", msg.size()));
  Indented in(p);
  if (msg.size() < stun::kHeaderSize) {
    p.field(msg, "too short for a STUN header (20 bytes)", "RFC 8489 §5", "");
    return;
  }
  explain_header(p, msg);
  auto m = stun::Message::parse(msg);
  if (!m.ok()) {
    p.note("parse failed: " + error_text(m.error()) + " (keyway drops it)");
    p.field(msg.subspan(stun::kHeaderSize), "attributes (not explained: the message does not parse)", "RFC 8489 §14", kParse);
    return;
  }
  for (const stun::Attribute& a : m->attributes()) explain_attribute(p, *m, a, o);
}

}  // namespace keyway::explain
