// SPDX-License-Identifier: Apache-2.0
#include "keyway/ice/stun/message.hpp"

#include <cstring>

#include "keyway/ice/stun/crc32.hpp"

namespace keyway::ice::stun {
namespace {

constexpr Error err(Code code, const char* detail) { return make_error(Layer::ice, code, detail); }

constexpr Error kShort = err(Code::truncated, "stun: datagram shorter than the 20-byte header");
constexpr Error kTopBits = err(Code::malformed, "stun: the two most significant bits of the type are not zero");
constexpr Error kCookie = err(Code::malformed, "stun: magic cookie is not 0x2112A442");
constexpr Error kLenAlign = err(Code::malformed, "stun: message length is not a multiple of 4");
constexpr Error kLenMismatch = err(Code::malformed, "stun: message length does not match the datagram size");
constexpr Error kAttrRunsPast = err(Code::truncated, "stun: attribute value runs past the end of the message");
constexpr Error kPadMissing = err(Code::truncated, "stun: attribute padding runs past the end of the message");
constexpr Error kTooMany = err(Code::capacity, "stun: more attributes than the parser holds (24)");
constexpr Error kAfterFp = err(Code::malformed, "stun: attribute after FINGERPRINT");
constexpr Error kFpLen = err(Code::malformed, "stun: FINGERPRINT value is not 4 bytes");
constexpr Error kFpBad = err(Code::auth_failed, "stun: FINGERPRINT does not match the CRC-32 of the message");
constexpr Error kMiLen = err(Code::malformed, "stun: MESSAGE-INTEGRITY value is not 20 bytes");
constexpr Error kMi256Len = err(Code::malformed, "stun: MESSAGE-INTEGRITY-SHA256 length is not 16..32 and a multiple of 4");
constexpr Error kMissing = err(Code::malformed, "stun: attribute not present");
constexpr Error kAddrFamily = err(Code::malformed, "stun: address family is neither 0x01 (IPv4) nor 0x02 (IPv6)");
constexpr Error kAddrLen = err(Code::malformed, "stun: address length does not match its family (8 or 20 bytes)");
constexpr Error kTextLong = err(Code::malformed, "stun: text attribute longer than RFC 8489 allows");
constexpr Error kPriorityLen = err(Code::malformed, "stun: PRIORITY value is not 4 bytes");
constexpr Error kU32Len = err(Code::malformed, "stun: LIFETIME/CHANNEL-NUMBER value is not 4 bytes");
constexpr Error kTieLen = err(Code::malformed, "stun: ICE-CONTROLLING/ICE-CONTROLLED value is not 8 bytes");
constexpr Error kErrLen = err(Code::malformed, "stun: ERROR-CODE value shorter than 4 bytes");
constexpr Error kErrClass = err(Code::malformed, "stun: ERROR-CODE class is not 3..6 or number is above 99");
constexpr Error kErrReason = err(Code::malformed, "stun: ERROR-CODE reason phrase longer than 763 bytes");
constexpr Error kUnknownLen = err(Code::malformed, "stun: UNKNOWN-ATTRIBUTES length is odd");
constexpr Error kPwAlgLen = err(Code::malformed, "stun: PASSWORD-ALGORITHM parameters run past the value");
constexpr Error kNoMi = err(Code::auth_failed, "stun: no MESSAGE-INTEGRITY attribute");
constexpr Error kNoMi256 = err(Code::auth_failed, "stun: no MESSAGE-INTEGRITY-SHA256 attribute");
constexpr Error kMiBad = err(Code::auth_failed, "stun: MESSAGE-INTEGRITY does not verify");

// Max value sizes in bytes: RFC 8489 §14.3 (USERNAME), §14.9 (REALM), §14.10 (NONCE), §14.14 (SOFTWARE).
std::size_t max_text_len(uint16_t type) {
  switch (type) {
    case attr::kUsername: return 512;
    case attr::kRealm: case attr::kNonce: case attr::kSoftware: return 763;
    default: return 763;
  }
}

// The header with its length field set to end right after the attribute at
// offset whose value is value_len bytes (RFC 8489 §14.5).
void adjusted_header(Bytes msg, std::size_t offset, std::size_t value_len, uint8_t out[kHeaderSize]) {
  std::memcpy(out, msg.data(), kHeaderSize);
  auto len = static_cast<uint16_t>(offset - kHeaderSize + 4 + value_len);
  store_be16(MutableBytes(out, kHeaderSize), 2, len);
}

}  // namespace

bool Message::looks_like_stun(Bytes d) {
  return d.size() >= kHeaderSize && (d[0] & 0xC0) == 0 && load_be32(d, 4) == kMagicCookie;
}

Result<Message> Message::parse(Bytes datagram) {
  ByteReader r(datagram);
  uint16_t type = 0, length = 0;
  uint32_t cookie = 0;
  Message m;
  if (!r.read_u16(type) || !r.read_u16(length) || !r.read_u32(cookie) || !r.copy_bytes(m.txid_.bytes))
    return kShort;
  ENSURE((type & 0xC000) == 0, kTopBits);
  ENSURE(cookie == kMagicCookie, kCookie);
  ENSURE(length % 4 == 0, kLenAlign);
  ENSURE(r.remaining() == length, kLenMismatch);
  m.bytes_ = datagram;
  m.type_ = type;
  TRY(m.parse_attributes(r));
  return m;
}

Status Message::parse_attributes(ByteReader& body) {
  bool after_mi = false, after_mi256 = false;
  while (!body.at_end()) {
    auto offset = static_cast<uint16_t>(body.position() - bytes_.data());
    uint16_t type = 0, len = 0;
    Bytes value;
    if (!body.read_u16(type) || !body.read_u16(len)) return kAttrRunsPast;
    if (!body.read_bytes(len, value)) return kAttrRunsPast;
    if (!body.skip((4 - len % 4) % 4)) return kPadMissing;  // padding may hold any value (§14)
    if (type == attr::kFingerprint) {
      ENSURE(len == 4, kFpLen);
      ENSURE(body.at_end(), kAfterFp);  // §14.7: FINGERPRINT is the last attribute
      uint32_t want = crc32(bytes_.first(offset)) ^ kFingerprintXor;
      ENSURE(kFuzzing || load_be32(value, 0) == want, kFpBad);  // lib/fuzzing.hpp
    } else if (type == attr::kMessageIntegrity) {
      ENSURE(len == 20, kMiLen);
      if (after_mi || after_mi256) continue;  // §14.5: ignore what follows, bar FINGERPRINT
    } else if (type == attr::kMessageIntegritySha256) {
      ENSURE(len >= 16 && len <= 32 && len % 4 == 0, kMi256Len);
      if (after_mi256) continue;
    } else if (after_mi || after_mi256) {
      continue;  // §14.5/§14.6: attributes after the integrity attribute are ignored
    }
    ENSURE(count_ < kMaxAttributes, kTooMany);
    attrs_[count_++] = Attribute{type, offset, value};
    if (type == attr::kMessageIntegrity) after_mi = true;
    if (type == attr::kMessageIntegritySha256) after_mi256 = true;
  }
  return ok_status();
}

const Attribute* Message::find(uint16_t attr_type) const {
  for (std::size_t i = 0; i < count_; ++i)
    if (attrs_[i].type == attr_type) return &attrs_[i];
  return nullptr;
}

// RFC 8489 §14.1 / §14.2: family, port and address; the XOR form masks the
// port and address with the cookie (and, for IPv6, the transaction id).
static Result<SocketAddr> decode_address(Bytes v, const TransactionId* xor_txid) {
  ByteReader r(v);
  uint8_t reserved = 0, family = 0;
  uint16_t port = 0;
  if (!r.read_u8(reserved) || !r.read_u8(family) || !r.read_u16(port)) return kAddrLen;
  ENSURE(family == 1 || family == 2, kAddrFamily);
  std::size_t ip_len = family == 1 ? 4 : 16;
  ENSURE(r.remaining() == ip_len, kAddrLen);
  SocketAddr a;
  a.family = family == 1 ? Family::v4 : Family::v6;
  if (!r.copy_bytes(MutableBytes(a.ip, ip_len))) return kAddrLen;
  a.port = port;
  if (xor_txid != nullptr) {
    uint8_t mask[16];
    store_be32(MutableBytes(mask, 16), 0, kMagicCookie);
    std::memcpy(mask + 4, xor_txid->bytes, kTransactionIdSize);
    for (std::size_t i = 0; i < ip_len; ++i) a.ip[i] ^= mask[i];
    a.port = static_cast<uint16_t>(port ^ (kMagicCookie >> 16));
  }
  return a;
}

Result<SocketAddr> Message::xor_address(uint16_t attr_type) const {
  const Attribute* a = find(attr_type);
  ENSURE(a != nullptr, kMissing);
  return decode_address(a->value, &txid_);
}

Result<SocketAddr> Message::plain_address(uint16_t attr_type) const {
  const Attribute* a = find(attr_type);
  ENSURE(a != nullptr, kMissing);
  return decode_address(a->value, nullptr);
}

Result<std::string_view> Message::text(uint16_t attr_type) const {
  const Attribute* a = find(attr_type);
  ENSURE(a != nullptr, kMissing);
  ENSURE(a->value.size() <= max_text_len(attr_type), kTextLong);
  return std::string_view(reinterpret_cast<const char*>(a->value.data()), a->value.size());
}

Result<uint32_t> Message::priority() const {
  const Attribute* a = find(attr::kPriority);
  ENSURE(a != nullptr, kMissing);
  ENSURE(a->value.size() == 4, kPriorityLen);
  return load_be32(a->value, 0);
}

Result<uint64_t> Message::tie_breaker(uint16_t attr_type) const {
  const Attribute* a = find(attr_type);
  ENSURE(a != nullptr, kMissing);
  ENSURE(a->value.size() == 8, kTieLen);
  return (uint64_t{load_be32(a->value, 0)} << 32) | load_be32(a->value, 4);
}

Result<ErrorCodeValue> Message::error_code() const {
  const Attribute* a = find(attr::kErrorCode);
  ENSURE(a != nullptr, kMissing);
  ENSURE(a->value.size() >= 4, kErrLen);
  uint8_t cls = a->value[2] & 0x07;  // §14.8: 21 reserved bits, class, number
  uint8_t number = a->value[3];
  ENSURE(cls >= 3 && cls <= 6 && number <= 99, kErrClass);
  ENSURE(a->value.size() - 4 <= 763, kErrReason);
  ErrorCodeValue e;
  e.code = static_cast<uint16_t>(cls * 100 + number);
  e.reason = std::string_view(reinterpret_cast<const char*>(a->value.data() + 4), a->value.size() - 4);
  return e;
}

Result<AttributeTypeList> Message::unknown_attributes() const {
  const Attribute* a = find(attr::kUnknownAttributes);
  ENSURE(a != nullptr, kMissing);
  ENSURE(a->value.size() % 2 == 0, kUnknownLen);
  AttributeTypeList list;
  ByteReader r(a->value);
  uint16_t t = 0;
  while (r.read_u16(t)) list.push(t);
  return list;
}

Result<PasswordAlgorithm> Message::password_algorithm() const {
  const Attribute* a = find(attr::kPasswordAlgorithm);
  ENSURE(a != nullptr, kMissing);
  ByteReader r(a->value);
  PasswordAlgorithm p;
  uint16_t plen = 0;
  if (!r.read_u16(p.algorithm) || !r.read_u16(plen) || !r.read_bytes(plen, p.parameters)) return kPwAlgLen;
  return p;
}

Result<uint32_t> Message::u32(uint16_t attr_type) const {
  const Attribute* a = find(attr_type);
  ENSURE(a != nullptr, kMissing);
  ENSURE(a->value.size() == 4, kU32Len);
  return load_be32(a->value, 0);
}

AttributeTypeList Message::unknown_required(bool (*known)(uint16_t)) const {
  AttributeTypeList list;
  for (std::size_t i = 0; i < count_; ++i) {
    uint16_t t = attrs_[i].type;
    if (attr::comprehension_required(t) && !known(t)) list.push(t);
  }
  return list;
}

Status Message::verify_integrity(const crypto::HmacSha1& key) const {
  const Attribute* a = find(attr::kMessageIntegrity);
  ENSURE(a != nullptr, kNoMi);
  uint8_t header[kHeaderSize];
  adjusted_header(bytes_, a->offset, 20, header);
  auto mac = key.begin();
  mac.update(header);
  mac.update(bytes_.subspan(kHeaderSize, a->offset - kHeaderSize));
  uint8_t out[crypto::HmacSha1::kDigestSize];
  mac.finish(out);
  ENSURE(crypto::verify_mac(out, a->value), kMiBad);
  return ok_status();
}

Status Message::verify_integrity_sha256(const crypto::HmacSha256& key) const {
  const Attribute* a = find(attr::kMessageIntegritySha256);
  ENSURE(a != nullptr, kNoMi256);
  uint8_t header[kHeaderSize];
  adjusted_header(bytes_, a->offset, a->value.size(), header);
  auto mac = key.begin();
  mac.update(header);
  mac.update(bytes_.subspan(kHeaderSize, a->offset - kHeaderSize));
  uint8_t out[crypto::HmacSha256::kDigestSize];
  mac.finish(out);
  ENSURE(crypto::verify_mac(Bytes(out, a->value.size()), a->value), kMiBad);  // §14.6: may be truncated
  return ok_status();
}

}  // namespace keyway::ice::stun
