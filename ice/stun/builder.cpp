// SPDX-License-Identifier: Apache-2.0
#include "keyway/ice/stun/builder.hpp"

#include <cstring>

#include "keyway/ice/stun/crc32.hpp"

namespace keyway::ice::stun {
namespace {
constexpr Error kNoRoom = make_error(Layer::ice, Code::buffer_too_small, "stun builder: message does not fit in the buffer");
}  // namespace

Builder::Builder(MutableBytes out, uint16_t type, const TransactionId& txid) : w_(out), txid_(txid) {
  w_.write_u16(type);
  w_.write_u16(0);  // length, kept current by update_length()
  w_.write_u32(kMagicCookie);
  w_.write_bytes(txid.bytes);
}

void Builder::update_length() {
  if (w_.failed()) return;
  w_.patch_u16(2, static_cast<uint16_t>(w_.size() - kHeaderSize));
}

// Writes the attribute header and reserves the padded value; returns the
// unpadded value span (padding is zero, RFC 8489 §14).
MutableBytes Builder::begin_attribute(uint16_t attr_type, std::size_t len) {
  MutableBytes value = open_attribute(attr_type, len);
  close_attribute(len);
  if (w_.failed()) return {};
  return value;
}

// Type, length and room for the value (RFC 8489 §14); close_attribute pads.
MutableBytes Builder::open_attribute(uint16_t attr_type, std::size_t len) {
  if (len > 0xFFFF) {
    w_.reserve_bytes(w_.available() + 1);  // forces the sticky failure
    return {};
  }
  w_.write_u16(attr_type);
  w_.write_u16(static_cast<uint16_t>(len));
  return w_.reserve_bytes(len);
}

// Zero padding to 4 bytes, and the header's length counts the attribute.
void Builder::close_attribute(std::size_t len) {
  w_.write_zeros((4 - len % 4) % 4);
  update_length();
}

// The value may sit later in this same buffer (TURN wraps a datagram in
// place): it is moved first and padded after, or the padding would land on
// the tail of the value before it moved.
void Builder::add_bytes(uint16_t attr_type, Bytes value) {
  MutableBytes v = open_attribute(attr_type, value.size());
  if (!w_.failed() && !v.empty()) std::memmove(v.data(), value.data(), value.size());
  close_attribute(value.size());
}

void Builder::add_text(uint16_t attr_type, std::string_view text) {
  add_bytes(attr_type, Bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

void Builder::add_u32(uint16_t attr_type, uint32_t v) {
  MutableBytes out = begin_attribute(attr_type, 4);
  if (!out.empty()) store_be32(out, 0, v);
}

void Builder::add_u64(uint16_t attr_type, uint64_t v) {
  MutableBytes out = begin_attribute(attr_type, 8);
  if (out.empty()) return;
  store_be32(out, 0, static_cast<uint32_t>(v >> 32));
  store_be32(out, 4, static_cast<uint32_t>(v));
}

// RFC 8489 §14.2: X-Port = port ^ (cookie >> 16); X-Address = address ^ (cookie || txid).
void Builder::add_xor_address(uint16_t attr_type, const SocketAddr& a) {
  SocketAddr masked = a;
  uint8_t mask[16];
  store_be32(MutableBytes(mask, 16), 0, kMagicCookie);
  std::memcpy(mask + 4, txid_.bytes, kTransactionIdSize);
  for (std::size_t i = 0; i < a.ip_len(); ++i) masked.ip[i] = static_cast<uint8_t>(a.ip[i] ^ mask[i]);
  masked.port = static_cast<uint16_t>(a.port ^ (kMagicCookie >> 16));
  add_plain_address(attr_type, masked);
}

// RFC 8489 §14.1: reserved byte, family (1 = IPv4, 2 = IPv6), port, address.
void Builder::add_plain_address(uint16_t attr_type, const SocketAddr& a) {
  MutableBytes out = begin_attribute(attr_type, 4 + a.ip_len());
  if (out.empty()) return;
  out[0] = 0;
  out[1] = a.family == Family::v4 ? 1 : 2;
  store_be16(out, 2, a.port);
  std::memcpy(out.data() + 4, a.ip, a.ip_len());
}

// RFC 8489 §14.8: class = code / 100 in bits 8-10, number = code % 100.
void Builder::add_error_code(uint16_t code, std::string_view reason) {
  MutableBytes out = begin_attribute(attr::kErrorCode, 4 + reason.size());
  if (out.empty()) return;
  out[0] = 0;
  out[1] = 0;
  out[2] = static_cast<uint8_t>((code / 100) & 0x07);
  out[3] = static_cast<uint8_t>(code % 100);
  if (!reason.empty()) std::memcpy(out.data() + 4, reason.data(), reason.size());
}

void Builder::add_unknown_attributes(std::span<const uint16_t> types) {
  MutableBytes out = begin_attribute(attr::kUnknownAttributes, 2 * types.size());
  for (std::size_t i = 0; i < types.size() && !out.empty(); ++i) store_be16(out, 2 * i, types[i]);
}

// RFC 8489 §14.5: the HMAC covers everything before the attribute, with the
// header length already counting the attribute (begin_attribute did that).
void Builder::add_message_integrity(const crypto::HmacSha1& key) {
  std::size_t at = w_.size();
  MutableBytes out = begin_attribute(attr::kMessageIntegrity, 20);
  if (out.empty()) return;
  uint8_t mac[crypto::HmacSha1::kDigestSize];
  key.mac(w_.written().first(at), mac);
  std::memcpy(out.data(), mac, sizeof mac);
}

void Builder::add_message_integrity_sha256(const crypto::HmacSha256& key) {
  std::size_t at = w_.size();
  MutableBytes out = begin_attribute(attr::kMessageIntegritySha256, 32);
  if (out.empty()) return;
  uint8_t mac[crypto::HmacSha256::kDigestSize];
  key.mac(w_.written().first(at), mac);
  std::memcpy(out.data(), mac, sizeof mac);
}

// RFC 8489 §14.7: CRC-32 of everything before the attribute, xor 0x5354554E.
void Builder::add_fingerprint() {
  std::size_t at = w_.size();
  MutableBytes out = begin_attribute(attr::kFingerprint, 4);
  if (out.empty()) return;
  store_be32(out, 0, crc32(w_.written().first(at)) ^ kFingerprintXor);
}

Result<Bytes> Builder::finish() const {
  if (w_.failed()) return kNoRoom;
  return w_.written();
}

}  // namespace keyway::ice::stun
