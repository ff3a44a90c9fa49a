// SPDX-License-Identifier: Apache-2.0
// create_answer: keyway's answer to a remote offer (JSEP RFC 8829 §5.3.1,
// RFC 3264 §6, BUNDLE RFC 8843 §7.3).
//
//   for each offered m= section, in order (RFC 3264 §6: same count and order):
//     audio/video + DTLS-SRTP profile + a=rtcp-mux + a common codec
//        -> accepted: port 9, the chosen payload types, a=mid echoed
//     anything else
//        -> rejected: port 0, the offered formats, a=mid echoed
//   a=group:BUNDLE lists the accepted mids of the offer's BUNDLE group; the
//   first of them is the answerer-tagged section and alone carries the
//   candidates. Every accepted section repeats the (identical) ICE
//   credentials, fingerprint and setup, as Chromium's and Firefox's answers
//   do: aiortc 1.4.0 refuses an answer whose bundled sections lack them.
//   Never echoed: candidates, ice-ufrag/pwd, fingerprint, a=crypto, ssrc and
//   msid lines, rtcp-mux-only (RFC 8858 §4.3), rid/simulcast (declined).
#include "keyway/sdp/codec_match.hpp"
#include "keyway/sdp/lexer.hpp"
#include "keyway/sdp/local.hpp"

namespace keyway::sdp {
namespace {

constexpr Error unusable(Code code, const char* detail) { return make_error(Layer::sdp, code, detail); }

struct SectionPlan {
  bool accepted = false;
  Error reason{};                 // why it was rejected
  ErrorLocation where;            // and on which line (the attribute, else the m= line)
  MediaKind kind = MediaKind::audio;
  bool audio_or_video = false;    // m=audio or m=video (the sections a refusal is reported for)
  std::string_view mid;
  Direction direction = Direction::inactive;
  const Sender* sender = nullptr; // non-null: we send in this section
  detail::ChosenCodecs codecs;
};

// One extmap id -> URI table for the whole BUNDLE transport.
struct ExtmapTable {
  std::array<HeaderExtension, 32> entries{};
  std::size_t count = 0;
  // False if id already names another URI (or the table is full).
  bool bind(uint16_t id, std::string_view uri) {
    for (std::size_t i = 0; i < count; ++i)
      if (entries[i].id == id) return entries[i].uri == uri;
    if (count == entries.size()) return false;
    entries[count++] = {id, uri};
    return true;
  }
};

struct AnswerContext {
  const SessionDescription* offer;
  const AnswerOptions* options;
  Group bundle;
  bool has_bundle = false;
  Setup local_setup = Setup::active;
  std::size_t tagged = SIZE_MAX;  // index of the section that carries the transport
  ExtmapTable extmaps;
  AnswerSummary* summary;
};

Direction answer_direction(Direction offered, bool we_send) {
  switch (offered) {  // RFC 3264 §6.1
    case Direction::sendrecv: return we_send ? Direction::sendrecv : Direction::recvonly;
    case Direction::sendonly: return Direction::recvonly;
    case Direction::recvonly: return we_send ? Direction::sendonly : Direction::inactive;
    case Direction::inactive: return Direction::inactive;
  }
  return Direction::inactive;
}

// Decides whether section i is accepted; fills plan.
void plan_section(AnswerContext& ctx, std::size_t i, SectionPlan& plan, bool& audio_sender_used, bool& video_sender_used) {
  const MediaDescription& m = ctx.offer->media[i];
  const AnswerOptions& o = *ctx.options;
  locate(*ctx.offer, m, &plan.where);
  auto view = view_media(*ctx.offer, i, &plan.where);
  if (const Attribute* mid = m.find("mid")) plan.mid = mid->value;  // checked by check_echoable
  bool audio = m.media == "audio";
  plan.kind = audio ? MediaKind::audio : MediaKind::video;
  plan.audio_or_video = audio || m.media == "video";
  bool active = !m.rejected() || (m.has("bundle-only") && view.ok() && view->in_bundle);  // JSEP §5.2.1 bundle-only
  if (!view.ok()) { plan.reason = view.error(); return; }
  if (!active) { plan.reason = unusable(Code::unsupported, "offer: section is disabled (port 0)"); return; }
  if (!plan.audio_or_video) { plan.reason = unusable(Code::unsupported, "offer: only audio and video sections are supported"); return; }
  if (!is_dtls_srtp_proto(m.proto)) {
    plan.reason = view->has_crypto ? unusable(Code::unsupported, "SDES keying is not supported, use DTLS-SRTP (RFC 8827 §6.5)")
                                   : unusable(Code::unsupported, "unsupported transport profile: only UDP/TLS/RTP/SAVPF and its TCP variants are DTLS-SRTP");
    return;
  }
  if (!view->rtcp_mux) { plan.reason = unusable(Code::unsupported, "offer: section without a=rtcp-mux (keyway requires RTP/RTCP multiplexing, RFC 8829 §4.1.3)"); return; }
  plan.codecs = detail::choose_codecs(m, audio ? o.audio_codecs : o.video_codecs);
  if (plan.codecs.count == 0) { plan.reason = unusable(Code::unsupported, "offer: no codec in common with the local preferences"); return; }
  plan.accepted = true;
  const Sender& s = audio ? o.audio_sender : o.video_sender;
  bool& used = audio ? audio_sender_used : video_sender_used;
  bool they_receive = view->direction == Direction::sendrecv || view->direction == Direction::recvonly;
  if (s.ssrc != 0 && !used && they_receive) {
    plan.sender = &s;
    used = true;
  }
  plan.direction = answer_direction(view->direction, plan.sender != nullptr);
}

// The offer's text we echo must be valid grammar even when it was parsed leniently.
Status check_echoable(const MediaDescription& m) {
  ENSURE(is_token(m.media), unusable(Code::malformed, "offer: m= media type is not a token"));
  const Attribute* mid = m.find("mid");
  ENSURE(mid == nullptr || is_token(mid->value), unusable(Code::malformed, "offer: a=mid is not a token (RFC 5888 §4)"));
  for (char c : m.proto) ENSURE(c == '/' || is_token_char(c), unusable(Code::malformed, "offer: m= proto is not token[/token]"));
  Tokens formats(m.formats, true);
  std::string_view f;
  while (formats.next(f)) ENSURE(is_token(f), unusable(Code::malformed, "offer: m= format is not a token"));
  return ok_status();
}

// RFC 5888 §4: a mid identifies one section; the answer echoes them (RFC 8829 §5.3.1).
Status check_unique_mid(const SessionDescription& offer, std::size_t i) {
  const Attribute* mid = offer.media[i].find("mid");
  if (mid == nullptr) return ok_status();
  for (std::size_t j = 0; j < i; ++j) {
    const Attribute* other = offer.media[j].find("mid");
    ENSURE(other == nullptr || other->value != mid->value, unusable(Code::malformed, "offer: a=mid value used by two sections (RFC 5888 §4)"));
  }
  return ok_status();
}

void write_media_line(TextWriter& w, const MediaDescription& m, const SectionPlan& plan) {
  w.begin('m');
  w.append(m.media);
  w.append(plan.accepted ? " 9 " : " 0 ");  // RFC 3264 §6: port 0 rejects
  w.append(m.proto);
  if (plan.accepted) {
    for (std::size_t i = 0; i < plan.codecs.count; ++i) {
      w.append(" ");
      w.append_number(plan.codecs.list[i].payload_type);
    }
  } else {
    Tokens formats(m.formats, true);
    std::string_view f;
    std::size_t n = 0;
    for (; formats.next(f); ++n) { w.append(" "); w.append(f); }
    if (n == 0) w.append(" 0");  // RFC 8866 §5.14 needs one format
  }
  w.end();
  w.line('c', "IN IP4 0.0.0.0");
}

void write_extmaps(AnswerContext& ctx, TextWriter& w, const MediaDescription& m) {
  for (std::string_view v : AttributeValues(m.attributes, "extmap")) {
    auto e = parse_extmap(v);
    if (!e.ok()) continue;
    bool wanted = false;
    for (const HeaderExtension& h : ctx.options->extensions) wanted = wanted || h.uri == e->uri;
    if (!wanted) continue;
    if (!ctx.extmaps.bind(e->id, e->uri)) continue;  // RFC 8843 §9.2: drop an id reused for another URI
    w.begin('a');
    w.append("extmap:");
    w.append_number(e->id);
    if (e->has_direction) { w.append("/"); w.append(to_string(reverse(e->direction))); }  // RFC 8285 §7
    w.append(" ");
    w.append(e->uri);
    w.end();
  }
}

void write_feedback(TextWriter& w, const MediaDescription& m, const detail::ChosenCodec& c) {
  for (std::string_view v : AttributeValues(m.attributes, "rtcp-fb")) {
    auto fb = parse_rtcp_fb(v);
    if (!fb.ok() || fb->any_payload || fb->payload_type != c.payload_type) continue;
    std::string_view text = v.substr(v.find(' ') + 1);  // "<type>[ <parameter>]"
    for (std::string_view want : c.preference->feedback) {
      if (want != text) continue;
      w.line('a', "rtcp-fb:", uint32_t{c.payload_type}, " ", text);
      break;
    }
  }
}

void write_accepted(AnswerContext& ctx, TextWriter& w, std::size_t i, const SectionPlan& plan) {
  const MediaDescription& m = ctx.offer->media[i];
  write_media_line(w, m, plan);
  if (!plan.mid.empty()) w.line('a', "mid:", plan.mid);
  bool bundled = ctx.has_bundle && !plan.mid.empty() && ctx.bundle.contains(plan.mid);
  detail::write_ice_dtls(w, ctx.options->transport, ctx.local_setup);
  if (!bundled || i == ctx.tagged) detail::write_candidates(w, ctx.options->transport);  // RFC 8843 §7.3.1
  write_extmaps(ctx, w, m);
  w.line('a', to_string(plan.direction));
  if (plan.sender != nullptr) detail::write_msid(w, *plan.sender);
  w.line('a', "rtcp-mux");
  if (m.has("rtcp-rsize")) w.line('a', "rtcp-rsize");  // JSEP §5.3.1: only if offered
  for (std::size_t c = 0; c < plan.codecs.count; ++c) {
    const detail::ChosenCodec& codec = plan.codecs.list[c];
    detail::write_codec(w, codec.payload_type, codec.rtpmap.encoding, codec.rtpmap.clock_rate, codec.rtpmap.channels,
                        plan.kind == MediaKind::audio, codec.fmtp);
    write_feedback(w, m, codec);
  }
  if (plan.sender != nullptr) detail::write_ssrcs(w, *plan.sender);
}

void write_rejected(TextWriter& w, const MediaDescription& m, const SectionPlan& plan) {
  write_media_line(w, m, plan);
  if (!plan.mid.empty()) w.line('a', "mid:", plan.mid);
}

constexpr std::size_t kMaxSections = 64;

// The accepted section whose a=mid is `id` (the first, mids being unique), or SIZE_MAX.
std::size_t accepted_section(const AnswerContext& ctx, const std::array<bool, kMaxSections>& accepted, std::string_view id) {
  for (std::size_t i = 0; i < ctx.offer->media.size(); ++i) {
    const Attribute* mid = ctx.offer->media[i].find("mid");
    if (accepted[i] && mid != nullptr && mid->value == id) return i;
  }
  return SIZE_MAX;
}

// Pass 1: which sections are accepted, which is tagged, and the first reason
// a section was refused (reported when nothing could be accepted).
Status plan_all(AnswerContext& ctx, std::array<bool, kMaxSections>& accepted, ErrorLocation* where) {
  bool audio_used = false, video_used = false;
  ErrorLocation reason_at;
  for (std::size_t i = 0; i < ctx.offer->media.size(); ++i) {
    const MediaDescription& m = ctx.offer->media[i];
    Status st = check_echoable(m);
    if (st.ok()) st = check_unique_mid(*ctx.offer, i);
    if (!st.ok()) {
      locate(*ctx.offer, m, where);
      return st;
    }
    SectionPlan plan;
    plan_section(ctx, i, plan, audio_used, video_used);
    accepted[i] = plan.accepted;
    if (plan.accepted) ++ctx.summary->accepted;
    else ++ctx.summary->rejected;
    if (!plan.accepted && plan.audio_or_video && ctx.summary->first_refused == SIZE_MAX) {
      ctx.summary->first_refused = i;
      ctx.summary->refusal = plan.reason;
      reason_at = plan.where;
    }
  }
  if (ctx.summary->accepted == 0) {
    if (ctx.summary->first_refused == SIZE_MAX) return unusable(Code::unsupported, "offer: no audio or video section");
    if (where != nullptr) *where = reason_at;
    return ctx.summary->refusal;
  }
  // RFC 8843 §7.3.1: the answerer-tagged section is the first accepted mid of the group.
  if (ctx.has_bundle) {
    Tokens ids(ctx.bundle.ids, true);
    std::string_view id;
    while (ctx.tagged == SIZE_MAX && ids.next(id)) ctx.tagged = accepted_section(ctx, accepted, id);
    ctx.has_bundle = ctx.tagged != SIZE_MAX;
  }
  return ok_status();
}

void write_session(AnswerContext& ctx, TextWriter& w, const std::array<bool, kMaxSections>& accepted) {
  detail::write_session_header(w, ctx.options->session_id, ctx.options->session_version);
  if (ctx.has_bundle) {
    w.begin('a');
    w.append("group:BUNDLE");
    Tokens ids(ctx.bundle.ids, true);
    std::string_view id;
    while (ids.next(id)) {
      if (accepted_section(ctx, accepted, id) == SIZE_MAX) continue;
      w.append(" ");
      w.append(id);
    }
    w.end();
  }
  if (ctx.options->transport.ice_lite) w.line('a', "ice-lite");
  if (ctx.options->transport.ice_pacing_ms != 0)  // RFC 8839 §5.5
    w.line('a', "ice-pacing:", ctx.options->transport.ice_pacing_ms);
  if (ctx.offer->has("extmap-allow-mixed")) w.line('a', "extmap-allow-mixed");  // RFC 8285 §6: only if offered
}

}  // namespace

Result<std::string_view> create_answer(const SessionDescription& offer, const AnswerOptions& options, std::span<char> out,
                                       AnswerSummary* summary_out, ErrorLocation* where) {
  AnswerSummary local_summary;
  AnswerSummary& summary = summary_out != nullptr ? *summary_out : local_summary;
  summary = AnswerSummary{};
  TRY(detail::check_local_transport(options.transport));
  TRY(detail::check_sender(options.audio_sender));
  TRY(detail::check_sender(options.video_sender));
  ENSURE(offer.media.size() <= kMaxSections, unusable(Code::capacity, "offer: more than 64 m= sections"));
  auto remote = read_remote(offer, where);
  if (!remote.ok()) return remote.error();
  summary.remote_setup = remote->transport.has_setup ? remote->transport.setup : Setup::actpass;
  auto setup = answer_setup(summary.remote_setup, options.setup_for_actpass);
  if (!setup.ok()) {
    const Attribute* line = remote->transport.section->find("setup");
    if (line == nullptr) line = offer.find("setup");
    if (line != nullptr) locate(offer, *line, where);
    return setup.error();
  }
  summary.local_setup = *setup;
  summary.extmap_conflict = !check_bundle_extmaps(offer, &summary.conflict).ok();

  AnswerContext ctx{&offer, &options, {}, false, *setup, SIZE_MAX, {}, &summary};
  ctx.has_bundle = find_bundle(offer, ctx.bundle);
  std::array<bool, kMaxSections> accepted{};
  TRY(plan_all(ctx, accepted, where));
  summary.bundle = ctx.has_bundle;

  TextWriter w(out);
  write_session(ctx, w, accepted);
  bool audio_used = false, video_used = false;
  for (std::size_t i = 0; i < offer.media.size(); ++i) {
    SectionPlan plan;  // pass 2 repeats pass 1's decisions
    plan_section(ctx, i, plan, audio_used, video_used);
    if (plan.accepted) write_accepted(ctx, w, i, plan);
    else write_rejected(w, offer.media[i], plan);
  }
  return w.finish();
}

}  // namespace keyway::sdp
