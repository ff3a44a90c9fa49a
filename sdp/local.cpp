// SPDX-License-Identifier: Apache-2.0
#include "keyway/sdp/local.hpp"

#include "keyway/sdp/lexer.hpp"

namespace keyway::sdp::detail {
namespace {

// Text we write must not break out of its line or field.
bool is_safe_text(std::string_view s) { return is_byte_string(s); }
bool is_safe_field(std::string_view s) { return is_byte_string(s) && s.find(' ') == std::string_view::npos; }

}  // namespace

Status check_local_transport(const LocalTransport& t) {
  ENSURE(!t.fingerprint.empty(), invalid("local transport: no certificate fingerprint"));
  auto fp = parse_fingerprint(t.fingerprint);
  ENSURE(fp.ok(), invalid("local transport: fingerprint is not \"<hash> <HEX:HEX:..>\" (RFC 8122 §5)"));
  ENSURE(check_ice_ufrag(t.ice_ufrag).ok(), invalid("local transport: ice-ufrag needs 4..256 ice-chars (RFC 8839 §5.4)"));
  ENSURE(check_ice_pwd(t.ice_pwd).ok(), invalid("local transport: ice-pwd needs 22..256 ice-chars (RFC 8839 §5.4)"));
  for (std::string_view c : t.candidates)
    ENSURE(is_safe_text(c) && c.substr(0, 10) != "candidate:", invalid("local transport: candidate must be the text after \"a=candidate:\""));
  return ok_status();
}

Status check_sender(const Sender& s) {
  if (s.ssrc == 0) return ok_status();
  ENSURE(is_safe_field(s.cname), invalid("sender: cname must be non-empty text without spaces"));
  ENSURE(s.stream_id.empty() || (is_safe_field(s.stream_id) && s.stream_id.size() <= 64), invalid("sender: stream id must be up to 64 characters without spaces characters (RFC 8830 §2)"));
  ENSURE(s.track_id.empty() || (is_safe_field(s.track_id) && s.track_id.size() <= 64), invalid("sender: track id must be up to 64 characters without spaces characters (RFC 8830 §2)"));
  ENSURE(s.rtx_ssrc != s.ssrc, invalid("sender: rtx ssrc equals the media ssrc"));
  return ok_status();
}

void write_session_header(TextWriter& w, uint64_t session_id, uint64_t session_version) {
  w.line('v', "0");
  // JSEP §5.2.1: username "-", a random sess-id below 2^63, address 127.0.0.1 is a don't-care value.
  w.line('o', "- ", session_id, " ", session_version, " IN IP4 127.0.0.1");
  w.line('s', "-");
  w.line('t', "0 0");
}

void write_ice_dtls(TextWriter& w, const LocalTransport& t, Setup setup) {
  w.line('a', "ice-ufrag:", t.ice_ufrag);
  w.line('a', "ice-pwd:", t.ice_pwd);
  if (t.trickle) w.line('a', "ice-options:trickle");
  w.line('a', "fingerprint:", t.fingerprint);
  w.line('a', "setup:", to_string(setup));
}

void write_candidates(TextWriter& w, const LocalTransport& t) {
  for (std::string_view c : t.candidates) w.line('a', "candidate:", c);
  if (t.end_of_candidates) w.line('a', "end-of-candidates");
}

void write_codec(TextWriter& w, uint8_t pt, std::string_view name, uint32_t clock_rate, uint8_t channels, bool audio,
                 std::string_view fmtp) {
  w.begin('a');
  w.append("rtpmap:");
  w.append_number(pt);
  w.append(" ");
  w.append(name);
  w.append("/");
  w.append_number(clock_rate);
  // RFC 8866 §6.6: channels only for audio, may be omitted when 1 (JSEP writes opus/48000/2).
  if (audio && channels > 1) {
    w.append("/");
    w.append_number(channels);
  }
  w.end();
  if (!fmtp.empty()) w.line('a', "fmtp:", uint32_t{pt}, " ", fmtp);
}

void write_msid(TextWriter& w, const Sender& s) {
  if (s.ssrc == 0 || s.stream_id.empty()) return;
  if (s.track_id.empty()) w.line('a', "msid:", s.stream_id);
  else w.line('a', "msid:", s.stream_id, " ", s.track_id);
}

void write_ssrcs(TextWriter& w, const Sender& s) {
  if (s.ssrc == 0) return;
  if (s.rtx_ssrc != 0) w.line('a', "ssrc-group:FID ", s.ssrc, " ", s.rtx_ssrc);
  w.line('a', "ssrc:", s.ssrc, " cname:", s.cname);
  if (s.rtx_ssrc != 0) w.line('a', "ssrc:", s.rtx_ssrc, " cname:", s.cname);
}

}  // namespace keyway::sdp::detail
