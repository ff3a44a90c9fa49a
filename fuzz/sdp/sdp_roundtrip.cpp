// SPDX-License-Identifier: Apache-2.0
// Round-trip target (style.md §7): for any x that parses,
// parse(write(parse(x))) == parse(x), in strict and lenient mode, and
// writing is then a fixed point.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "keyway/sdp/parse.hpp"
#include "keyway/sdp/write.hpp"

using namespace keyway;

namespace {
std::array<std::byte, 1 << 20> g_first;
std::array<std::byte, 1 << 20> g_second;
std::array<char, 1 << 17> g_text;
std::array<char, 1 << 17> g_text2;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (sdp::arena_bytes_for(text) > g_first.size()) return 0;
  for (sdp::Mode mode : {sdp::Mode::strict, sdp::Mode::lenient}) {
    sdp::Arena a1(g_first);
    auto first = sdp::parse(text, a1, {mode, {}});
    if (!first.ok()) continue;
    auto written = sdp::write(*first, g_text);
    if (!written.ok()) continue;  // larger than the output buffer
    sdp::Arena a2(g_second);
    auto second = sdp::parse(*written, a2, {mode, {}});
    if (!second.ok()) std::abort();
    if (!second->same_content(*first)) std::abort();
    if (second->media.size() != first->media.size() || second->attributes.size() != first->attributes.size()) std::abort();
    auto again = sdp::write(*second, g_text2);
    if (!again.ok() || *again != *written) std::abort();
    // Well-formed CRLF input comes back byte for byte.
    if (mode == sdp::Mode::strict && text.find('\n') != std::string_view::npos) {
      bool all_crlf = true;
      for (std::size_t i = 0; i < text.size(); ++i)
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) all_crlf = false;
      if (all_crlf && *written != text) std::abort();
    }
  }
  return 0;
}
