// SPDX-License-Identifier: Apache-2.0
#include "keyway/sdp/description.hpp"

namespace keyway::sdp {

const Attribute* next_attribute(std::span<const Attribute> attrs, std::string_view name, const Attribute* after) {
  std::size_t i = after == nullptr ? 0 : static_cast<std::size_t>(after - attrs.data()) + 1;
  for (; i < attrs.size(); ++i)
    if (attrs[i].name == name) return &attrs[i];
  return nullptr;
}

const Attribute* MediaDescription::find(std::string_view name) const { return next_attribute(attributes, name, nullptr); }

const Attribute* SessionDescription::find(std::string_view attribute_name) const { return next_attribute(attributes, attribute_name, nullptr); }

bool SessionDescription::same_content(const SessionDescription& other) const {
  if (lines.size() != other.lines.size()) return false;
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (!(lines[i] == other.lines[i])) return false;
  return true;
}

}  // namespace keyway::sdp
