// SPDX-License-Identifier: Apache-2.0
#include "keyway/sdp/parse.hpp"

#include <cstdio>

#include "keyway/sdp/grammar.hpp"
#include "keyway/sdp/lexer.hpp"

namespace keyway::sdp {
namespace {

constexpr Error err(Code code, const char* detail) { return make_error(Layer::sdp, code, detail); }

// A line after cleaning: its type and value, or nothing (skipped).
struct Cleaned {
  bool skip = false;
  char type = 0;
  std::string_view value;
};

Result<Cleaned> clean_line(const RawLine& raw, const ParseOptions& o) {
  std::string_view text = raw.text;
  ENSURE(text.size() <= o.limits.max_line, err(Code::capacity, "line is longer than the configured limit"));
  ENSURE(text.find('\0') == std::string_view::npos, err(Code::malformed, "line contains a NUL byte (RFC 8866 §5)"));
  ENSURE(text.find('\r') == std::string_view::npos, err(Code::malformed, "line contains a stray CR (RFC 8866 §5)"));
  Cleaned out;
  if (o.mode == Mode::lenient) {
    text = trim_right(text);
    if (text.empty()) { out.skip = true; return out; }
  } else {
    ENSURE(!text.empty(), err(Code::malformed, "empty line (RFC 8866 §5)"));
    ENSURE(raw.terminated, err(Code::malformed, "last line has no line end (RFC 8866 §5: CRLF)"));
  }
  ENSURE(text.size() >= 2 && text[1] == '=' && text[0] >= 'a' && text[0] <= 'z',
         err(Code::malformed, "line does not start with <letter>= (RFC 8866 §5)"));
  out.type = text[0];
  out.value = text.substr(2);
  return out;
}

struct Counts {
  std::size_t lines = 0, attributes = 0, media = 0;
};

Result<Counts> count_lines(std::string_view text, const ParseOptions& o, ErrorLocation& where) {
  Counts n;
  LineCutter cutter(text);
  RawLine raw;
  while (cutter.next(raw)) {
    where = {raw.number, raw.text};
    auto c = clean_line(raw, o);
    if (!c.ok()) return c.error();
    if (c->skip) continue;
    ++n.lines;
    if (c->type == 'a') ++n.attributes;
    if (c->type == 'm') ++n.media;
    ENSURE(n.media <= o.limits.max_media, err(Code::capacity, "more m= sections than the configured limit"));
    ENSURE(n.attributes <= o.limits.max_attributes, err(Code::capacity, "more a= lines than the configured limit"));
  }
  where = {};
  ENSURE(n.lines > 0, err(Code::malformed, "empty description"));
  return n;
}

// RFC 8866 §5: the order of lines. Ranks rise through a section; repeatable
// types may repeat; "t= r=*" groups may repeat.
int session_rank(char t) {
  const char* order = "vosiuepcbtrzka";
  for (int i = 0; order[i] != 0; ++i)
    if (order[i] == t) return i;
  return -1;
}
int media_rank(char t) {
  const char* order = "micbka";
  for (int i = 0; order[i] != 0; ++i)
    if (order[i] == t) return i;
  return -1;
}
bool repeatable(char t, bool in_media) {
  if (in_media) return t == 'c' || t == 'b' || t == 'a';
  return t == 'e' || t == 'p' || t == 'b' || t == 't' || t == 'r' || t == 'a';
}

struct OrderCheck {
  bool in_media = false;
  int last = -1;
  char last_type = 0;
  bool seen_v = false, seen_o = false, seen_s = false, seen_t = false;

  const char* accept(char t) {
    if (t == 'm') {
      if (!in_media) {
        if (!(seen_v && seen_o && seen_s && seen_t)) return failure("session section needs v=, o=, s= and t= before m= (RFC 8866 §5)");
      }
      in_media = true;
      last = 0;
      last_type = 'm';
      return nullptr;
    }
    int rank = in_media ? media_rank(t) : session_rank(t);
    if (rank < 0) return in_media ? failure("line type not allowed in a media section (RFC 8866 §5)") : failure("unknown line type (RFC 8866 §5)");
    bool ok = rank > last || (rank == last && repeatable(t, in_media)) || (!in_media && t == 't' && last_type == 'r');
    if (!ok) return failure("line out of order or repeated (RFC 8866 §5)");
    if (!in_media && last < 0 && t != 'v') return failure("first line must be v= (RFC 8866 §5.1)");
    last = rank;
    last_type = t;
    seen_v |= t == 'v';
    seen_o |= t == 'o';
    seen_s |= t == 's';
    seen_t |= t == 't';
    return nullptr;
  }
};

struct Builder {
  const ParseOptions* options = nullptr;
  SessionDescription desc{};
  Line* lines = nullptr;
  Attribute* attrs = nullptr;
  MediaDescription* media = nullptr;
  std::size_t n_lines = 0, n_attrs = 0, n_media = 0;
  std::size_t section_attrs_start = 0;
  bool seen_origin = false;

  bool lenient() const { return options->mode == Mode::lenient; }
  MediaDescription* current() { return n_media == 0 ? nullptr : &media[n_media - 1]; }

  // Ends the current section at line index `end` (exclusive).
  void close_section(std::size_t end) {
    std::span<const Attribute> span(attrs + section_attrs_start, n_attrs - section_attrs_start);
    if (MediaDescription* m = current()) {
      m->attributes = span;
      m->line_count = static_cast<uint32_t>(end - m->first_line);
    } else {
      desc.attributes = span;
      desc.session_line_count = static_cast<uint32_t>(end);
    }
    section_attrs_start = n_attrs;
  }
};

Status parse_origin(Builder& b, std::string_view v) {
  Tokens t(v, b.lenient());
  Origin& o = b.desc.origin;
  std::string_view* f[6] = {&o.username, &o.session_id, &o.session_version, &o.nettype, &o.addrtype, &o.address};
  for (auto* field : f) ENSURE(t.next(*field), err(Code::malformed, "o= line: needs 6 fields (RFC 8866 §5.2)"));
  b.seen_origin = true;
  return ok_status();
}

Status parse_connection(Builder& b, std::string_view v) {
  Tokens t(v, b.lenient());
  Connection c;
  ENSURE(t.next(c.nettype) && t.next(c.addrtype) && t.next(c.address),
         err(Code::malformed, "c= line: needs <nettype> <addrtype> <connection-address> (RFC 8866 §5.7)"));
  if (MediaDescription* m = b.current()) {
    if (!m->has_connection) { m->connection = c; m->has_connection = true; }
  } else if (!b.desc.has_connection) {
    b.desc.connection = c;
    b.desc.has_connection = true;
  }
  return ok_status();
}

Status parse_media_line(Builder& b, std::string_view v) {
  b.close_section(b.n_lines - 1);  // the m= line starts the next section
  MediaDescription& m = b.media[b.n_media++];  // default-constructed by Arena::allocate
  m.first_line = static_cast<uint32_t>(b.n_lines - 1);
  Tokens t(v, b.lenient());
  std::string_view port;
  ENSURE(t.next(m.media) && t.next(port) && t.next(m.proto), err(Code::malformed, "m= line: needs <media> <port> <proto> <fmt>... (RFC 8866 §5.14)"));
  std::string_view number, count;
  if (split_once(port, '/', number, count)) {
    ENSURE(parse_u16(count, m.port_count) && m.port_count > 0, err(Code::malformed, "m= line: number of ports is not a positive number"));
  } else {
    number = port;
  }
  ENSURE(parse_u16(number, m.port), err(Code::malformed, "m= line: port is not a number in 0..65535"));
  m.formats = b.lenient() ? trim(t.rest()) : t.rest();
  ENSURE(b.lenient() || !m.formats.empty(), err(Code::malformed, "m= line: needs at least one format (RFC 8866 §5.14)"));
  return ok_status();
}

void add_attribute(Builder& b, std::string_view v) {
  Attribute& a = b.attrs[b.n_attrs++];  // default-constructed by Arena::allocate
  a.line = static_cast<uint32_t>(b.n_lines - 1);
  a.name = v;
  a.has_value = split_once(v, ':', a.name, a.value);
}

Status add_line(Builder& b, OrderCheck& order, char type, std::string_view value, uint32_t number) {
  b.lines[b.n_lines++] = Line{type, value, number};
  if (!b.lenient()) {
    if (const char* why = order.accept(type)) return err(Code::malformed, why);
    if (const char* why = check_line_grammar(type, value)) return err(Code::malformed, why);
  } else if (b.n_lines == 1 && type != 'v') {
    return err(Code::malformed, "first line must be v= (RFC 8866 §5.1)");
  }
  switch (type) {
    case 'o': if (!b.seen_origin && b.current() == nullptr) return parse_origin(b, value); break;
    case 's': if (b.current() == nullptr) b.desc.name = value; break;
    case 'c': return parse_connection(b, value);
    case 'm': return parse_media_line(b, value);
    case 'a': add_attribute(b, value); break;
    default: break;
  }
  return ok_status();
}

// RFC 8866 §5.7: every media section needs a c= line unless the session has one.
Status check_connections(const Builder& b, ErrorLocation& where) {
  if (b.desc.has_connection) return ok_status();
  for (std::size_t i = 0; i < b.n_media; ++i) {
    if (b.media[i].has_connection) continue;
    const Line& l = b.lines[b.media[i].first_line];
    where = {l.number, l.value};
    return err(Code::malformed, "m= section has no c= line and the session has none (RFC 8866 §5.7)");
  }
  return ok_status();
}

}  // namespace

std::size_t arena_bytes_for(std::string_view text) {
  std::size_t lines = 1;
  for (char c : text) lines += c == '\n';
  std::size_t slack = alignof(Line) + alignof(Attribute) + alignof(MediaDescription);  // worst-case padding
  return lines * (sizeof(Line) + sizeof(Attribute) + sizeof(MediaDescription)) + slack;
}

std::size_t arena_bytes_needed(std::string_view text, const ParseOptions& options) {
  if (text.size() > options.limits.max_size) return 0;
  ErrorLocation where;
  auto counts = count_lines(text, options, where);
  if (!counts.ok()) return 0;
  std::size_t slack = alignof(Line) + alignof(Attribute) + alignof(MediaDescription);  // worst-case padding
  return counts->lines * sizeof(Line) + counts->attributes * sizeof(Attribute) +
         counts->media * sizeof(MediaDescription) + slack;
}

Result<SessionDescription> parse(std::string_view text, Arena& arena, const ParseOptions& options, ErrorLocation* where_out) {
  ErrorLocation scratch;
  ErrorLocation& where = where_out ? *where_out : scratch;
  where = {};
  ENSURE(text.size() <= options.limits.max_size, err(Code::capacity, "description is larger than the configured limit"));
  auto counts = count_lines(text, options, where);
  if (!counts.ok()) return counts.error();

  Builder b;
  b.options = &options;
  b.lines = arena.allocate<Line>(counts->lines);
  b.attrs = arena.allocate<Attribute>(counts->attributes);
  b.media = arena.allocate<MediaDescription>(counts->media);
  ENSURE(b.lines && b.attrs && b.media, err(Code::capacity, "arena too small for this description (see arena_bytes_for)"));

  OrderCheck order;
  LineCutter cutter(text);
  RawLine raw;
  while (cutter.next(raw)) {
    auto c = clean_line(raw, options);  // succeeded in count_lines
    if (c->skip) continue;
    where = {raw.number, raw.text};
    TRY(add_line(b, order, c->type, c->value, raw.number));
  }
  b.close_section(b.n_lines);
  where = {};  // what follows is about the whole description
  if (!b.lenient()) {
    ENSURE(b.n_media > 0 || (order.seen_v && order.seen_o && order.seen_s && order.seen_t),
           err(Code::malformed, "description needs v=, o=, s= and t= lines (RFC 8866 §5)"));
    TRY(check_connections(b, where));
  } else {
    ENSURE(b.seen_origin, err(Code::malformed, "description has no o= line (RFC 8866 §5.2)"));
  }
  where = {};
  b.desc.lines = std::span<const Line>(b.lines, b.n_lines);
  b.desc.media = std::span<const MediaDescription>(b.media, b.n_media);
  return b.desc;
}

std::size_t format_parse_error(const Error& error, const ErrorLocation& where, char* out, std::size_t out_len) {
  if (out_len == 0) return 0;
  int n;
  if (where.line_number == 0) {
    n = std::snprintf(out, out_len, "%s: %s: %s", to_string(error.layer), to_string(error.code), error.detail);
  } else {
    n = std::snprintf(out, out_len, "line %u: %s: %s: %s [%.*s]", static_cast<unsigned>(where.line_number),
                      to_string(error.layer), to_string(error.code), error.detail,
                      static_cast<int>(where.line.size() > 200 ? 200 : where.line.size()), where.line.data());
  }
  if (n < 0) return 0;
  return static_cast<std::size_t>(n) >= out_len ? out_len - 1 : static_cast<std::size_t>(n);
}

}  // namespace keyway::sdp
