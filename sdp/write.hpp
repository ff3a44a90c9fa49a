// SPDX-License-Identifier: Apache-2.0
// Writing SDP text (RFC 8866 §5): "<type>=<value>" lines ended by CRLF.
//
//   SessionDescription --write()--> text      (round trip of a parsed one)
//   TextWriter.line('a', "mid:", mid)  --> text  (building offers/answers)
//
// Both write into a caller's buffer and never allocate; running out of room
// is Code::buffer_too_small.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "keyway/lib/result.hpp"
#include "keyway/sdp/description.hpp"

namespace keyway::sdp {

// Writes every line of `desc` with CRLF ends. For a description parsed from
// well-formed CRLF text this gives back the same bytes.
[[nodiscard]] Result<std::string_view> write(const SessionDescription& desc, std::span<char> out);

// Bytes write() needs for `desc`.
std::size_t written_size(const SessionDescription& desc);

class TextWriter {
 public:
  explicit TextWriter(std::span<char> out) : out_(out) {}

  // One line: type, '=', the parts concatenated, CRLF. Parts are strings or
  // unsigned integers (written in decimal). (By value: a literal decays to
  // const char*, so lines of one shape share one instantiation; pass small
  // numbers as uint32_t{n} for the same reason.)
  template <typename... Parts>
  void line(char type, Parts... parts) {
    begin(type);
    (put(parts), ...);
    end();
  }
  // For lines built piece by piece: begin('m'); append(...); end();
  void begin(char type);
  void end();
  void append(std::string_view s);
  // A NUL-terminated string, e.g. a literal: one register at the call site
  // rather than a string_view built on the stack (smaller code on the target).
  void append(const char* s);
  void append_number(uint64_t v);

  bool failed() const { return failed_; }
  std::size_t size() const { return len_; }
  std::string_view text() const { return {out_.data(), len_}; }
  // The text, or buffer_too_small if anything did not fit.
  [[nodiscard]] Result<std::string_view> finish() const;

 private:
  template <typename T>
  void put(T part) {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, char> && !std::is_same_v<T, bool>) {
      static_assert(std::is_unsigned_v<T>, "TextWriter writes unsigned numbers only");
      append_number(part);
    } else if constexpr (std::is_same_v<T, const char*>) {
      append(part);
    } else {
      append(std::string_view(part));
    }
  }

  std::span<char> out_;
  std::size_t len_ = 0;
  bool failed_ = false;
};

}  // namespace keyway::sdp
