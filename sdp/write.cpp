// SPDX-License-Identifier: Apache-2.0
#include "keyway/sdp/write.hpp"

#include <cstring>

namespace keyway::sdp {

void TextWriter::append(std::string_view s) {
  if (failed_ || s.size() > out_.size() - len_) {
    failed_ = true;
    return;
  }
  if (!s.empty()) std::memcpy(out_.data() + len_, s.data(), s.size());
  len_ += s.size();
}

void TextWriter::append(const char* s) { append(std::string_view(s)); }

void TextWriter::begin(char type) {
  char head[2] = {type, '='};
  append(std::string_view(head, 2));
}

void TextWriter::end() { append("\r\n"); }

void TextWriter::append_number(uint64_t v) {
  char digits[20];
  std::size_t n = 0;
  do {
    digits[sizeof(digits) - 1 - n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  append(std::string_view(digits + sizeof(digits) - n, n));
}

Result<std::string_view> TextWriter::finish() const {
  ENSURE(!failed_, make_error(Layer::sdp, Code::buffer_too_small, "output buffer too small for the description"));
  return text();
}

std::size_t written_size(const SessionDescription& desc) {
  std::size_t n = 0;
  for (const Line& l : desc.lines) n += l.value.size() + 4;  // "x=" + CRLF
  return n;
}

Result<std::string_view> write(const SessionDescription& desc, std::span<char> out) {
  TextWriter w(out);
  for (const Line& l : desc.lines) w.line(l.type, l.value);
  return w.finish();
}

}  // namespace keyway::sdp
