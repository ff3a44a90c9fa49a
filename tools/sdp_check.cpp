// SPDX-License-Identifier: Apache-2.0
#include "tools/sdp_check.hpp"

#include <cstdio>
#include <vector>

#include "keyway/sdp/negotiate.hpp"
#include "keyway/sdp/parse.hpp"
#include "keyway/sdp/webrtc.hpp"

namespace keyway::tools {

using namespace keyway::sdp;

namespace {
int print_error(const Error& e, const ErrorLocation& where, const char* prefix = "error: ") {
  char text[512];
  format_parse_error(e, where, text, sizeof text);
  std::fprintf(stderr, "%s%s\n", prefix, text);
  return 1;
}

// The offer as `answerer` would take it (RFC 3264 §6): refused whole, or
// section by section (port 0), with the reason and its line.
int check_as_offer(const SessionDescription& d, const AnswerOptions& answerer) {
  std::vector<char> out(65536);
  AnswerSummary s;
  ErrorLocation where;
  auto a = create_answer(d, answerer, std::span<char>(out.data(), out.size()), &s, &where);
  if (!a.ok()) return print_error(a.error(), where, "refused: an answerer would refuse this offer: ");
  if (s.first_refused != SIZE_MAX) {
    locate(d, d.media[s.first_refused], &where);
    char text[512];
    format_parse_error(s.refusal, where, text, sizeof text);
    std::printf("note: m[%zu] would be refused (port 0 in the answer), %zu of %zu sections in all: %s\n", s.first_refused,
                s.rejected, s.accepted + s.rejected, text);
  }
  std::printf("answerer: accepts %zu of %zu m= sections\n", s.accepted, s.accepted + s.rejected);
  return 0;
}
}  // namespace

int print_sdp_check(const std::string& text, const AnswerOptions* answerer) {
  std::vector<std::byte> memory(arena_bytes_for(text));
  Arena arena(memory);
  ErrorLocation where;
  auto d = parse(text, arena, {}, &where);
  if (!d.ok()) {
    char msg[512];
    format_parse_error(d.error(), where, msg, sizeof msg);
    std::fprintf(stderr, "%s\n", msg);
    return 1;
  }
  std::printf("session: %zu lines, %zu m= sections, origin %.*s\n", d->lines.size(), d->media.size(),
              static_cast<int>(d->origin.session_id.size()), d->origin.session_id.data());
  for (std::size_t i = 0; i < d->media.size(); ++i) {
    auto v = view_media(*d, i, &where);
    if (!v.ok()) return print_error(v.error(), where);
    const MediaDescription& m = d->media[i];
    std::printf("m[%zu] %.*s port %u %.*s mid=%.*s %s%s%s fingerprints=%u setup=%s ufrag=%.*s candidates=%zu\n", i,
                static_cast<int>(m.media.size()), m.media.data(), m.port, static_cast<int>(m.proto.size()), m.proto.data(),
                static_cast<int>(v->mid.size()), v->mid.data(), to_string(v->direction), v->rtcp_mux ? " rtcp-mux" : "",
                v->in_bundle ? " bundled" : "", v->transport.fingerprint_count,
                v->transport.has_setup ? to_string(v->transport.setup) : "-", static_cast<int>(v->transport.ice_ufrag.size()),
                v->transport.ice_ufrag.data(), candidates(v->transport).count());
  }
  ExtmapConflict c;
  if (!check_bundle_extmaps(*d, &c).ok())
    std::printf("warning: extmap id %u names %.*s and %.*s in one BUNDLE group\n", c.id, static_cast<int>(c.first_uri.size()),
                c.first_uri.data(), static_cast<int>(c.second_uri.size()), c.second_uri.data());
  auto r = read_remote(*d, &where);
  if (!r.ok()) return print_error(r.error(), where);
  std::printf("transport: section %zu, %s\n", r->transport_index, r->bundle ? "BUNDLE" : "no BUNDLE");
  return answerer != nullptr ? check_as_offer(*d, *answerer) : 0;
}

int print_sdp_answer(const std::string& offer_text, const AnswerOptions& options) {
  std::vector<std::byte> memory(arena_bytes_for(offer_text));
  Arena arena(memory);
  ErrorLocation where;
  auto d = parse(offer_text, arena, {Mode::lenient, {}}, &where);
  if (!d.ok()) {
    char msg[512];
    format_parse_error(d.error(), where, msg, sizeof msg);
    std::fprintf(stderr, "%s\n", msg);
    return 1;
  }
  std::vector<char> out(65536);
  AnswerSummary s;
  auto a = create_answer(*d, options, std::span<char>(out.data(), out.size()), &s, &where);
  if (!a.ok()) return print_error(a.error(), where);
  if (s.extmap_conflict)
    std::fprintf(stderr, "note: the offer reuses extmap id %u for two URIs; dropped from the answer\n", s.conflict.id);
  std::fwrite(a->data(), 1, a->size(), stdout);
  return 0;
}

}  // namespace keyway::tools
