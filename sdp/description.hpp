// SPDX-License-Identifier: Apache-2.0
// The parsed form of a session description (RFC 8866 §5).
//
//   Session description                Media description (repeats)
//     v=  (protocol version)             m=  (media name and transport address)
//     o=  (originator and session id)    i=* (media title)
//     s=  (session name)                 c=* (connection information)
//     i=* u=* e=* p=*                    b=* (zero or more bandwidth lines)
//     c=* (connection information)       k=* (obsolete)
//     b=* (zero or more bandwidth lines) a=* (zero or more attribute lines)
//     One or more time descriptions: t= r=*
//     z=* k=* a=*                        (* = optional)
//
// Every field is a view into the text that was parsed, and every array lives
// in the caller's Arena: the text and the arena must outlive the description.
// `lines` is the canonical content (writing it back gives the same bytes for
// well-formed CRLF input); the other members are indexes into it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace keyway::sdp {

struct Line {
  char type = 0;            // 'v', 'o', 's', ... 'a', 'm'
  std::string_view value;   // text after "<type>="
  uint32_t number = 0;      // 1-based line number in the input

  friend bool operator==(const Line& a, const Line& b) { return a.type == b.type && a.value == b.value; }
};

// a=<name> or a=<name>:<value> (RFC 8866 §5.13).
struct Attribute {
  std::string_view name;
  std::string_view value;   // empty for a property attribute
  bool has_value = false;
  uint32_t line = 0;        // index into SessionDescription::lines
};

// o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> (§5.2)
struct Origin {
  std::string_view username, session_id, session_version, nettype, addrtype, address;
};

// c=<nettype> <addrtype> <connection-address> (§5.7)
struct Connection {
  std::string_view nettype, addrtype, address;
};

// m=<media> <port>[/<number of ports>] <proto> <fmt> ... (§5.14)
struct MediaDescription {
  std::string_view media;     // "audio", "video", "application", ...
  uint16_t port = 0;          // 0 means rejected / disabled (RFC 3264 §6)
  uint16_t port_count = 1;
  std::string_view proto;     // "UDP/TLS/RTP/SAVPF", ...
  std::string_view formats;   // the <fmt> list as written, space separated
  bool has_connection = false;
  Connection connection;      // the first c= line of the section
  uint32_t first_line = 0;    // index of the m= line in SessionDescription::lines
  uint32_t line_count = 0;    // m= line plus the lines that follow it
  std::span<const Attribute> attributes;

  // First attribute with this name, or nullptr. (The const char* overloads
  // take a literal in one register: smaller call sites on the target.)
  const Attribute* find(std::string_view attribute_name) const;
  const Attribute* find(const char* attribute_name) const;
  bool has(std::string_view attribute_name) const { return find(attribute_name) != nullptr; }
  bool has(const char* attribute_name) const { return find(attribute_name) != nullptr; }
  bool rejected() const { return port == 0; }
};

struct SessionDescription {
  std::span<const Line> lines;            // every line, in order
  Origin origin;
  std::string_view name;                  // s=
  bool has_connection = false;
  Connection connection;                  // session-level c=
  uint32_t session_line_count = 0;        // lines before the first m=
  std::span<const Attribute> attributes;  // session-level a= lines
  std::span<const MediaDescription> media;

  const Attribute* find(std::string_view attribute_name) const;
  const Attribute* find(const char* attribute_name) const;
  bool has(std::string_view attribute_name) const { return find(attribute_name) != nullptr; }
  bool has(const char* attribute_name) const { return find(attribute_name) != nullptr; }
  // Same lines (type and value) in the same order.
  bool same_content(const SessionDescription& other) const;
};

// Where an error is: the line number (1-based; 0 when the failure is about
// the whole text) and the line's text (a view into the input). parse() fills
// it, and so do the readers of the parsed description (view_media,
// read_remote, ...): an attribute whose value is wrong, or the m= line of a
// section that lacks something (issue 15: every SDP error names its line).
struct ErrorLocation {
  uint32_t line_number = 0;
  std::string_view line;
};

// The location of lines[index] ("a=..." as written: every Line is cut from
// the input, its "<type>=" right before its value).
ErrorLocation locate_line(const SessionDescription& desc, uint32_t index);
// Fills *where (if given) with the attribute's line / the section's m= line.
void locate(const SessionDescription& desc, const Attribute& attribute, ErrorLocation* where);
void locate(const SessionDescription& desc, const MediaDescription& section, ErrorLocation* where);

// Finds the next attribute named `name` after position `after` (pass
// nullptr to start): for (auto* a = next_attribute(attrs, "candidate", nullptr); a; a = next_attribute(attrs, "candidate", a))
const Attribute* next_attribute(std::span<const Attribute> attrs, std::string_view name, const Attribute* after);

}  // namespace keyway::sdp
