// SPDX-License-Identifier: Apache-2.0
// STUN message builder (RFC 8489 §5, §14): writes a message into a caller's
// buffer, keeping the header length current after every attribute, then
// fills MESSAGE-INTEGRITY and FINGERPRINT after writing their placeholders:
//
//   header | attributes ... | MESSAGE-INTEGRITY (HMAC over all before it,
//   header length ending after it) | FINGERPRINT (CRC-32 of all before it,
//   header length ending after it, xor 0x5354554E)
//
// Errors are sticky (ByteWriter): check finish() once at the end.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "keyway/ice/address.hpp"
#include "keyway/ice/stun/attributes.hpp"
#include "keyway/ice/stun/message.hpp"
#include "keyway/lib/bytes.hpp"
#include "keyway/lib/crypto/hmac.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::ice::stun {

class Builder {
 public:
  Builder(MutableBytes out, uint16_t type, const TransactionId& txid);

  void add_bytes(uint16_t attr_type, Bytes value);
  void add_text(uint16_t attr_type, std::string_view text);
  void add_flag(uint16_t attr_type) { add_bytes(attr_type, {}); }  // e.g. USE-CANDIDATE
  void add_u32(uint16_t attr_type, uint32_t v);
  void add_u64(uint16_t attr_type, uint64_t v);
  void add_xor_address(uint16_t attr_type, const SocketAddr& a);
  void add_plain_address(uint16_t attr_type, const SocketAddr& a);
  void add_error_code(uint16_t code, std::string_view reason);
  void add_unknown_attributes(std::span<const uint16_t> types);

  void add_message_integrity(const crypto::HmacSha1& key);
  void add_message_integrity_sha256(const crypto::HmacSha256& key);
  void add_fingerprint();

  // The finished message, or an error if the buffer was too small.
  [[nodiscard]] Result<Bytes> finish() const;

 private:
  MutableBytes begin_attribute(uint16_t attr_type, std::size_t len);
  MutableBytes open_attribute(uint16_t attr_type, std::size_t len);
  void close_attribute(std::size_t len);
  void update_length();

  ByteWriter w_;
  TransactionId txid_;
};

}  // namespace keyway::ice::stun
