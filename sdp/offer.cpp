// SPDX-License-Identifier: Apache-2.0
// create_offer: keyway's initial offer (JSEP RFC 8829 §5.2.1).
//
//   v=0 / o=- <id> <ver> IN IP4 127.0.0.1 / s=- / t=0 0
//   a=group:BUNDLE <mid>...            every section in one BUNDLE group (RFC 8843)
//   m=<kind> 9 UDP/TLS/RTP/SAVPF <pt>...
//   c=IN IP4 0.0.0.0
//   a=mid, ICE/DTLS attributes (setup:actpass), extmaps, direction, msid,
//   a=rtcp-mux, a=rtcp-rsize, rtpmap/fmtp/rtcp-fb, ssrc lines
#include "keyway/sdp/lexer.hpp"
#include "keyway/sdp/local.hpp"

namespace keyway::sdp {

using detail::invalid;

const char* to_string(MediaKind kind) { return kind == MediaKind::audio ? "audio" : "video"; }

namespace {

Status check_codecs(const LocalMedia& m) {
  ENSURE(!m.codecs.empty(), invalid("offer: a media section has no codecs"));
  for (std::size_t i = 0; i < m.codecs.size(); ++i) {
    const Codec& c = m.codecs[i];
    ENSURE(is_token(c.name) && c.clock_rate > 0, invalid("offer: codec needs a token name and a clock rate"));
    ENSURE(c.payload_type <= 127, invalid("offer: payload type must be 0..127"));
    ENSURE(c.fmtp.empty() || is_byte_string(c.fmtp), invalid("offer: codec fmtp contains a line break"));
    for (std::size_t j = 0; j < i; ++j)
      ENSURE(m.codecs[j].payload_type != c.payload_type, invalid("offer: payload type used twice in one section"));
    for (std::string_view fb : c.feedback) ENSURE(is_byte_string(fb), invalid("offer: empty rtcp-fb value"));
  }
  return ok_status();
}

// RFC 8843 §9.2 / RFC 8285 §6: all sections share one BUNDLE transport, so
// an extmap id must name the same URI in every section.
Status check_extensions(std::span<const LocalMedia> media) {
  for (std::size_t i = 0; i < media.size(); ++i) {
    for (const HeaderExtension& a : media[i].extensions) {
      ENSURE(a.id >= 1 && a.id <= 255 && is_byte_string(a.uri) && a.uri.find(' ') == std::string_view::npos,
             invalid("offer: extmap needs an id 1..255 and a URI"));
      for (std::size_t j = 0; j <= i; ++j)
        for (const HeaderExtension& b : media[j].extensions)
          ENSURE(&a == &b || a.id != b.id || a.uri == b.uri,
                 invalid("offer: extmap id used for two URIs in one BUNDLE group (RFC 8843 §9.2)"));
    }
  }
  return ok_status();
}

Status check_media(std::span<const LocalMedia> media) {
  ENSURE(!media.empty(), invalid("offer: no media sections"));
  for (std::size_t i = 0; i < media.size(); ++i) {
    ENSURE(is_token(media[i].mid) && media[i].mid.size() <= 32, invalid("offer: mid must be a token of 1..32 characters"));
    for (std::size_t j = 0; j < i; ++j) ENSURE(media[j].mid != media[i].mid, invalid("offer: mid used twice (RFC 5888 §4)"));
    TRY(check_codecs(media[i]));
    TRY(detail::check_sender(media[i].sender));
  }
  return check_extensions(media);
}

void write_section(TextWriter& w, const LocalMedia& m, const LocalTransport& t) {
  bool audio = m.kind == MediaKind::audio;
  w.begin('m');
  w.append(to_string(m.kind));
  w.append(" 9 UDP/TLS/RTP/SAVPF");  // JSEP §5.2.1: port 9 until candidates are known
  for (const Codec& c : m.codecs) {
    w.append(" ");
    w.append_number(c.payload_type);
  }
  w.end();
  w.line('c', "IN IP4 0.0.0.0");
  w.line('a', "mid:", m.mid);
  detail::write_ice_dtls(w, t, Setup::actpass);  // RFC 8842 §3.2: offers use actpass
  detail::write_candidates(w, t);
  for (const HeaderExtension& e : m.extensions) w.line('a', "extmap:", uint32_t{e.id}, " ", e.uri);
  w.line('a', to_string(m.direction));
  detail::write_msid(w, m.sender);
  w.line('a', "rtcp-mux");
  w.line('a', "rtcp-rsize");
  for (const Codec& c : m.codecs) {
    detail::write_codec(w, c.payload_type, c.name, c.clock_rate, c.channels, audio, c.fmtp);
    for (std::string_view fb : c.feedback) w.line('a', "rtcp-fb:", uint32_t{c.payload_type}, " ", fb);
  }
  detail::write_ssrcs(w, m.sender);
}

}  // namespace

Result<std::string_view> create_offer(const OfferOptions& options, std::span<char> out) {
  TRY(detail::check_local_transport(options.transport));
  TRY(check_media(options.media));
  ENSURE(options.session_id < (uint64_t{1} << 63), invalid("offer: session id must be below 2^63 (JSEP §5.2.1)"));
  TextWriter w(out);
  detail::write_session_header(w, options.session_id, options.session_version);
  w.begin('a');
  w.append("group:BUNDLE");
  for (const LocalMedia& m : options.media) {
    w.append(" ");
    w.append(m.mid);
  }
  w.end();
  if (options.transport.ice_lite) w.line('a', "ice-lite");
  if (options.transport.ice_pacing_ms != 0) w.line('a', "ice-pacing:", options.transport.ice_pacing_ms);  // RFC 8839 §5.5
  for (const LocalMedia& m : options.media) write_section(w, m, options.transport);
  return w.finish();
}

}  // namespace keyway::sdp
