// SPDX-License-Identifier: Apache-2.0
#include "keyway/sdp/grammar.hpp"

#include "keyway/sdp/lexer.hpp"

namespace keyway::sdp {
namespace {

// Splits value into exactly n single-space separated non-empty fields.
bool fields(std::string_view value, std::string_view* out, std::size_t n) {
  Tokens t(value);
  for (std::size_t i = 0; i < n; ++i)
    if (!t.next(out[i]) || out[i].empty()) return false;
  std::string_view extra;
  return !t.next(extra);
}

// RFC 8866 §9: typed-time = 1*DIGIT [fixed-len-time-unit]; fixed-len-time-unit = "d" / "h" / "m" / "s"
bool is_typed_time(std::string_view s, bool allow_sign) {
  if (allow_sign && !s.empty() && s.front() == '-') s.remove_prefix(1);
  if (!s.empty() && (s.back() == 'd' || s.back() == 'h' || s.back() == 'm' || s.back() == 's')) s.remove_suffix(1);
  return is_digits(s);
}

const char* check_origin(std::string_view v) {
  std::string_view f[6];
  if (!fields(v, f, 6)) return failure("o= line: needs exactly 6 fields separated by one space (RFC 8866 §5.2)");
  if (!is_digits(f[1])) return failure("o= line: sess-id is not a number");
  if (!is_digits(f[2])) return failure("o= line: sess-version is not a number");
  if (!is_token(f[3]) || !is_token(f[4])) return failure("o= line: nettype/addrtype is not a token");
  return nullptr;
}

const char* check_connection(std::string_view v) {
  std::string_view f[3];
  if (!fields(v, f, 3)) return failure("c= line: needs <nettype> <addrtype> <connection-address> (RFC 8866 §5.7)");
  if (!is_token(f[0]) || !is_token(f[1])) return failure("c= line: nettype/addrtype is not a token");
  return nullptr;
}

const char* check_bandwidth(std::string_view v) {
  std::string_view type, value;
  if (!split_once(v, ':', type, value) || !is_token(type) || !is_digits(value))
    return failure("b= line: needs <bwtype>:<bandwidth> (RFC 8866 §5.8)");
  return nullptr;
}

const char* check_timing(std::string_view v) {
  std::string_view f[2];
  if (!fields(v, f, 2) || !is_digits(f[0]) || !is_digits(f[1]))
    return failure("t= line: needs <start-time> <stop-time> as numbers (RFC 8866 §5.9)");
  return nullptr;
}

const char* check_repeat(std::string_view v) {
  Tokens t(v);
  std::string_view tok;
  std::size_t n = 0;
  while (t.next(tok)) {
    if (!is_typed_time(tok, false)) return failure("r= line: field is not a typed time (RFC 8866 §5.10)");
    ++n;
  }
  if (n < 3) return failure("r= line: needs <interval> <duration> <offsets> (RFC 8866 §5.10)");
  return nullptr;
}

const char* check_zone(std::string_view v) {
  Tokens t(v);
  std::string_view time, offset;
  std::size_t n = 0;
  while (t.next(time)) {
    if (!t.next(offset)) return failure("z= line: needs <adjustment time> <offset> pairs (RFC 8866 §5.11)");
    if (!is_digits(time) || !is_typed_time(offset, true)) return failure("z= line: bad adjustment time or offset");
    ++n;
  }
  return n == 0 ? failure("z= line: empty") : nullptr;
}

const char* check_key(std::string_view v) {
  // RFC 8866 §5.12: "prompt" / "clear:" text / "base64:" base64 / "uri:" uri
  std::string_view method, rest;
  if (v == "prompt") return nullptr;
  if (!split_once(v, ':', method, rest) || rest.empty()) return failure("k= line: needs prompt or <method>:<key> (RFC 8866 §5.12)");
  if (method != "clear" && method != "base64" && method != "uri") return failure("k= line: unknown key method");
  return nullptr;
}

const char* check_attribute(std::string_view v) {
  std::string_view name = v, value;
  bool has_value = split_once(v, ':', name, value);
  if (!is_token(name)) return failure("a= line: attribute name is not a token (RFC 8866 §5.13)");
  if (has_value && !is_byte_string(value)) return failure("a= line: empty value after ':' (RFC 8866 §9 att-value)");
  return nullptr;
}

const char* check_media(std::string_view v) {
  Tokens t(v);
  std::string_view media, port, proto, fmt;
  if (!t.next(media) || !is_token(media)) return failure("m= line: media type is not a token (RFC 8866 §5.14)");
  if (!t.next(port) || port.empty()) return failure("m= line: missing port");
  if (!t.next(proto) || proto.empty()) return failure("m= line: missing proto");
  for (char c : proto)
    if (c != '/' && !is_token_char(c)) return failure("m= line: proto is not token [\"/\" token]");
  std::size_t n = 0;
  while (t.next(fmt)) {
    if (!is_token(fmt)) return failure("m= line: format is not a token (two spaces?)");
    ++n;
  }
  if (n == 0) return failure("m= line: needs at least one format (RFC 8866 §5.14)");
  return nullptr;
}

}  // namespace

const char* check_line_grammar(char type, std::string_view value) {
  switch (type) {
    case 'v': return value == "0" ? nullptr : failure("v= line: version must be 0 (RFC 8866 §5.1)");
    case 'o': return check_origin(value);
    case 's': return is_byte_string(value) ? nullptr : failure("s= line: session name must not be empty (use \"s=-\")");
    case 'i': return is_byte_string(value) ? nullptr : failure("i= line: empty information");
    case 'u': return (is_byte_string(value) && value.find(' ') == std::string_view::npos) ? nullptr : failure("u= line: not a URI");
    case 'e': return is_byte_string(value) ? nullptr : failure("e= line: empty email");
    case 'p': return is_byte_string(value) ? nullptr : failure("p= line: empty phone number");
    case 'c': return check_connection(value);
    case 'b': return check_bandwidth(value);
    case 't': return check_timing(value);
    case 'r': return check_repeat(value);
    case 'z': return check_zone(value);
    case 'k': return check_key(value);
    case 'a': return check_attribute(value);
    case 'm': return check_media(value);
    default: return failure("unknown line type (RFC 8866 §5)");
  }
}

}  // namespace keyway::sdp
