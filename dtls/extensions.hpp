// SPDX-License-Identifier: Apache-2.0
// Hello extensions keyway understands (RFC 5246 §7.4.1.4). Everything else is
// skipped, wherever it appears (Chrome randomises the order and sends
// TLS 1.3 ones such as key_share and supported_versions).
//
//   struct { ExtensionType extension_type; opaque extension_data<0..2^16-1>; } Extension;
//
//   use_srtp (RFC 5764 §4.1.1):
//     SRTPProtectionProfile SRTPProtectionProfiles<2..2^16-1>; opaque srtp_mki<0..255>;
//   extended_master_secret (RFC 7627 §5.1): empty
//   renegotiation_info (RFC 5746 §3.2): opaque renegotiated_connection<0..255>
//   supported_groups (RFC 8422 §5.1.1): NamedGroup named_group_list<2..2^16-1>
//   ec_point_formats (RFC 8422 §5.1.2): ECPointFormat ec_point_format_list<1..2^8-1>
//   signature_algorithms (RFC 5246 §7.4.1.4.1): SignatureAndHashAlgorithm <2..2^16-2>
#pragma once

#include <cstdint>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/containers/small_list.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::dtls {

// Entries kept from each list in a hello (suites, groups, SRTP profiles,
// signature schemes); later ones are dropped.
constexpr std::size_t kMaxListEntries = 32;

template <typename T>
using SmallList = keyway::SmallList<T, kMaxListEntries>;

struct HelloExtensions {
  bool has_srtp = false;
  SmallList<uint16_t> srtp_profiles;
  Bytes srtp_mki;
  bool ems = false;
  bool has_renegotiation_info = false;
  Bytes renegotiated_connection;
  bool has_groups = false;
  SmallList<uint16_t> groups;
  bool has_point_formats = false;
  bool uncompressed_points = false;
  bool has_signature_algorithms = false;
  SmallList<uint16_t> signature_algorithms;
  // Written as they are at the end of the block (the DTLS 1.3 offer of a
  // 1.2 ClientHello: supported_versions and key_share, dtls/negotiation.cpp);
  // never filled by parse_extensions.
  Bytes raw_extensions;
};

// Parses the extensions block (after the fixed hello fields); an absent
// block (at_end) is valid and yields no extensions.
[[nodiscard]] Result<HelloExtensions> parse_extensions(ByteReader& r);

// Writes an extensions block from `e` (only the fields marked present).
void write_extensions(ByteWriter& w, const HelloExtensions& e);

}  // namespace keyway::dtls
