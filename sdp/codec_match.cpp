// SPDX-License-Identifier: Apache-2.0
#include "keyway/sdp/codec_match.hpp"

#include "keyway/sdp/lexer.hpp"

namespace keyway::sdp::detail {
namespace {

struct StaticType {
  uint8_t pt;
  const char* name;
  uint32_t clock;
};
// RFC 3551 §6: static payload types that may appear without an rtpmap.
constexpr StaticType kStatic[] = {{0, "PCMU", 8000}, {3, "GSM", 8000}, {8, "PCMA", 8000},
                                  {9, "G722", 8000}, {13, "CN", 8000}, {18, "G729", 8000}};

// Where each payload type's a=rtpmap and a=fmtp are, built in one pass so
// matching costs O(formats x preferences) rather than a scan per lookup.
struct FormatIndex {
  static constexpr uint16_t kNone = 0xFFFF;
  std::array<uint16_t, 128> rtpmap{};
  std::array<uint16_t, 128> fmtp{};

  explicit FormatIndex(const MediaDescription& m) {
    rtpmap.fill(kNone);
    fmtp.fill(kNone);
    for (std::size_t i = 0; i < m.attributes.size() && i < kNone; ++i) {
      const Attribute& a = m.attributes[i];
      bool is_map = a.name == "rtpmap", is_fmtp = a.name == "fmtp";
      if (!is_map && !is_fmtp) continue;
      std::string_view pt_text = a.value, rest;
      split_once(a.value, ' ', pt_text, rest);
      uint8_t pt = 0;
      if (!parse_u8(pt_text, pt) || pt > 127) continue;
      uint16_t& slot = is_map ? rtpmap[pt] : fmtp[pt];
      if (slot == kNone) slot = static_cast<uint16_t>(i);  // the first line for a type wins
    }
  }
};

bool offered_rtpmap(const MediaDescription& m, const FormatIndex& index, uint8_t pt, RtpMap& out) {
  if (index.rtpmap[pt] != FormatIndex::kNone) {
    auto r = parse_rtpmap(m.attributes[index.rtpmap[pt]].value);
    if (!r.ok()) return false;
    out = *r;
    return true;
  }
  for (const StaticType& s : kStatic) {
    if (s.pt != pt) continue;
    out = RtpMap{pt, s.name, s.clock, 1, false};
    return true;
  }
  return false;
}

std::string_view offered_fmtp(const MediaDescription& m, const FormatIndex& index, uint8_t pt) {
  if (index.fmtp[pt] == FormatIndex::kNone) return {};
  auto f = parse_fmtp(m.attributes[index.fmtp[pt]].value);
  return f.ok() ? f->parameters : std::string_view{};
}

// Takes the next item, trimmed, of a ';'-separated parameter list; false at its end.
bool next_parameter(std::string_view& list, std::string_view& item) {
  if (list.empty()) return false;
  std::string_view tail;
  if (!split_once(list, ';', item, tail)) item = list;
  item = trim(item);
  list = tail;
  return true;
}

// True if the ';'-separated parameter list has this exact "key=value" item.
bool has_parameter(std::string_view list, std::string_view item) {
  std::string_view head;
  while (next_parameter(list, head))
    if (head == item) return true;
  return false;
}

bool has_all_parameters(std::string_view offered, std::string_view required) {
  std::string_view head;
  while (next_parameter(required, head))
    if (!head.empty() && !has_parameter(offered, head)) return false;
  return true;
}

// RFC 4588 §8.1: "apt=<associated payload type>" names the codec an rtx format repairs.
bool rtx_apt(std::string_view fmtp, uint8_t& apt) {
  std::string_view head;
  return next_parameter(fmtp, head) && head.starts_with("apt=") && parse_u8(head.substr(4), apt);
}

bool matches(const RtpMap& map, const Codec& c) {
  return iequals(map.encoding, c.name) && map.clock_rate == c.clock_rate && map.channels == c.channels;
}

}  // namespace

bool ChosenCodecs::contains(uint8_t pt) const {
  for (std::size_t i = 0; i < count; ++i)
    if (list[i].payload_type == pt) return true;
  return false;
}

ChosenCodecs choose_codecs(const MediaDescription& offer, std::span<const Codec> preferences) {
  ChosenCodecs out;
  const FormatIndex index(offer);
  // Two rounds: media codecs, then "rtx" whose apt must be chosen (RFC 4588 §8.1).
  for (int round = 0; round < 2; ++round) {
    for (const Codec& pref : preferences) {
      bool is_rtx = iequals(pref.name, "rtx");
      if (is_rtx != (round == 1)) continue;
      Tokens formats(offer.formats, true);
      std::string_view fmt;
      while (formats.next(fmt) && out.count < ChosenCodecs::kMax) {
        ChosenCodec c;
        RtpMap map;
        if (!parse_u8(fmt, c.payload_type) || c.payload_type > 127 || out.contains(c.payload_type)) continue;
        if (!offered_rtpmap(offer, index, c.payload_type, map) || !matches(map, pref)) continue;
        c.rtpmap = map;
        c.fmtp = offered_fmtp(offer, index, c.payload_type);
        c.preference = &pref;
        uint8_t apt = 0;
        if (is_rtx && !(rtx_apt(c.fmtp, apt) && out.contains(apt))) continue;
        if (!is_rtx && !has_all_parameters(c.fmtp, pref.match)) continue;
        out.list[out.count++] = c;
        if (!is_rtx) break;  // one format per preferred codec; every matching rtx
      }
    }
  }
  return out;
}

}  // namespace keyway::sdp::detail
