// SPDX-License-Identifier: Apache-2.0
#include "keyway/dtls/extensions.hpp"

#include "keyway/dtls/constants.hpp"

namespace keyway::dtls {

namespace {
constexpr uint8_t kPointFormatUncompressed = 0;  // ECPointFormat (RFC 8422 §5.1.2)

constexpr Error kDecode = make_error(Layer::dtls, Code::decode_error, "dtls hello: extensions block is malformed");
constexpr Error kDuplicate = make_error(Layer::dtls, Code::decode_error, "dtls hello: an extension appears twice");
constexpr Error kSrtp = make_error(Layer::dtls, Code::decode_error, "dtls hello: use_srtp extension is malformed (RFC 5764 §4.1.1)");
constexpr Error kList = make_error(Layer::dtls, Code::decode_error, "dtls hello: a u16 list extension is malformed");
constexpr Error kFormats = make_error(Layer::dtls, Code::decode_error, "dtls hello: ec_point_formats extension is malformed");
constexpr Error kEms = make_error(Layer::dtls, Code::decode_error, "dtls hello: extended_master_secret must be empty (RFC 7627 §5.1)");
constexpr Error kReneg = make_error(Layer::dtls, Code::decode_error, "dtls hello: renegotiation_info extension is malformed");

Status read_u16_list(ByteReader& body, SmallList<uint16_t>& out) {
  ByteReader list;
  ENSURE(body.read_prefixed16(list) && body.at_end(), kList);
  ENSURE(list.remaining() % 2 == 0, kList);
  while (!list.at_end()) {
    uint16_t v = 0;
    ENSURE(list.read_u16(v), kList);
    out.push(v);  // entries beyond the bound are dropped: we only look for ours
  }
  return ok_status();
}

Status parse_use_srtp(ByteReader& body, HelloExtensions& e) {
  ByteReader profiles;
  ByteReader mki;
  ENSURE(body.read_prefixed16(profiles) && profiles.remaining() >= 2 && profiles.remaining() % 2 == 0, kSrtp);
  ENSURE(body.read_prefixed8(mki) && body.at_end(), kSrtp);
  while (!profiles.at_end()) {
    uint16_t p = 0;
    ENSURE(profiles.read_u16(p), kSrtp);
    e.srtp_profiles.push(p);
  }
  e.srtp_mki = mki.rest();
  e.has_srtp = true;
  return ok_status();
}

Status parse_one(uint16_t type, ByteReader& body, HelloExtensions& e) {
  switch (type) {
    case static_cast<uint16_t>(ExtensionType::use_srtp):
      return parse_use_srtp(body, e);
    case static_cast<uint16_t>(ExtensionType::extended_master_secret):
      ENSURE(body.at_end(), kEms);
      e.ems = true;
      return ok_status();
    case static_cast<uint16_t>(ExtensionType::renegotiation_info): {
      ByteReader rc;
      ENSURE(body.read_prefixed8(rc) && body.at_end(), kReneg);
      e.has_renegotiation_info = true;
      e.renegotiated_connection = rc.rest();
      return ok_status();
    }
    case static_cast<uint16_t>(ExtensionType::supported_groups):
      e.has_groups = true;
      return read_u16_list(body, e.groups);
    case static_cast<uint16_t>(ExtensionType::signature_algorithms):
      e.has_signature_algorithms = true;
      return read_u16_list(body, e.signature_algorithms);
    case static_cast<uint16_t>(ExtensionType::ec_point_formats): {
      ByteReader formats;
      ENSURE(body.read_prefixed8(formats) && body.at_end() && !formats.at_end(), kFormats);
      e.has_point_formats = true;
      for (uint8_t f = 0; formats.read_u8(f);)
        if (f == kPointFormatUncompressed) e.uncompressed_points = true;
      return ok_status();
    }
    default:
      return ok_status();  // unknown: ignored (RFC 5246 §7.4.1.4)
  }
}

// Bit per known extension, to refuse duplicates.
uint32_t known_bit(uint16_t type) {
  switch (static_cast<ExtensionType>(type)) {
    case ExtensionType::supported_groups: return 1u << 0;
    case ExtensionType::ec_point_formats: return 1u << 1;
    case ExtensionType::signature_algorithms: return 1u << 2;
    case ExtensionType::use_srtp: return 1u << 3;
    case ExtensionType::extended_master_secret: return 1u << 4;
    case ExtensionType::renegotiation_info: return 1u << 5;
  }
  return 0;  // not one keyway knows
}
}  // namespace

Result<HelloExtensions> parse_extensions(ByteReader& r) {
  HelloExtensions e;
  if (r.at_end()) return e;
  ByteReader block;
  ENSURE(r.read_prefixed16(block) && r.at_end(), kDecode);
  uint32_t seen = 0;
  while (!block.at_end()) {
    uint16_t type = 0;
    ByteReader body;
    ENSURE(block.read_u16(type) && block.read_prefixed16(body), kDecode);
    uint32_t bit = known_bit(type);
    ENSURE((seen & bit) == 0, kDuplicate);
    seen |= bit;
    TRY(parse_one(type, body, e));
  }
  return e;
}

namespace {
void write_u16_list_ext(ByteWriter& w, ExtensionType type, const SmallList<uint16_t>& list) {
  w.write_u16(static_cast<uint16_t>(type));
  auto outer = w.begin_prefixed16();
  auto inner = w.begin_prefixed16();
  for (std::size_t i = 0; i < list.count; ++i) w.write_u16(list.items[i]);
  w.end_prefixed(inner);
  w.end_prefixed(outer);
}
}  // namespace

void write_extensions(ByteWriter& w, const HelloExtensions& e) {
  auto block = w.begin_prefixed16();
  if (e.has_point_formats) {
    w.write_u16(static_cast<uint16_t>(ExtensionType::ec_point_formats));
    w.write_u16(2);  // extension length: the list length byte and one format
    w.write_u8(1);
    w.write_u8(kPointFormatUncompressed);
  }
  if (e.has_groups) write_u16_list_ext(w, ExtensionType::supported_groups, e.groups);
  if (e.has_signature_algorithms) write_u16_list_ext(w, ExtensionType::signature_algorithms, e.signature_algorithms);
  if (e.has_srtp) {
    w.write_u16(static_cast<uint16_t>(ExtensionType::use_srtp));
    auto ext = w.begin_prefixed16();
    auto list = w.begin_prefixed16();
    for (std::size_t i = 0; i < e.srtp_profiles.count; ++i) w.write_u16(e.srtp_profiles.items[i]);
    w.end_prefixed(list);
    auto mki = w.begin_prefixed8();
    w.write_bytes(e.srtp_mki);
    w.end_prefixed(mki);
    w.end_prefixed(ext);
  }
  if (e.ems) {
    w.write_u16(static_cast<uint16_t>(ExtensionType::extended_master_secret));
    w.write_u16(0);
  }
  if (e.has_renegotiation_info) {
    w.write_u16(static_cast<uint16_t>(ExtensionType::renegotiation_info));
    auto ext = w.begin_prefixed16();
    auto rc = w.begin_prefixed8();
    w.write_bytes(e.renegotiated_connection);
    w.end_prefixed(rc);
    w.end_prefixed(ext);
  }
  w.write_bytes(e.raw_extensions);
  w.end_prefixed(block);
}

}  // namespace keyway::dtls
