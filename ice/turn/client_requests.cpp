// SPDX-License-Identifier: Apache-2.0
// The TURN client's requests: Allocate, Refresh, CreatePermission and
// ChannelBind, each authenticated with the long-term credentials once the
// server has challenged (RFC 8489 §9.2.4), each ending in FINGERPRINT.
// A retransmission is the same request rebuilt: same transaction id, same
// attributes.
#include "keyway/ice/turn/client.hpp"

namespace keyway::ice::turn {
namespace {
constexpr uint8_t kProtocolUdp = 17;  // RFC 8656 §18.8: the IANA protocol number

uint32_t seconds_of(Duration d) { return static_cast<uint32_t>(d.as_micros() / 1000000); }
}  // namespace

void Client::finish_request(stun::Builder& b) const {
  if (credentials_.ready()) credentials_.authenticate(b);
  b.add_fingerprint();
}

Result<Bytes> Client::build_allocation_request(MutableBytes out) {
  uint16_t method = request_ == Request::allocate ? stun::kMethodAllocate : stun::kMethodRefresh;
  stun::Builder b(out, stun::message_type(method, stun::Class::request), allocation_.id());
  if (request_ == Request::allocate) {
    // RFC 8656 §7.1: REQUESTED-TRANSPORT is UDP whatever the transport to the server.
    uint8_t transport[4] = {kProtocolUdp, 0, 0, 0};
    b.add_bytes(stun::attr::kRequestedTransport, Bytes(transport, 4));
  }
  // RFC 8656 §8.1: LIFETIME 0 deletes the allocation.
  b.add_u32(stun::attr::kLifetime, request_ == Request::deallocate ? 0 : seconds_of(config_.lifetime));
  finish_request(b);
  return b.finish();
}

// RFC 8656 §9.1: one XOR-PEER-ADDRESS per permission (the port is ignored).
Result<Bytes> Client::build_permission(const Peer& p, MutableBytes out) {
  stun::Builder b(out, stun::message_type(stun::kMethodCreatePermission, stun::Class::request), p.permission.id());
  b.add_xor_address(stun::attr::kXorPeerAddress, p.addr);
  finish_request(b);
  return b.finish();
}

// RFC 8656 §12.1: CHANNEL-NUMBER (number, then 16 reserved bits) and the peer.
Result<Bytes> Client::build_channel_bind(const Peer& p, MutableBytes out) {
  stun::Builder b(out, stun::message_type(stun::kMethodChannelBind, stun::Class::request), p.bind.id());
  b.add_u32(stun::attr::kChannelNumber, uint32_t{p.channel} << 16);
  b.add_xor_address(stun::attr::kXorPeerAddress, p.addr);
  finish_request(b);
  return b.finish();
}

}  // namespace keyway::ice::turn
