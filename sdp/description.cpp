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

const Attribute* MediaDescription::find(const char* name) const { return find(std::string_view(name)); }

const Attribute* SessionDescription::find(const char* attribute_name) const { return find(std::string_view(attribute_name)); }

bool SessionDescription::same_content(const SessionDescription& other) const {
  if (lines.size() != other.lines.size()) return false;
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (!(lines[i] == other.lines[i])) return false;
  return true;
}

ErrorLocation locate_line(const SessionDescription& desc, uint32_t index) {
  if (index >= desc.lines.size()) return {};
  const Line& l = desc.lines[index];
  return {l.number, std::string_view(l.value.data() - 2, l.value.size() + 2)};
}

void locate(const SessionDescription& desc, const Attribute& attribute, ErrorLocation* where) {
  if (where != nullptr) *where = locate_line(desc, attribute.line);
}

void locate(const SessionDescription& desc, const MediaDescription& section, ErrorLocation* where) {
  if (where != nullptr) *where = locate_line(desc, section.first_line);
}

}  // namespace keyway::sdp
