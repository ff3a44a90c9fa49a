// SPDX-License-Identifier: Apache-2.0
// Test helpers: hex literals to byte vectors and back.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keyway/lib/hex.hpp"

namespace keyway::test {

inline std::vector<uint8_t> unhex(std::string_view text) {
  std::vector<uint8_t> out(text.size() / 2 + 1);
  auto r = from_hex(text.data(), text.size(), out);
  if (!r.ok()) return {};
  out.resize(*r);
  return out;
}

inline std::string hex(std::span<const uint8_t> b) {
  std::string s(b.size() * 2 + 1, '\0');
  to_hex(b, s.data(), s.size());
  s.resize(b.size() * 2);
  return s;
}

inline std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace keyway::test
