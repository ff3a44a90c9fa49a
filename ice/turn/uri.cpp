// SPDX-License-Identifier: Apache-2.0
#include "keyway/ice/turn/uri.hpp"

namespace keyway::ice::turn {
namespace {
constexpr Error err(Code code, const char* detail) { return make_error(Layer::ice, code, detail); }
constexpr Error kScheme = err(Code::malformed, "turn uri: does not start with turn: (RFC 7065 §3.1)");
constexpr Error kTurns = err(Code::unsupported, "turn uri: turns: (TURN over TLS) is not supported");
constexpr Error kPort = err(Code::malformed, "turn uri: port is not a number in 1..65535");
constexpr Error kHost = err(Code::unsupported,
                            "turn uri: host must be an IP address literal (keyway resolves no names), IPv6 in brackets");
constexpr Error kQuery = err(Code::unsupported, "turn uri: only ?transport=udp or ?transport=tcp is understood");
constexpr uint16_t kDefaultPort = 3478;  // RFC 8656 §3

bool parse_port(std::string_view s, uint16_t& port) {
  if (s.empty() || s.size() > 5) return false;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (v == 0 || v > 65535) return false;
  port = static_cast<uint16_t>(v);
  return true;
}
}  // namespace

Result<Uri> parse_uri(std::string_view text) {
  constexpr std::string_view kTurn = "turn:", kTurnsScheme = "turns:";
  ENSURE(text.substr(0, kTurnsScheme.size()) != kTurnsScheme, kTurns);
  ENSURE(text.substr(0, kTurn.size()) == kTurn, kScheme);
  text.remove_prefix(kTurn.size());
  Uri uri;
  std::size_t q = text.find('?');
  std::string_view query = q == std::string_view::npos ? std::string_view{} : text.substr(q + 1);
  std::string_view hostport = text.substr(0, q);
  if (!query.empty()) {
    if (query == "transport=udp") uri.transport = Transport::udp;
    else if (query == "transport=tcp") uri.transport = Transport::tcp;
    else return kQuery;
  }
  std::string_view host = hostport, port_text;
  if (!hostport.empty() && hostport[0] == '[') {  // an IPv6 literal (RFC 3986 §3.2.2)
    std::size_t close = hostport.find(']');
    ENSURE(close != std::string_view::npos, kHost);
    host = hostport.substr(1, close - 1);
    std::string_view rest = hostport.substr(close + 1);
    if (!rest.empty()) {
      ENSURE(rest[0] == ':', kPort);
      port_text = rest.substr(1);
      ENSURE(!port_text.empty(), kPort);
    }
  } else {
    std::size_t colon = hostport.rfind(':');
    if (colon != std::string_view::npos) {
      host = hostport.substr(0, colon);
      port_text = hostport.substr(colon + 1);
      ENSURE(!port_text.empty(), kPort);
    }
  }
  uint16_t port = kDefaultPort;
  if (!port_text.empty()) ENSURE(parse_port(port_text, port), kPort);
  auto addr = SocketAddr::parse_ip(host, port);
  ENSURE(addr.ok(), kHost);
  uri.server = *addr;
  return uri;
}

}  // namespace keyway::ice::turn
