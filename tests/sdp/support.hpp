// SPDX-License-Identifier: Apache-2.0
// Helpers for the sdp/ tests: files of the corpus, arenas sized for a text.
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "keyway/sdp/negotiate.hpp"
#include "keyway/sdp/parse.hpp"
#include "keyway/sdp/write.hpp"

namespace keyway::test {

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline std::filesystem::path sdp_dir() { return std::filesystem::path(KEYWAY_SDP_TEST_DIR); }

inline std::vector<std::filesystem::path> sdp_files(const char* sub) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(sdp_dir() / sub))
    if (e.path().extension() == ".sdp") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Owns the memory a parse needs (the text must outlive the description).
struct Parsed {
  std::string text;
  std::vector<std::byte> memory;
  sdp::Arena arena;
  sdp::ErrorLocation where;
  Result<sdp::SessionDescription> result;

  explicit Parsed(std::string t, sdp::Mode mode = sdp::Mode::strict)
      : text(std::move(t)), memory(sdp::arena_bytes_for(text)), arena(memory),
        result(sdp::parse(text, arena, sdp::ParseOptions{mode, {}}, &where)) {}
  Parsed(const Parsed&) = delete;
  bool ok() const { return result.ok(); }
  const sdp::SessionDescription& desc() const { return result.value(); }
  std::string error() const {
    char buf[512];
    sdp::format_parse_error(result.error(), where, buf, sizeof buf);
    return buf;
  }
};

inline std::string write_text(const sdp::SessionDescription& d) {
  std::string out(sdp::written_size(d), '\0');
  auto r = sdp::write(d, std::span<char>(out.data(), out.size()));
  if (!r.ok()) return "<write failed>";
  return std::string(*r);
}

inline std::string crlf(std::string_view lf_text) {
  std::string out;
  for (char c : lf_text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace keyway::test
