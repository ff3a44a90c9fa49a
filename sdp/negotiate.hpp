// SPDX-License-Identifier: Apache-2.0
// Offer/answer for WebRTC (RFC 3264, JSEP RFC 8829, BUNDLE RFC 8843).
//
//        offerer                                   answerer
//   create_offer(OfferOptions) --- offer SDP --->  parse() + create_answer(offer, AnswerOptions)
//   parse() + read_remote(answer) <-- answer SDP --
//
// How peer/ uses this (the whole flow, no allocation: text goes into caller
// buffers, parsed descriptions into a caller Arena):
//
//   // 1. Answering a browser's offer (the text and the arena must outlive
//   //    everything read from them; arena_bytes_for(text) is the arena size
//   //    a parse can need, about 12 KiB for a Chrome audio+video offer)
//   std::array<std::byte, 32 * 1024> mem;  sdp::Arena arena(mem);
//   auto offer = sdp::parse(offer_text, arena, {sdp::Mode::lenient}, &where);   // browsers' own text
//   sdp::AnswerOptions opt;
//   opt.transport = {fingerprint_text /* "sha-256 AB:..", see format_fingerprint */,
//                    ufrag, pwd, candidate_lines /* "1 1 udp 2130706431 127.0.0.1 5000 typ host" */};
//   opt.setup_for_actpass = sdp::Setup::passive;    // or active
//   opt.audio_codecs = prefs;                       // preference order; payload types come from the offer
//   auto answer_text = sdp::create_answer(*offer, opt, out_buffer, &summary);
//   auto remote = sdp::read_remote(*offer);         // remote fingerprints, ufrag/pwd, setup, candidates
//   // summary.local_setup == active  => keyway is the DTLS client (RFC 8842 §3)
//   // summary.extmap_conflict: the offer reused an extmap id (kept out of the answer)
//
//   // 2. Offering, then reading the answer
//   auto offer_text = sdp::create_offer(offer_options, out_buffer);
//   auto answer = sdp::parse(answer_text, arena, {sdp::Mode::lenient});
//   auto remote = sdp::read_remote(*answer);
//   for (std::string_view c : sdp::candidates(remote->transport)) ice.add_remote_candidate(c);
//   remote->transport.fingerprint_list(), remote->transport.setup, sdp::read_mids(*answer, mids)
//
// Errors name what made an offer unusable: no fingerprint, no ICE
// credentials, no common codec, an unsupported transport profile (only
// UDP/TLS/RTP/SAVPF and its TCP variants are DTLS-SRTP), SDES keying.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "keyway/lib/result.hpp"
#include "keyway/sdp/description.hpp"
#include "keyway/sdp/webrtc.hpp"

namespace keyway::sdp {

enum class MediaKind : uint8_t { audio, video };
const char* to_string(MediaKind kind);

// A codec: written into offers as given; in answers, matched against the
// offer's rtpmap lines (name case-insensitively, clock rate, channels) and
// the offer's payload type is kept.
struct Codec {
  std::string_view name;            // "opus", "PCMU", "VP8", "H264", "rtx"
  uint32_t clock_rate = 0;
  uint8_t channels = 1;             // audio channels (opus: 2)
  uint8_t payload_type = 0;         // offers only
  std::string_view fmtp;             // offers: the a=fmtp parameters (answers echo the offer's)
  std::span<const std::string_view> feedback;  // rtcp-fb values: "nack", "nack pli", "transport-cc"
  // Answers: "key=value;..." items the offer's fmtp must all contain, e.g.
  // "packetization-mode=1" for H264. An "rtx" codec is chosen only when its
  // apt= names a chosen codec (RFC 4588 §8.1).
  std::string_view match;
};

// An RTP header extension (RFC 8285). Offers use `id`; answers accept the
// offer's id for each URI listed and ignore `id`.
struct HeaderExtension {
  uint16_t id = 0;
  std::string_view uri;
};

// What keyway sends in one section (omit ssrc to receive only).
struct Sender {
  uint32_t ssrc = 0;                // 0: nothing to send
  uint32_t rtx_ssrc = 0;            // 0: no RTX (else a=ssrc-group:FID)
  std::string_view cname;           // RTCP CNAME (RFC 7022)
  std::string_view stream_id;       // a=msid (RFC 8830)
  std::string_view track_id;
};

// ICE and DTLS parameters of keyway's side.
struct LocalTransport {
  std::string_view fingerprint;     // "<hash> <HEX:..>", e.g. from format_fingerprint()
  std::string_view ice_ufrag;       // RFC 8839 §5.4: >= 4 ice-chars
  std::string_view ice_pwd;         // >= 22 ice-chars
  std::span<const std::string_view> candidates;  // text after "a=candidate:"
  bool end_of_candidates = false;   // all candidates are listed (no trickle)
  bool ice_lite = false;
  bool trickle = true;              // a=ice-options:trickle
  uint32_t ice_pacing_ms = 0;       // a=ice-pacing (RFC 8839 §5.5); 0: none written (the 50 ms default)
};

// One m= section of an offer.
struct LocalMedia {
  MediaKind kind = MediaKind::audio;
  std::string_view mid;             // unique token ("0", "1", "audio")
  Direction direction = Direction::sendrecv;
  std::span<const Codec> codecs;    // in preference order
  std::span<const HeaderExtension> extensions;
  Sender sender;
};

struct OfferOptions {
  uint64_t session_id = 1;          // o= sess-id (random, < 2^63; JSEP §5.2.1)
  uint64_t session_version = 2;
  LocalTransport transport;
  std::span<const LocalMedia> media;
};

// Writes an offer (BUNDLE of all sections, rtcp-mux, setup actpass) into out.
// Fails with invalid_argument on a bad parameter, e.g. an extmap id used for
// two URIs (Chromium rejects that within a BUNDLE group, RFC 8843 §9.2).
[[nodiscard]] Result<std::string_view> create_offer(const OfferOptions& options, std::span<char> out);

struct AnswerOptions {
  uint64_t session_id = 1;
  uint64_t session_version = 2;
  LocalTransport transport;
  Setup setup_for_actpass = Setup::active;    // our role when the offer says actpass
  std::span<const Codec> audio_codecs;        // preference order
  std::span<const Codec> video_codecs;
  std::span<const HeaderExtension> extensions;  // URIs keyway accepts
  Sender audio_sender;                        // first accepted audio section sends this
  Sender video_sender;
};

// What create_answer decided.
struct AnswerSummary {
  Setup local_setup = Setup::active;          // active => keyway is the DTLS client
  Setup remote_setup = Setup::actpass;
  std::size_t accepted = 0;
  std::size_t rejected = 0;
  bool bundle = false;
  bool extmap_conflict = false;               // the offer reused an extmap id (dropped from the answer)
  ExtmapConflict conflict{};
  // The first audio/video section refused (port 0, RFC 3264 §6) and why; a
  // tool shows it (`keyway sdp check`). SIZE_MAX: none.
  std::size_t first_refused = SIZE_MAX;
  Error refusal{};
};

// Writes an answer to `offer` into out. Accepts the audio/video sections
// with a DTLS-SRTP profile, a=rtcp-mux and a common codec; rejects the rest
// with port 0.
// On failure *where (if given) names the line (see read_remote; when no
// section can be accepted, the m= line of the first refused one).
[[nodiscard]] Result<std::string_view> create_answer(const SessionDescription& offer, const AnswerOptions& options,
                                                     std::span<char> out, AnswerSummary* summary = nullptr,
                                                     ErrorLocation* where = nullptr);

// The remote side's transport, read from a parsed offer or answer: the
// first active section of the BUNDLE group (or the first active section).
struct RemoteParameters {
  TransportView transport;       // fingerprints, setup, ice ufrag/pwd/lite, candidates(transport)
  std::size_t transport_index = 0;
  bool bundle = false;
};
// On failure *where (if given) names the line: the attribute whose value is
// wrong, or the m= line of the transport section that lacks something.
[[nodiscard]] Result<RemoteParameters> read_remote(const SessionDescription& desc, ErrorLocation* where = nullptr);

// The a=mid of every m= section in order (empty view for a section without
// one). Returns the number of sections, capped at out.size().
std::size_t read_mids(const SessionDescription& desc, std::span<std::string_view> out);

// The answerer's role (RFC 8842 §3): actpass -> preferred, active <-> passive.
[[nodiscard]] Result<Setup> answer_setup(Setup offered, Setup preferred);

}  // namespace keyway::sdp
