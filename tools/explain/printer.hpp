// SPDX-License-Identifier: Apache-2.0
// The layout of `keyway explain`: one line per field, the bytes on the left
// and their meaning on the right, then the rule and the code that reads it.
//
//   0000  00 01                    type: Binding request (method 0x001, class request)  [RFC 8489 §5 | ice::stun::Message::parse]
//   ^off  ^the field's bytes       ^meaning                                              ^RFC section | keyway function
//
// Offsets are from the start of the datagram. A field longer than 8 bytes
// continues on the next lines, 8 bytes each (at most 4 lines unless
// all_bytes is set, then "… N more bytes").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::explain {

class Printer {
 public:
  Printer(std::string& out, Bytes datagram, bool all_bytes) : out_(out), datagram_(datagram), all_(all_bytes) {}

  // A field: `bytes` must lie inside the datagram (its offset is computed).
  void field(Bytes bytes, std::string_view meaning, std::string_view rfc, std::string_view parser);
  // A heading ("STUN message", "record 1") at the current indentation.
  void heading(std::string_view text);
  // A line of prose (a check's result, a warning) without bytes.
  void note(std::string_view text);
  void indent() { depth_ += 1; }
  void outdent() { depth_ = depth_ > 0 ? depth_ - 1 : 0; }

  Bytes datagram() const { return datagram_; }
  std::string& out() { return out_; }
  std::size_t offset_of(Bytes b) const { return static_cast<std::size_t>(b.data() - datagram_.data()); }

 private:
  std::string& out_;
  Bytes datagram_;
  bool all_;
  int depth_ = 0;
};

// Keeps the indentation balanced in a scope.
struct Indented {
  explicit Indented(Printer& p) : p_(p) { p_.indent(); }
  ~Indented() { p_.outdent(); }
  Indented(const Indented&) = delete;
  Indented& operator=(const Indented&) = delete;
  Printer& p_;
};

// "0a 1b 2c" (all bytes).
std::string hex(Bytes b);

// An Error as its one-line text (layer, code, detail).
inline std::string error_text(const Error& e) {
  char buf[160];
  format_error(e, buf, sizeof buf);
  return buf;
}

// The note under a field saying what keyway's own parser made of it.
template <typename R>
void verdict(Printer& p, const R& result, std::string_view parser) {
  if (result.ok()) p.note(std::string(parser) + " accepts it");
  else p.note(std::string(parser) + " refuses it: " + error_text(result.error()));
}

}  // namespace keyway::explain
