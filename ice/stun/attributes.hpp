// SPDX-License-Identifier: Apache-2.0
// STUN constants: message classes and methods, attribute types, error codes.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |0 0|     STUN Message Type     |         Message Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                         Magic Cookie                          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                     Transaction ID (96 bits)                  |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//                   RFC 8489 §5, Figure 2
#pragma once

#include <cstdint>

namespace keyway::ice::stun {

constexpr uint32_t kMagicCookie = 0x2112A442;  // RFC 8489 §5
constexpr std::size_t kHeaderSize = 20;
constexpr std::size_t kTransactionIdSize = 12;
constexpr uint32_t kFingerprintXor = 0x5354554E;  // RFC 8489 §14.7

enum class Class : uint8_t { request = 0, indication = 1, success = 2, error = 3 };
constexpr uint16_t kMethodBinding = 0x001;
// TURN methods, RFC 8656 §17.
constexpr uint16_t kMethodAllocate = 0x003;
constexpr uint16_t kMethodRefresh = 0x004;
constexpr uint16_t kMethodSend = 0x006;
constexpr uint16_t kMethodData = 0x007;
constexpr uint16_t kMethodCreatePermission = 0x008;
constexpr uint16_t kMethodChannelBind = 0x009;

// RFC 8489 §5 Figure 3: class bits C1 C0 sit at bits 8 and 4 of the type.
constexpr uint16_t message_type(uint16_t method, Class cls) {
  uint16_t c = static_cast<uint16_t>(cls);
  return static_cast<uint16_t>((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2) |
                               ((c & 1) << 4) | ((c & 2) << 7));
}
constexpr uint16_t method_of(uint16_t type) {
  return static_cast<uint16_t>((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));
}
constexpr Class class_of(uint16_t type) {
  return static_cast<Class>(((type >> 4) & 1) | ((type >> 7) & 2));
}

// Attribute types: RFC 8489 §18.3, RFC 8445 §16.1, RFC 8656 (TURN).
namespace attr {
constexpr uint16_t kMappedAddress = 0x0001;
constexpr uint16_t kUsername = 0x0006;
constexpr uint16_t kMessageIntegrity = 0x0008;
constexpr uint16_t kErrorCode = 0x0009;
constexpr uint16_t kUnknownAttributes = 0x000A;
constexpr uint16_t kChannelNumber = 0x000C;       // RFC 8656 §18.1
constexpr uint16_t kLifetime = 0x000D;            // RFC 8656 §18.2
constexpr uint16_t kXorPeerAddress = 0x0012;      // RFC 8656 §18.3
constexpr uint16_t kData = 0x0013;                // RFC 8656 §18.4
constexpr uint16_t kRealm = 0x0014;
constexpr uint16_t kNonce = 0x0015;
constexpr uint16_t kXorRelayedAddress = 0x0016;   // RFC 8656 §18.5
constexpr uint16_t kRequestedAddressFamily = 0x0017;  // RFC 8656 §18.6
constexpr uint16_t kEvenPort = 0x0018;            // RFC 8656 §18.7
constexpr uint16_t kRequestedTransport = 0x0019;  // RFC 8656 §18.8
constexpr uint16_t kDontFragment = 0x001A;        // RFC 8656 §18.9
constexpr uint16_t kMessageIntegritySha256 = 0x001C;
constexpr uint16_t kPasswordAlgorithm = 0x001D;
constexpr uint16_t kUserhash = 0x001E;
constexpr uint16_t kXorMappedAddress = 0x0020;
constexpr uint16_t kPriority = 0x0024;
constexpr uint16_t kReservationToken = 0x0022;    // RFC 8656 §18.10
constexpr uint16_t kUseCandidate = 0x0025;
constexpr uint16_t kPasswordAlgorithms = 0x8002;
constexpr uint16_t kAlternateDomain = 0x8003;
constexpr uint16_t kSoftware = 0x8022;
constexpr uint16_t kAlternateServer = 0x8023;
constexpr uint16_t kFingerprint = 0x8028;
constexpr uint16_t kIceControlled = 0x8029;
constexpr uint16_t kIceControlling = 0x802A;

// RFC 8489 §14: 0x0000-0x7FFF are comprehension-required.
constexpr bool comprehension_required(uint16_t type) { return type < 0x8000; }
// The comprehension-required types this codec understands for STUN and ICE
// (TURN's are listed by turn_known_required, so that a Binding request
// carrying, say, LIFETIME still draws a 420 as before).
constexpr bool known_required(uint16_t type) {
  switch (type) {
    case kMappedAddress: case kUsername: case kMessageIntegrity: case kErrorCode:
    case kUnknownAttributes: case kRealm: case kNonce: case kMessageIntegritySha256:
    case kPasswordAlgorithm: case kUserhash: case kXorMappedAddress: case kPriority:
    case kUseCandidate:
      return true;
    default:
      return false;
  }
}
// The comprehension-required TURN attributes a TURN client understands (RFC 8656 §18).
constexpr bool turn_known_required(uint16_t type) {
  switch (type) {
    case kChannelNumber: case kLifetime: case kXorPeerAddress: case kData: case kXorRelayedAddress:
    case kRequestedAddressFamily: case kEvenPort: case kRequestedTransport: case kDontFragment:
    case kReservationToken:
      return true;
    default:
      return known_required(type);
  }
}
}  // namespace attr

// Error codes used by ICE and TURN: RFC 8489 §14.8, RFC 8445 §7.3.1.1, RFC 8656 §19.
namespace error_code {
constexpr uint16_t kTryAlternate = 300;
constexpr uint16_t kBadRequest = 400;
constexpr uint16_t kUnauthorized = 401;
constexpr uint16_t kUnknownAttribute = 420;
constexpr uint16_t kRoleConflict = 487;
// TURN, RFC 8656 §19.
constexpr uint16_t kForbidden = 403;
constexpr uint16_t kAllocationMismatch = 437;
constexpr uint16_t kStaleNonce = 438;  // RFC 8489 §14.8
constexpr uint16_t kAddressFamilyNotSupported = 440;
constexpr uint16_t kWrongCredentials = 441;
constexpr uint16_t kUnsupportedTransport = 442;
constexpr uint16_t kPeerAddressFamilyMismatch = 443;
constexpr uint16_t kAllocationQuotaReached = 486;
constexpr uint16_t kInsufficientCapacity = 508;
constexpr uint16_t kServerError = 500;
}  // namespace error_code

}  // namespace keyway::ice::stun
