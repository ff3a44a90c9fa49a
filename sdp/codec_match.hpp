// SPDX-License-Identifier: Apache-2.0
// Internal to sdp/: choosing codecs from an offer by local preference
// (RFC 3264 §6.1: the answer lists a subset of the offered formats and keeps
// their payload types).
#pragma once

#include <array>
#include <cstddef>

#include "keyway/sdp/negotiate.hpp"

namespace keyway::sdp::detail {

struct ChosenCodec {
  uint8_t payload_type = 0;
  RtpMap rtpmap;               // as offered (or the RFC 3551 static mapping)
  std::string_view fmtp;       // the offer's fmtp parameters for this type
  const Codec* preference = nullptr;
};

struct ChosenCodecs {
  static constexpr std::size_t kMax = 16;
  std::array<ChosenCodec, kMax> list{};
  std::size_t count = 0;
  bool contains(uint8_t pt) const;
};

// Picks, in preference order, the first offered format matching each
// preferred codec; "rtx" entries only when their apt= names a chosen codec.
ChosenCodecs choose_codecs(const MediaDescription& offer, std::span<const Codec> preferences);

}  // namespace keyway::sdp::detail
