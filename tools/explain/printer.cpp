// SPDX-License-Identifier: Apache-2.0
// Field printer (see printer.hpp).
#include "tools/explain/printer.hpp"

#include <fmt/format.h>

namespace keyway::explain {
namespace {
constexpr std::size_t kPerLine = 8;
constexpr std::size_t kMaxLines = 4;
constexpr int kBytesWidth = 3 * kPerLine - 1;
}  // namespace

std::string hex(Bytes b) {
  std::string s;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i != 0) s += ' ';
    s += fmt::format("{:02x}", b[i]);
  }
  return s;
}

void Printer::field(Bytes bytes, std::string_view meaning, std::string_view rfc, std::string_view parser) {
  std::string pad(static_cast<std::size_t>(depth_) * 2, ' ');
  std::size_t off = offset_of(bytes);
  Bytes first = bytes.first(bytes.size() < kPerLine ? bytes.size() : kPerLine);
  out_ += fmt::format("{:04x}  {:<{}}  {}{}", off, hex(first), kBytesWidth, pad, meaning);
  if (!rfc.empty() || !parser.empty())
    out_ += fmt::format("  [{}{}{}]", rfc, !rfc.empty() && !parser.empty() ? " | " : "", parser);
  out_ += '\n';
  std::size_t lines = 1;
  for (std::size_t at = kPerLine; at < bytes.size(); at += kPerLine, ++lines) {
    if (!all_ && lines >= kMaxLines) {
      out_ += fmt::format("{:04x}  … {} more bytes\n", off + at, bytes.size() - at);
      break;
    }
    Bytes part = bytes.subspan(at, bytes.size() - at < kPerLine ? bytes.size() - at : kPerLine);
    out_ += fmt::format("{:04x}  {}\n", off + at, hex(part));
  }
}

void Printer::heading(std::string_view text) {
  out_ += fmt::format("{}{}\n", std::string(static_cast<std::size_t>(depth_) * 2, ' '), text);
}

void Printer::note(std::string_view text) {
  out_ += fmt::format("{:<{}}{}{}\n", "", 6 + kBytesWidth + 2, std::string(static_cast<std::size_t>(depth_) * 2, ' '), text);
}

}  // namespace keyway::explain
