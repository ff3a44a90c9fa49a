// SPDX-License-Identifier: Apache-2.0
// STUN message view (RFC 8489 §5, §14): parse a datagram into a header and
// a list of attributes that borrow the datagram's bytes (no copy).
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |         Type                  |            Length             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                         Value (variable)                ....
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//                   RFC 8489 §14, Figure 4 (padded to 4 bytes)
//
// parse() checks the structure: the header, every attribute's bounds and
// padding, the fixed sizes of the integrity and fingerprint attributes, the
// FINGERPRINT value and that nothing follows it. Attribute contents are
// checked by the typed getters, which return precise errors.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "keyway/ice/address.hpp"
#include "keyway/ice/stun/attributes.hpp"
#include "keyway/lib/bytes.hpp"
#include "keyway/lib/crypto/hmac.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::ice::stun {

struct TransactionId {
  uint8_t bytes[kTransactionIdSize] = {};
  friend bool operator==(const TransactionId& a, const TransactionId& b) {
    for (std::size_t i = 0; i < kTransactionIdSize; ++i)
      if (a.bytes[i] != b.bytes[i]) return false;
    return true;
  }
};

struct Attribute {
  uint16_t type = 0;
  uint16_t offset = 0;  // where the attribute's 4-byte header starts in the message
  Bytes value{};
};

struct ErrorCodeValue {
  uint16_t code = 0;  // 300..699
  std::string_view reason{};
};

// UNKNOWN-ATTRIBUTES (RFC 8489 §14.9): a bounded list of types.
struct AttributeTypeList {
  static constexpr std::size_t kMax = 16;
  uint16_t types[kMax] = {};
  std::size_t count = 0;
  void push(uint16_t t) {
    if (count < kMax) types[count++] = t;
  }
};

// PASSWORD-ALGORITHM (RFC 8489 §14.12): parsed for later TURN work.
struct PasswordAlgorithm {
  uint16_t algorithm = 0;  // 1 = MD5, 2 = SHA-256
  Bytes parameters{};
};

class Message {
 public:
  static constexpr std::size_t kMaxAttributes = 24;

  // RFC 7983 §7 + RFC 8489 §5: first two bits zero and the magic cookie.
  static bool looks_like_stun(Bytes datagram);
  [[nodiscard]] static Result<Message> parse(Bytes datagram);

  uint16_t type() const { return type_; }
  uint16_t method() const { return method_of(type_); }
  Class message_class() const { return class_of(type_); }
  const TransactionId& transaction_id() const { return txid_; }
  Bytes bytes() const { return bytes_; }
  std::span<const Attribute> attributes() const { return {attrs_, count_}; }

  // The first attribute of a type (later duplicates are ignored, RFC 8489 §14).
  const Attribute* find(uint16_t attr_type) const;
  bool has(uint16_t attr_type) const { return find(attr_type) != nullptr; }

  [[nodiscard]] Result<SocketAddr> xor_address(uint16_t attr_type) const;  // XOR-MAPPED-ADDRESS
  [[nodiscard]] Result<SocketAddr> plain_address(uint16_t attr_type) const;  // MAPPED-ADDRESS, ALTERNATE-SERVER
  [[nodiscard]] Result<std::string_view> text(uint16_t attr_type) const;  // USERNAME, SOFTWARE, REALM, NONCE
  [[nodiscard]] Result<uint32_t> priority() const;
  [[nodiscard]] Result<uint64_t> tie_breaker(uint16_t attr_type) const;  // ICE-CONTROLLING / -CONTROLLED
  [[nodiscard]] Result<ErrorCodeValue> error_code() const;
  [[nodiscard]] Result<AttributeTypeList> unknown_attributes() const;
  [[nodiscard]] Result<PasswordAlgorithm> password_algorithm() const;

  [[nodiscard]] Result<uint32_t> u32(uint16_t attr_type) const;  // LIFETIME, CHANNEL-NUMBER (RFC 8656 §18)

  // Comprehension-required types this codec does not know (RFC 8489 §6.3.1);
  // the second form takes the list of known types (attr::turn_known_required).
  AttributeTypeList unknown_required() const { return unknown_required(attr::known_required); }
  AttributeTypeList unknown_required(bool (*known)(uint16_t)) const;

  // RFC 8489 §14.5 / §14.6: HMAC over the message up to the integrity
  // attribute, with the header length adjusted to end just after it.
  [[nodiscard]] Status verify_integrity(const crypto::HmacSha1& key) const;
  [[nodiscard]] Status verify_integrity_sha256(const crypto::HmacSha256& key) const;

 private:
  [[nodiscard]] Status parse_attributes(ByteReader& body);

  Bytes bytes_{};
  uint16_t type_ = 0;
  TransactionId txid_{};
  Attribute attrs_[kMaxAttributes];
  std::size_t count_ = 0;
};

}  // namespace keyway::ice::stun
