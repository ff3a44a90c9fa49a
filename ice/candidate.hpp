// SPDX-License-Identifier: Apache-2.0
// ICE candidates and their SDP grammar (RFC 8839 §5.1):
//
//   candidate-attribute = "candidate" ":" foundation SP component-id SP
//                         transport SP priority SP connection-address SP
//                         port SP "typ" SP cand-type [SP rel-addr]
//                         [SP rel-port] *(SP cand-extension)
//   rel-addr = "raddr" SP connection-address ; rel-port = "rport" SP port
//   cand-extension = extension-att-name SP extension-att-value
//
// TCP candidates (RFC 6544, "tcptype active|passive|so") are parsed and
// written, so a UDP agent can accept and ignore them. Unknown extension
// pairs (generation, network-id, ufrag ...) are kept verbatim and written
// back. A hostname connection-address (mDNS ".local") is reported as
// unsupported: this codec holds IP addresses only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "keyway/ice/address.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::ice {

enum class CandidateType : uint8_t { host, srflx, prflx, relay };
enum class Transport : uint8_t { udp, tcp };
enum class TcpType : uint8_t { none, active, passive, so };

const char* to_string(CandidateType t);

// What ICE needs of a candidate (RFC 8445 §5.1) and what an agent stores
// (issue 13): everything but the extension pairs, which only the SDP codec
// keeps and writes back (Candidate). 92 bytes, not 284: an established
// agent keeps two, the check list one per candidate.
struct CandidateCore {
  static constexpr std::size_t kMaxFoundation = 32;   // RFC 8839: 1*32 ice-char

  char foundation[kMaxFoundation + 1] = {};
  uint8_t foundation_len = 0;
  uint16_t component = 1;
  Transport transport = Transport::udp;
  uint32_t priority = 0;
  SocketAddr address{};
  CandidateType type = CandidateType::host;
  bool has_raddr = false;
  bool has_rport = false;
  SocketAddr related{};  // raddr (ip) and rport (port)
  TcpType tcptype = TcpType::none;

  std::string_view foundation_view() const { return {foundation, foundation_len}; }
  [[nodiscard]] Status set_foundation(std::string_view f);
  // Writes "candidate:..." (no "a=", no extension pairs, NUL-terminated); returns the length.
  [[nodiscard]] Result<std::size_t> write(char* out, std::size_t out_len) const;
};

// A candidate line as SDP carries it: the fields and the extension pairs.
struct Candidate : CandidateCore {
  static constexpr std::size_t kMaxExtensions = 192;  // bytes of kept extension text

  char extensions[kMaxExtensions + 1] = {};
  uint16_t extensions_len = 0;

  std::string_view extensions_view() const { return {extensions, extensions_len}; }

  // Accepts "a=candidate:...", "candidate:..." or the bare value; trailing CR/LF ignored.
  [[nodiscard]] static Result<Candidate> parse(std::string_view text);
  // Writes "candidate:..." (no "a=", NUL-terminated); returns the length.
  [[nodiscard]] Result<std::size_t> write(char* out, std::size_t out_len) const;

  // Walks the kept extension pairs: pos starts at 0; false at the end.
  bool next_extension(std::size_t& pos, std::string_view& name, std::string_view& value) const;
};

// Enough for any candidate line this codec writes.
constexpr std::size_t kMaxCandidateText = 400;

}  // namespace keyway::ice
