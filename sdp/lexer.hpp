// SPDX-License-Identifier: Apache-2.0
// Lexer: cuts SDP text into "<type>=<value>" lines and small tokens.
//
// RFC 8866 §5: a description is a sequence of lines
//
//     <type>=<value> CRLF
//
// where <type> is one case-significant letter and <value> is structured text
// whose grammar depends on the type. Parsers "SHOULD be tolerant and also
// accept lines terminated with a single newline character", so both CRLF and
// LF end a line here. No allocation: every token is a view into the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace keyway::sdp {

// One raw line as cut from the text: no line end, not yet validated.
struct RawLine {
  std::string_view text;    // the whole line without its line end
  uint32_t number = 0;      // 1-based
  bool crlf = false;        // ended with CRLF (false: LF or end of text)
  bool terminated = false;  // had a line end at all
};

// Iterates over the lines of a text. Never fails; validation is the parser's.
class LineCutter {
 public:
  explicit LineCutter(std::string_view text) : rest_(text) {}
  // Returns false at the end of the text.
  bool next(RawLine& out);

 private:
  std::string_view rest_;
  uint32_t number_ = 0;
};

// Space-separated tokens of a field list (RFC 8866 uses exactly one SP as
// separator; `collapse` also skips runs of spaces and tabs, as browsers do).
class Tokens {
 public:
  explicit Tokens(std::string_view text, bool collapse = false) : rest_(text), collapse_(collapse) {}
  bool next(std::string_view& out);
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
  bool collapse_;
};

// Splits "a<sep>b" at the first sep; returns false if sep is absent.
bool split_once(std::string_view text, char sep, std::string_view& head, std::string_view& tail);

// Character classes of RFC 8866 §9 (ABNF).
bool is_token_char(char c);          // token-char
bool is_token(std::string_view s);   // 1*token-char
bool is_digits(std::string_view s);  // 1*DIGIT
bool is_byte_string(std::string_view s);  // 1*(%x01-09/%x0B-0C/%x0E-FF)

// Decimal parsing with overflow check; no sign, no spaces.
bool parse_u64(std::string_view s, uint64_t& out);
bool parse_u32(std::string_view s, uint32_t& out);
bool parse_u16(std::string_view s, uint16_t& out);
bool parse_u8(std::string_view s, uint8_t& out);

// Case-insensitive ASCII comparison (codec names, hash names).
bool iequals(std::string_view a, std::string_view b);

// Strips trailing spaces and tabs (lenient mode).
std::string_view trim_right(std::string_view s);
std::string_view trim(std::string_view s);

}  // namespace keyway::sdp
