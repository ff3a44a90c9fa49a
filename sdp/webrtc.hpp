// SPDX-License-Identifier: Apache-2.0
// The WebRTC view of a session description: typed access to the attributes
// JSEP (RFC 8829) uses, and the transport a peer needs.
//
//   a=fingerprint:sha-256 4A:AD:...:B2     RFC 8122 §5 (several allowed, any hash)
//   a=setup:actpass|active|passive        RFC 8842 §3 (RFC 4145 §4)
//   a=ice-ufrag / a=ice-pwd               RFC 8839 §5.4 (4..256 / 22..256 ice-chars)
//   a=ice-options:trickle  a=ice-lite     RFC 8839 §5.6, §5.3
//   a=candidate:... (kept as text)        RFC 8839 §5.1, parsed by ice/
//   a=end-of-candidates  a=mid  a=group:BUNDLE   RFC 8840, RFC 5888, RFC 8843
//   a=rtcp-mux  a=rtcp-mux-only  a=rtcp-rsize    RFC 5761, RFC 8858, RFC 5506
//   a=sendrecv|sendonly|recvonly|inactive        RFC 3264 §5.1
//   a=rtpmap  a=fmtp  a=rtcp-fb  a=extmap  a=extmap-allow-mixed
//   a=ssrc  a=ssrc-group  a=msid  a=sctp-port  a=max-message-size  a=crypto
//
// Every parse_* function reads the value of one attribute (the text after
// "name:") and returns views into it. view_media() and read_transport() put
// a section's attributes together, applying session-level fallbacks.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "keyway/lib/result.hpp"
#include "keyway/sdp/description.hpp"

namespace keyway::sdp {

// ---- single attributes -----------------------------------------------------

enum class HashFunction : uint8_t { md2, md5, sha_1, sha_224, sha_256, sha_384, sha_512, other };

// a=fingerprint:<hash-func> <hex pairs separated by ':'> (RFC 8122 §5).
struct Fingerprint {
  static constexpr std::size_t kMaxDigest = 64;  // sha-512
  HashFunction hash = HashFunction::other;
  std::string_view hash_name;                    // as written, e.g. "sha-256"
  std::array<uint8_t, kMaxDigest> digest{};
  uint8_t length = 0;
  std::span<const uint8_t> bytes() const { return {digest.data(), length}; }
};
[[nodiscard]] Result<Fingerprint> parse_fingerprint(std::string_view value);
// Formats "<hash-name> AA:BB:..." (upper-case hex, RFC 8122 §5) into out.
[[nodiscard]] Result<std::string_view> format_fingerprint(std::string_view hash_name, std::span<const uint8_t> digest,
                                                          std::span<char> out);
// Digest length of a known hash, 0 for `other`.
std::size_t digest_length(HashFunction hash);

enum class Setup : uint8_t { actpass, active, passive, holdconn };
[[nodiscard]] Result<Setup> parse_setup(std::string_view value);
const char* to_string(Setup setup);

// RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/"; ufrag 4..256, pwd 22..256.
[[nodiscard]] Status check_ice_ufrag(std::string_view ufrag);
[[nodiscard]] Status check_ice_pwd(std::string_view pwd);
// True if the space-separated a=ice-options value lists `option`.
bool has_ice_option(std::string_view options, std::string_view option);
// RFC 8839 §5.5: a=ice-pacing:<1*10DIGIT>, in milliseconds; 0 when it is not
// a number of 1 to 10 digits that fits in 32 bits (taken as absent).
uint32_t parse_ice_pacing(std::string_view value);

enum class Direction : uint8_t { sendrecv, sendonly, recvonly, inactive };
const char* to_string(Direction d);
// Recognises the four direction attribute names.
bool parse_direction(std::string_view name, Direction& out);
// The direction seen from the other side (sendonly <-> recvonly).
Direction reverse(Direction d);

// a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
struct RtpMap {
  uint8_t payload_type = 0;
  std::string_view encoding;
  uint32_t clock_rate = 0;
  uint8_t channels = 1;  // audio only; 1 when absent (RFC 8866 §6.6)
  bool has_channels = false;
};
[[nodiscard]] Result<RtpMap> parse_rtpmap(std::string_view value);

// a=fmtp:<format> <format specific parameters>
struct Fmtp {
  uint8_t payload_type = 0;
  std::string_view parameters;
};
[[nodiscard]] Result<Fmtp> parse_fmtp(std::string_view value);

// a=rtcp-fb:<payload type or *> <type> [<parameters>] (RFC 4585 §4.2)
struct RtcpFeedback {
  bool any_payload = false;   // "*"
  uint8_t payload_type = 0;
  std::string_view type;      // "nack", "ccm", "transport-cc", ...
  std::string_view parameter; // "pli", "fir", ... (may be empty)
};
[[nodiscard]] Result<RtcpFeedback> parse_rtcp_fb(std::string_view value);

// a=extmap:<id>[/<direction>] <URI> [<extension attributes>] (RFC 8285 §5)
struct ExtMap {
  uint16_t id = 0;            // 1-14 one-byte, 1-255 two-byte; 4096-4351 reserved
  bool has_direction = false;
  Direction direction = Direction::sendrecv;
  std::string_view uri;
  std::string_view attributes;
};
[[nodiscard]] Result<ExtMap> parse_extmap(std::string_view value);

// a=ssrc:<ssrc-id> <attribute>[:<value>] (RFC 5576 §4.1)
struct SsrcAttribute {
  uint32_t ssrc = 0;
  std::string_view attribute;
  std::string_view value;
};
[[nodiscard]] Result<SsrcAttribute> parse_ssrc(std::string_view value);

// a=ssrc-group:<semantics> <ssrc-id> ... (RFC 5576 §4.2)
struct SsrcGroup {
  std::string_view semantics;  // "FID", "SIM", ...
  std::array<uint32_t, 8> ssrcs{};
  uint8_t count = 0;
};
[[nodiscard]] Result<SsrcGroup> parse_ssrc_group(std::string_view value);

// a=msid:<stream id> [<track id>] (RFC 8830 §2)
struct Msid {
  std::string_view stream;
  std::string_view track;
};
[[nodiscard]] Result<Msid> parse_msid(std::string_view value);

// a=group:<semantics> <identification-tag> ... (RFC 5888 §5)
struct Group {
  std::string_view semantics;  // "BUNDLE", "LS", ...
  std::string_view ids;        // the tags, space separated
  bool contains(std::string_view mid) const;
  std::string_view first() const;
};
[[nodiscard]] Result<Group> parse_group(std::string_view value);

// a=crypto:<tag> <crypto-suite> <key-params> [<session-params>] (RFC 4568 §9.1).
// Recognised only to refuse SDES keying with a clear error.
struct Crypto {
  uint32_t tag = 0;
  std::string_view suite;
  std::string_view key_params;
};
[[nodiscard]] Result<Crypto> parse_crypto(std::string_view value);

// ---- putting a section together ---------------------------------------------

// Transport parameters of one m= section, with session-level values used
// where the section has none (RFC 8839 §5.4, RFC 8122 §5).
struct TransportView {
  static constexpr std::size_t kMaxFingerprints = 4;
  std::string_view ice_ufrag;
  std::string_view ice_pwd;
  bool ice_lite = false;          // session-level only (RFC 8839 §5.3)
  bool ice_trickle = false;       // a=ice-options:trickle
  uint32_t ice_pacing_ms = 0;     // a=ice-pacing, session level (RFC 8839 §5.5); 0: none or malformed
  std::array<Fingerprint, kMaxFingerprints> fingerprints{};
  uint8_t fingerprint_count = 0;
  bool has_setup = false;
  Setup setup = Setup::actpass;
  bool end_of_candidates = false;
  const MediaDescription* section = nullptr;  // where candidates come from
  std::span<const Fingerprint> fingerprint_list() const { return {fingerprints.data(), fingerprint_count}; }
};

// Iterates over the values of the attributes with one name:
//   for (std::string_view c : AttributeValues(section.attributes, "candidate")) ...
class AttributeValues {
 public:
  AttributeValues(std::span<const Attribute> attrs, std::string_view name) : attrs_(attrs), name_(name) {}
  class iterator {
   public:
    iterator(const AttributeValues* owner, const Attribute* at) : owner_(owner), at_(at) {}
    std::string_view operator*() const { return at_->value; }
    iterator& operator++() { at_ = next_attribute(owner_->attrs_, owner_->name_, at_); return *this; }
    bool operator!=(const iterator& o) const { return at_ != o.at_; }
   private:
    const AttributeValues* owner_;
    const Attribute* at_;
  };
  iterator begin() const { return iterator(this, next_attribute(attrs_, name_, nullptr)); }
  iterator end() const { return iterator(this, nullptr); }
  std::size_t count() const;

 private:
  std::span<const Attribute> attrs_;
  std::string_view name_;
};

// The candidate lines (text after "a=candidate:") of a transport.
AttributeValues candidates(const TransportView& transport);

// Typed view of one m= section. view_media() checks every WebRTC attribute
// of the section and the transport attributes it inherits from the session,
// and fails on the first malformed one.
struct MediaView {
  const MediaDescription* section = nullptr;
  std::size_t index = 0;
  std::string_view mid;           // empty when absent
  Direction direction = Direction::sendrecv;
  bool rtcp_mux = false, rtcp_mux_only = false, rtcp_rsize = false;
  bool has_crypto = false;        // a=crypto present (SDES)
  bool extmap_allow_mixed = false;
  bool in_bundle = false;         // mid is listed in an a=group:BUNDLE
  uint16_t sctp_port = 0;
  uint64_t max_message_size = 0;
  TransportView transport;
};
// On failure *where (if given) names the attribute's line (issue 15).
[[nodiscard]] Result<MediaView> view_media(const SessionDescription& desc, std::size_t index,
                                           ErrorLocation* where = nullptr);

// Checks the grammar of the session-level typed attributes (a=group,
// a=msid, a=extmap, ...); read_remote() calls it once.
[[nodiscard]] Status check_session_attributes(const SessionDescription& desc, ErrorLocation* where = nullptr);

// The first a=group:BUNDLE of the session, if any.
bool find_bundle(const SessionDescription& desc, Group& out);

// True when `proto` is a DTLS-SRTP profile keyway carries: UDP/TLS/RTP/SAVPF
// (RFC 5764 §8) and its TCP variants TCP/DTLS/RTP/SAVPF, TCP/TLS/RTP/SAVPF
// (RFC 7850 §3).
bool is_dtls_srtp_proto(std::string_view proto);

// Within a BUNDLE group an RTP header extension id names one URI only
// (RFC 8843 §9.2, RFC 8285 §6): reports the first id bound to two URIs.
struct ExtmapConflict {
  uint16_t id = 0;
  std::string_view first_uri, second_uri;
  std::size_t first_section = 0, second_section = 0;
};
[[nodiscard]] Status check_bundle_extmaps(const SessionDescription& desc, ExtmapConflict* conflict = nullptr);

}  // namespace keyway::sdp
