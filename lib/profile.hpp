// SPDX-License-Identifier: Apache-2.0
// The build profile (meson -Dprofile=full|minimal; docs/embedding.md). The
// minimal profile leaves out what a device does not need. Code tests these
// constants in a plain `if`: what a profile leaves out is dead code, and the
// linker (--gc-sections) drops it. The full profile (the default) keeps all.
#pragma once

namespace keyway::profile {

#if KEYWAY_PROFILE_MINIMAL
inline constexpr bool kMinimal = true;
#else
inline constexpr bool kMinimal = false;
#endif
// The device variant of the minimal profile (KEYWAY_PROFILE_DEVICE, with
// KEYWAY_PROFILE_MINIMAL; ports/qemu-m4 builds it for the device image): only
// the roles a device that answers an offer plays. RFC 5763 §5 lets the
// answerer pick a=setup:active, so it is the DTLS client; it runs ICE-lite.
#if KEYWAY_PROFILE_DEVICE
static_assert(KEYWAY_PROFILE_MINIMAL, "KEYWAY_PROFILE_DEVICE is a variant of the minimal profile");
inline constexpr bool kDevice = true;
#else
inline constexpr bool kDevice = false;
#endif

// TURN relays (ice/turn, RFC 8656): Agent::add_turn_server fails without them.
inline constexpr bool kTurn = !kMinimal;
// SRTP's AES-CM + HMAC-SHA1 profiles (RFC 3711); without them AEAD_AES_*_GCM only (RFC 7714).
inline constexpr bool kSrtpCm = !kMinimal;
// DTLS 1.3 (issue 18, dtls/v13/): without it a dtls::Endpoint ignores
// Config::offer_dtls13, never offers 1.3 and answers a 1.3 + 1.2 ClientHello
// in 1.2 (dtls/negotiation.cpp); nothing of dtls/v13/ is linked.
inline constexpr bool kDtls13 = !kMinimal;
// Error::detail texts (lib/result.hpp make_error); without them "" (layer and code stay).
inline constexpr bool kErrorText = !kMinimal;
// Trace lines (lib/trace.hpp tracef, Config::trace sinks: the demo's
// ladder, keyway-explain); without them a sink is never called.
inline constexpr bool kTrace = !kMinimal;
// SHA-384 in the DTLS 1.2 handshake transcript (the *_SHA384 suites); the
// minimal profile's one suite hashes with SHA-256 only.
inline constexpr bool kSha384Transcript = !kMinimal;
// The full ICE agent (RFC 8445: gathering, checks, nomination, consent
// checks); without it every ice::Agent is lite (§2.5) whatever Config::lite says.
inline constexpr bool kIceFull = !kDevice;
// The DTLS server role: without it a dtls::Endpoint configured as server
// fails at once (peer::Connection refuses an offer with a=setup:active first).
inline constexpr bool kDtlsServer = !kDevice;
// RSA public keys (lib/crypto/rsa.cpp compiles its verifiers out without
// them): the minimal profile's one suite is ECDHE-ECDSA, so a peer
// certificate with an RSA key is refused as unsupported when it is parsed.
inline constexpr bool kRsa = !kMinimal;
// X.509 details a WebRTC peer's certificate is not trusted for: its validity
// dates (RFC 5280 §4.1.2.5) and the contents of its extensions (§4.2).
// Without them both are still framed and tag-checked as DER (the parser
// steps over them safely) but not looked into: the peer is pinned by the
// a=fingerprint over its whole DER (RFC 8122 §5, RFC 5763 §5), keyway acts
// on neither dates nor extensions, and the handshake needs only the public
// key (dtls/x509/certificate.cpp); CertificateView's dates stay 0.
inline constexpr bool kX509Details = !kMinimal;
// STUN FINGERPRINT's CRC-32 with four 1 KiB tables (slicing-by-4); without
// them a 64-byte table, four bits at a time (ice/stun/crc32.cpp).
inline constexpr bool kFastCrc32 = !kMinimal;

}  // namespace keyway::profile
