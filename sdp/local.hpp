// SPDX-License-Identifier: Apache-2.0
// Internal to sdp/: writing keyway's own sections (offers and answers).
#pragma once

#include "keyway/sdp/negotiate.hpp"
#include "keyway/sdp/write.hpp"

namespace keyway::sdp::detail {

constexpr Error invalid(const char* detail) { return make_error(Layer::sdp, Code::invalid_argument, detail); }

// Checks keyway's own ICE/DTLS parameters before they go into an SDP.
[[nodiscard]] Status check_local_transport(const LocalTransport& t);
// Checks a sender's ids are safe to write into a=msid / a=ssrc.
[[nodiscard]] Status check_sender(const Sender& s);

// v=, o=, s=, t= (RFC 8866 §5.1-5.9; JSEP §5.2.1 uses "-" for username and s=).
void write_session_header(TextWriter& w, uint64_t session_id, uint64_t session_version);
// ice-ufrag, ice-pwd, ice-options, fingerprint, setup (JSEP §5.2.1, §5.3.1).
void write_ice_dtls(TextWriter& w, const LocalTransport& t, Setup setup);
// a=candidate lines and a=end-of-candidates (RFC 8839 §5.1, RFC 8840).
void write_candidates(TextWriter& w, const LocalTransport& t);
// a=rtpmap, a=fmtp and a=rtcp-fb lines of one payload type.
void write_codec(TextWriter& w, uint8_t pt, std::string_view name, uint32_t clock_rate, uint8_t channels,
                 bool audio, std::string_view fmtp);
// a=msid and a=ssrc / a=ssrc-group:FID lines (RFC 8830, RFC 5576).
void write_msid(TextWriter& w, const Sender& s);
void write_ssrcs(TextWriter& w, const Sender& s);

}  // namespace keyway::sdp::detail
