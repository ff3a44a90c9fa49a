// SPDX-License-Identifier: Apache-2.0
// Parsing an SDP text into a SessionDescription (RFC 8866).
//
//   text --LineCutter--> lines --order + grammar checks--> SessionDescription
//                                                          (views into text,
//                                                           arrays in Arena)
//
// Two modes:
//  * strict: RFC 8866 §5 line order and §9 grammar for every line type, CRLF
//    or LF line ends, a line end after the last line. keyway's own offers and
//    answers always pass it.
//  * lenient: what browsers tolerate: trailing blanks, blank lines, runs of
//    spaces between fields, lines out of order, unknown line types, missing
//    s=/t=, a last line without a line end, an m= line without formats.
//
// Bounded work and memory: the text, each line, the number of m= sections and
// of a= lines are limited (Limits), nothing recurses, and the arena use is at
// most arena_bytes_for(text) (about 60 bytes per line).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "keyway/lib/result.hpp"
#include "keyway/sdp/arena.hpp"
#include "keyway/sdp/description.hpp"

namespace keyway::sdp {

enum class Mode : uint8_t { strict, lenient };

struct Limits {
  std::size_t max_size = 64 * 1024;   // whole text, bytes
  std::size_t max_line = 4096;        // one line, bytes (without line end)
  std::size_t max_media = 64;         // m= sections
  std::size_t max_attributes = 2048;  // a= lines in total
};

struct ParseOptions {
  Mode mode = Mode::strict;
  Limits limits{};
};

// ErrorLocation (where a parse failed) is in description.hpp: the readers of
// webrtc.hpp and negotiate.hpp fill it too.

// Parses `text`. On failure returns an Error (Layer::sdp) whose detail says
// what was wrong, and fills *where (if given) with the offending line.
[[nodiscard]] Result<SessionDescription> parse(std::string_view text, Arena& arena,
                                               const ParseOptions& options = {},
                                               ErrorLocation* where = nullptr);

// Upper bound of the arena bytes parse() can use for this text.
std::size_t arena_bytes_for(std::string_view text);
// Exactly what parse(text, arena, options) allocates from a fresh arena (its
// lines, a= lines and m= sections counted first, as parse() does), at most
// arena_bytes_for(text); 0 when parse() would fail before allocating.
std::size_t arena_bytes_needed(std::string_view text, const ParseOptions& options);

// "line 7: sdp: malformed: m= line: port is not a number [m=audio x RTP/AVP 0]"
// into out (NUL-terminated, truncated to fit); returns the length written.
std::size_t format_parse_error(const Error& error, const ErrorLocation& where, char* out, std::size_t out_len);

}  // namespace keyway::sdp
