// SPDX-License-Identifier: Apache-2.0
// The WebRTC view: a section's attributes put together (see webrtc.hpp).
#include "keyway/sdp/webrtc.hpp"

#include "keyway/sdp/lexer.hpp"

namespace keyway::sdp {
namespace {

constexpr Error malformed(const char* detail) { return make_error(Layer::sdp, Code::malformed, detail); }

// The section's attribute, or the session's when the section has none.
const Attribute* find_inherited(const SessionDescription& desc, const MediaDescription& m, const char* name) {
  const Attribute* a = m.find(name);
  return a != nullptr ? a : desc.find(name);
}

// An attribute-value error, located on the attribute's line (issue 15).
Error at(const SessionDescription& desc, const Attribute& a, ErrorLocation* where, const Error& e) {
  locate(desc, a, where);
  return e;
}

Status read_fingerprints(const SessionDescription& desc, std::span<const Attribute> attrs, TransportView& t,
                         ErrorLocation* where) {
  for (const Attribute& a : attrs) {
    if (a.name != "fingerprint") continue;
    if (t.fingerprint_count == TransportView::kMaxFingerprints)
      return at(desc, a, where, make_error(Layer::sdp, Code::capacity, "a=fingerprint: more than 4 in one section"));
    auto fp = parse_fingerprint(a.value);
    if (!fp.ok()) return at(desc, a, where, fp.error());
    t.fingerprints[t.fingerprint_count++] = *fp;
  }
  return ok_status();
}

// Fills t (default-constructed) with the section's transport.
Status read_transport(const SessionDescription& desc, const MediaDescription& m, TransportView& t, ErrorLocation* where) {
  t.section = &m;
  if (const Attribute* a = find_inherited(desc, m, "ice-ufrag")) {
    if (Status st = check_ice_ufrag(a->value); !st.ok()) return at(desc, *a, where, st.error());
    t.ice_ufrag = a->value;
  }
  if (const Attribute* a = find_inherited(desc, m, "ice-pwd")) {
    if (Status st = check_ice_pwd(a->value); !st.ok()) return at(desc, *a, where, st.error());
    t.ice_pwd = a->value;
  }
  t.ice_lite = desc.has("ice-lite");  // RFC 8839 §5.3: session level only
  if (const Attribute* a = find_inherited(desc, m, "ice-options")) t.ice_trickle = has_ice_option(a->value, "trickle");
  if (const Attribute* a = desc.find("ice-pacing")) t.ice_pacing_ms = parse_ice_pacing(a->value);
  // RFC 8122 §5: media-level fingerprints replace the session-level ones.
  TRY(read_fingerprints(desc, m.has("fingerprint") ? m.attributes : desc.attributes, t, where));
  if (const Attribute* a = find_inherited(desc, m, "setup")) {
    auto s = parse_setup(a->value);
    if (!s.ok()) return at(desc, *a, where, s.error());
    t.setup = *s;
    t.has_setup = true;
  }
  t.end_of_candidates = find_inherited(desc, m, "end-of-candidates") != nullptr;
  return ok_status();
}

// Checks the grammar of every typed attribute of a section.
Status check_typed_attributes(const SessionDescription& desc, std::span<const Attribute> attrs, ErrorLocation* where) {
  for (const Attribute& a : attrs) {
    Status s = ok_status();
    if (a.name == "rtpmap") { auto r = parse_rtpmap(a.value); if (!r.ok()) s = r.error(); }
    else if (a.name == "fmtp") { auto r = parse_fmtp(a.value); if (!r.ok()) s = r.error(); }
    else if (a.name == "rtcp-fb") { auto r = parse_rtcp_fb(a.value); if (!r.ok()) s = r.error(); }
    else if (a.name == "extmap") { auto r = parse_extmap(a.value); if (!r.ok()) s = r.error(); }
    else if (a.name == "ssrc") { auto r = parse_ssrc(a.value); if (!r.ok()) s = r.error(); }
    else if (a.name == "ssrc-group") { auto r = parse_ssrc_group(a.value); if (!r.ok()) s = r.error(); }
    else if (a.name == "msid") { auto r = parse_msid(a.value); if (!r.ok()) s = r.error(); }
    else if (a.name == "group") { auto r = parse_group(a.value); if (!r.ok()) s = r.error(); }
    else if (a.name == "crypto") { auto r = parse_crypto(a.value); if (!r.ok()) s = r.error(); }
    if (!s.ok()) return at(desc, a, where, s.error());
  }
  return ok_status();
}

Status read_numbers(const SessionDescription& desc, const MediaDescription& m, MediaView& v, ErrorLocation* where) {
  if (const Attribute* a = m.find("sctp-port"); a != nullptr && !parse_u16(a->value, v.sctp_port))
    return at(desc, *a, where, malformed("a=sctp-port: not a port number (RFC 8841 §5)"));
  if (const Attribute* a = m.find("max-message-size"); a != nullptr && !parse_u64(a->value, v.max_message_size))
    return at(desc, *a, where, malformed("a=max-message-size: not a number (RFC 8841 §6)"));
  return ok_status();
}

}  // namespace

Status check_session_attributes(const SessionDescription& desc, ErrorLocation* where) {
  return check_typed_attributes(desc, desc.attributes, where);
}

std::size_t AttributeValues::count() const {
  std::size_t n = 0;
  for (auto it = begin(); it != end(); ++it) ++n;
  return n;
}

AttributeValues candidates(const TransportView& transport) {
  if (transport.section == nullptr) return AttributeValues({}, "candidate");
  return AttributeValues(transport.section->attributes, "candidate");
}

bool find_bundle(const SessionDescription& desc, Group& out) {
  for (std::string_view v : AttributeValues(desc.attributes, "group")) {
    auto g = parse_group(v);
    if (g.ok() && g->semantics == "BUNDLE") {
      out = *g;
      return true;
    }
  }
  return false;
}

bool is_dtls_srtp_proto(std::string_view proto) {
  for (const char* p : {"UDP/TLS/RTP/SAVPF", "TCP/DTLS/RTP/SAVPF", "TCP/TLS/RTP/SAVPF"})
    if (proto == p) return true;
  return false;
}

Result<MediaView> view_media(const SessionDescription& desc, std::size_t index, ErrorLocation* where) {
  ENSURE(index < desc.media.size(), make_error(Layer::sdp, Code::invalid_argument, "no m= section with this index"));
  const MediaDescription& m = desc.media[index];
  MediaView v;
  v.section = &m;
  v.index = index;
  TRY(check_typed_attributes(desc, m.attributes, where));  // session level: check_session_attributes()
  if (const Attribute* a = m.find("mid")) {
    if (!is_token(a->value)) return at(desc, *a, where, malformed("a=mid: identification-tag is not a token (RFC 5888 §4)"));
    v.mid = a->value;
  }
  bool found = false;
  for (const Attribute& a : m.attributes) found = found || parse_direction(a.name, v.direction);
  for (const Attribute& a : desc.attributes) found = found || parse_direction(a.name, v.direction);
  v.rtcp_mux = m.has("rtcp-mux");
  v.rtcp_mux_only = m.has("rtcp-mux-only");
  v.rtcp_rsize = m.has("rtcp-rsize");
  v.has_crypto = m.has("crypto");
  v.extmap_allow_mixed = m.has("extmap-allow-mixed") || desc.has("extmap-allow-mixed");
  Group bundle;
  v.in_bundle = !v.mid.empty() && find_bundle(desc, bundle) && bundle.contains(v.mid);
  TRY(read_numbers(desc, m, v, where));
  TRY(read_transport(desc, m, v.transport, where));
  return v;
}

namespace {

// RFC 8285 §5: ids 1-255 and 4096-4351 map onto 512 slots.
std::size_t extmap_slot(uint16_t id) { return id <= 255 ? id : 256u + (id - 4096u); }

bool in_bundle(const MediaDescription& m, const Group& bundle) {
  const Attribute* mid = m.find("mid");
  return !m.rejected() && mid != nullptr && bundle.contains(mid->value);
}

}  // namespace

Status check_bundle_extmaps(const SessionDescription& desc, ExtmapConflict* conflict) {
  Group bundle;
  if (!find_bundle(desc, bundle)) return ok_status();
  // One pass: the first binding of each id (section, attribute), 2 KiB of state.
  struct Binding {
    uint16_t section = 0xFFFF;
    uint16_t attribute = 0;
  };
  std::array<Binding, 512> first{};
  for (std::size_t i = 0; i < desc.media.size(); ++i) {
    const MediaDescription& m = desc.media[i];
    if (!in_bundle(m, bundle)) continue;
    for (std::size_t k = 0; k < m.attributes.size(); ++k) {
      if (m.attributes[k].name != "extmap") continue;
      auto e = parse_extmap(m.attributes[k].value);
      if (!e.ok()) return e.error();
      Binding& b = first[extmap_slot(e->id)];
      if (b.section == 0xFFFF) {
        b = {static_cast<uint16_t>(i), static_cast<uint16_t>(k)};
        continue;
      }
      auto earlier = parse_extmap(desc.media[b.section].attributes[b.attribute].value);
      if (earlier->uri == e->uri) continue;
      if (conflict != nullptr) *conflict = ExtmapConflict{e->id, earlier->uri, e->uri, b.section, i};
      return make_error(Layer::sdp, Code::illegal_parameter,
                        "a=extmap: one id names two URIs within a BUNDLE group (RFC 8843 §9.2)");
    }
  }
  return ok_status();
}

}  // namespace keyway::sdp
