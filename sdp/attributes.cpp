// SPDX-License-Identifier: Apache-2.0
// Parsers for single WebRTC attribute values (see webrtc.hpp for the list).
#include "keyway/sdp/lexer.hpp"
#include "keyway/sdp/webrtc.hpp"

namespace keyway::sdp {
namespace {

constexpr Error malformed(const char* detail) { return make_error(Layer::sdp, Code::malformed, detail); }

struct HashName {
  const char* name;
  HashFunction hash;
  std::size_t length;
};
// RFC 8122 §5 hash-func names (IANA "Hash Function Textual Names").
constexpr HashName kHashes[] = {
    {"md2", HashFunction::md2, 16},         {"md5", HashFunction::md5, 16},
    {"sha-1", HashFunction::sha_1, 20},     {"sha-224", HashFunction::sha_224, 28},
    {"sha-256", HashFunction::sha_256, 32}, {"sha-384", HashFunction::sha_384, 48},
    {"sha-512", HashFunction::sha_512, 64},
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;  // RFC 8122 says UHEX; browsers accept lower case
  return -1;
}

bool is_ice_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

}  // namespace

std::size_t digest_length(HashFunction hash) {
  for (const HashName& h : kHashes)
    if (h.hash == hash) return h.length;
  return 0;
}

Result<Fingerprint> parse_fingerprint(std::string_view value) {
  Fingerprint fp;
  std::string_view hex;
  ENSURE(split_once(value, ' ', fp.hash_name, hex) && is_token(fp.hash_name),
         malformed("a=fingerprint: needs <hash-func> <fingerprint> (RFC 8122 §5)"));
  for (const HashName& h : kHashes)
    if (iequals(h.name, fp.hash_name)) fp.hash = h.hash;
  // 2HEX *(":" 2HEX)
  std::size_t n = 0;
  for (std::size_t i = 0; i < hex.size(); i += 3) {
    ENSURE(n < Fingerprint::kMaxDigest, malformed("a=fingerprint: longer than 64 bytes"));
    ENSURE(i + 2 <= hex.size(), malformed("a=fingerprint: odd number of hex digits"));
    int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
    ENSURE(hi >= 0 && lo >= 0, malformed("a=fingerprint: not a hex digit"));
    ENSURE(i + 2 == hex.size() || hex[i + 2] == ':', malformed("a=fingerprint: bytes must be separated by ':'"));
    fp.digest[n++] = static_cast<uint8_t>(hi * 16 + lo);
  }
  ENSURE(n > 0, malformed("a=fingerprint: empty fingerprint"));
  std::size_t want = digest_length(fp.hash);
  ENSURE(want == 0 || want == n, malformed("a=fingerprint: length does not match the hash function"));
  fp.length = static_cast<uint8_t>(n);
  return fp;
}

Result<std::string_view> format_fingerprint(std::string_view hash_name, std::span<const uint8_t> digest, std::span<char> out) {
  static const char kHex[] = "0123456789ABCDEF";
  std::size_t need = hash_name.size() + 1 + (digest.empty() ? 0 : digest.size() * 3 - 1);
  ENSURE(!digest.empty() && digest.size() <= Fingerprint::kMaxDigest && is_token(hash_name),
         make_error(Layer::sdp, Code::invalid_argument, "fingerprint: needs a hash name and 1..64 digest bytes"));
  ENSURE(need <= out.size(), make_error(Layer::sdp, Code::buffer_too_small, "fingerprint: output buffer too small"));
  std::size_t at = 0;
  for (char c : hash_name) out[at++] = c;
  out[at++] = ' ';
  for (std::size_t i = 0; i < digest.size(); ++i) {
    if (i > 0) out[at++] = ':';
    out[at++] = kHex[digest[i] >> 4];
    out[at++] = kHex[digest[i] & 15];
  }
  return std::string_view(out.data(), at);
}

Result<Setup> parse_setup(std::string_view value) {
  for (Setup s : {Setup::actpass, Setup::active, Setup::passive, Setup::holdconn})
    if (value == to_string(s)) return s;
  return malformed("a=setup: must be actpass, active, passive or holdconn (RFC 4145 §4)");
}

const char* to_string(Setup setup) {
  switch (setup) {
    case Setup::actpass: return "actpass";
    case Setup::active: return "active";
    case Setup::passive: return "passive";
    case Setup::holdconn: return "holdconn";
  }
  return "?";
}

Status check_ice_ufrag(std::string_view ufrag) {
  ENSURE(ufrag.size() >= 4 && ufrag.size() <= 256, malformed("a=ice-ufrag: must be 4 to 256 characters (RFC 8839 §5.4)"));
  for (char c : ufrag) ENSURE(is_ice_char(c), malformed("a=ice-ufrag: only ALPHA, DIGIT, '+' and '/' allowed (RFC 8839 §5.4)"));
  return ok_status();
}

Status check_ice_pwd(std::string_view pwd) {
  ENSURE(pwd.size() >= 22 && pwd.size() <= 256, malformed("a=ice-pwd: must be 22 to 256 characters (RFC 8839 §5.4)"));
  for (char c : pwd) ENSURE(is_ice_char(c), malformed("a=ice-pwd: only ALPHA, DIGIT, '+' and '/' allowed (RFC 8839 §5.4)"));
  return ok_status();
}

bool has_ice_option(std::string_view options, std::string_view option) {
  Tokens t(options, true);
  std::string_view tok;
  while (t.next(tok))
    if (tok == option) return true;
  return false;
}

uint32_t parse_ice_pacing(std::string_view value) {
  if (value.empty() || value.size() > 10) return 0;
  uint64_t ms = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return 0;
    ms = ms * 10 + static_cast<uint64_t>(c - '0');
  }
  return ms > UINT32_MAX ? 0 : static_cast<uint32_t>(ms);
}

const char* to_string(Direction d) {
  switch (d) {
    case Direction::sendrecv: return "sendrecv";
    case Direction::sendonly: return "sendonly";
    case Direction::recvonly: return "recvonly";
    case Direction::inactive: return "inactive";
  }
  return "?";
}

bool parse_direction(std::string_view name, Direction& out) {
  for (Direction d : {Direction::sendrecv, Direction::sendonly, Direction::recvonly, Direction::inactive}) {
    if (name == to_string(d)) {
      out = d;
      return true;
    }
  }
  return false;
}

Direction reverse(Direction d) {
  if (d == Direction::sendonly) return Direction::recvonly;
  if (d == Direction::recvonly) return Direction::sendonly;
  return d;
}

Result<RtpMap> parse_rtpmap(std::string_view value) {
  RtpMap m;
  std::string_view pt, rest, rate, params;
  ENSURE(split_once(value, ' ', pt, rest) && parse_u8(pt, m.payload_type) && m.payload_type <= 127,
         malformed("a=rtpmap: payload type must be 0..127 (RFC 3551)"));
  ENSURE(split_once(rest, '/', m.encoding, rate) && is_token(m.encoding),
         malformed("a=rtpmap: needs <encoding name>/<clock rate> (RFC 8866 §6.6)"));
  if (split_once(rate, '/', rate, params)) {
    ENSURE(parse_u8(params, m.channels) && m.channels > 0, malformed("a=rtpmap: encoding parameters must be a channel count"));
    m.has_channels = true;
  }
  ENSURE(parse_u32(rate, m.clock_rate) && m.clock_rate > 0, malformed("a=rtpmap: clock rate is not a positive number"));
  return m;
}

Result<Fmtp> parse_fmtp(std::string_view value) {
  Fmtp f;
  std::string_view pt;
  if (!split_once(value, ' ', pt, f.parameters)) pt = value;
  ENSURE(parse_u8(pt, f.payload_type) && f.payload_type <= 127, malformed("a=fmtp: format must be a payload type 0..127"));
  return f;
}

Result<RtcpFeedback> parse_rtcp_fb(std::string_view value) {
  RtcpFeedback fb;
  std::string_view pt, rest;
  ENSURE(split_once(value, ' ', pt, rest) && !rest.empty(), malformed("a=rtcp-fb: needs <payload type> <type> (RFC 4585 §4.2)"));
  if (pt == "*") fb.any_payload = true;
  else ENSURE(parse_u8(pt, fb.payload_type) && fb.payload_type <= 127, malformed("a=rtcp-fb: payload type must be * or 0..127"));
  if (!split_once(rest, ' ', fb.type, fb.parameter)) fb.type = rest;
  ENSURE(is_token(fb.type), malformed("a=rtcp-fb: feedback type is not a token"));
  return fb;
}

Result<ExtMap> parse_extmap(std::string_view value) {
  ExtMap e;
  std::string_view id, rest, dir;
  ENSURE(split_once(value, ' ', id, rest) && !rest.empty(), malformed("a=extmap: needs <id> <URI> (RFC 8285 §5)"));
  if (split_once(id, '/', id, dir)) {
    ENSURE(parse_direction(dir, e.direction), malformed("a=extmap: direction must be sendrecv, sendonly, recvonly or inactive"));
    e.has_direction = true;
  }
  // RFC 8285 §5: 1-14 (one-byte), 1-255 (two-byte), 4096-4351 for negotiation.
  ENSURE(parse_u16(id, e.id) && ((e.id >= 1 && e.id <= 255) || (e.id >= 4096 && e.id <= 4351)),
         malformed("a=extmap: id must be 1..255 or 4096..4351 (RFC 8285 §5)"));
  if (!split_once(rest, ' ', e.uri, e.attributes)) e.uri = rest;
  ENSURE(!e.uri.empty(), malformed("a=extmap: empty URI"));
  return e;
}

Result<SsrcAttribute> parse_ssrc(std::string_view value) {
  SsrcAttribute s;
  std::string_view id, rest;
  ENSURE(split_once(value, ' ', id, rest) && parse_u32(id, s.ssrc), malformed("a=ssrc: needs <ssrc-id> <attribute> (RFC 5576 §4.1)"));
  if (!split_once(rest, ':', s.attribute, s.value)) s.attribute = rest;
  ENSURE(is_token(s.attribute), malformed("a=ssrc: attribute name is not a token"));
  return s;
}

Result<SsrcGroup> parse_ssrc_group(std::string_view value) {
  SsrcGroup g;
  Tokens t(value);
  ENSURE(t.next(g.semantics) && is_token(g.semantics), malformed("a=ssrc-group: needs <semantics> <ssrc-id>... (RFC 5576 §4.2)"));
  std::string_view id;
  while (t.next(id)) {
    ENSURE(g.count < g.ssrcs.size(), make_error(Layer::sdp, Code::capacity, "a=ssrc-group: more than 8 SSRCs"));
    ENSURE(parse_u32(id, g.ssrcs[g.count]), malformed("a=ssrc-group: SSRC is not a 32-bit number"));
    ++g.count;
  }
  ENSURE(g.count > 0, malformed("a=ssrc-group: no SSRC listed"));
  return g;
}

Result<Msid> parse_msid(std::string_view value) {
  Msid m;
  if (!split_once(value, ' ', m.stream, m.track)) m.stream = value;
  ENSURE(!m.stream.empty() && m.stream.size() <= 64, malformed("a=msid: id must be 1..64 characters (RFC 8830 §2)"));
  ENSURE(m.track.size() <= 64 && m.track.find(' ') == std::string_view::npos, malformed("a=msid: appdata must be one token of up to 64 characters"));
  return m;
}

bool Group::contains(std::string_view mid) const {
  Tokens t(ids, true);
  std::string_view tok;
  while (t.next(tok))
    if (tok == mid) return true;
  return false;
}

std::string_view Group::first() const {
  Tokens t(ids, true);
  std::string_view tok;
  return t.next(tok) ? tok : std::string_view{};
}

Result<Group> parse_group(std::string_view value) {
  Group g;
  if (!split_once(value, ' ', g.semantics, g.ids)) g.semantics = value;
  ENSURE(is_token(g.semantics), malformed("a=group: semantics is not a token (RFC 5888 §5)"));
  return g;
}

Result<Crypto> parse_crypto(std::string_view value) {
  Crypto c;
  Tokens t(value, true);
  std::string_view tag;
  ENSURE(t.next(tag) && parse_u32(tag, c.tag) && t.next(c.suite) && t.next(c.key_params),
         malformed("a=crypto: needs <tag> <crypto-suite> <key-params> (RFC 4568 §9.1)"));
  return c;
}

}  // namespace keyway::sdp
