// SPDX-License-Identifier: Apache-2.0
// `keyway explain` (issue 15): every byte of STUN, DTLS, RTP and RTCP
// explained, from hex (arguments or stdin), a file of raw bytes, or a
// pcap/pcapng capture (every UDP datagram, with its addresses).
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tools/commands.hpp"
#include "tools/explain/explain.hpp"
#include "tools/explain/pcap.hpp"

namespace keyway::tools {
namespace {

constexpr const char* kUsage =
    "usage: keyway explain [--password PWD]... [--keylog FILE] [--srtp PROFILE:HEX] [--all] [HEX... | FILE]\n"
    "  Explains every byte of each datagram: offset and bytes on the left, the meaning on the right,\n"
    "  with the RFC section and the keyway function that parses it. Classified per RFC 7983:\n"
    "  STUN (attributes, XOR-decoded addresses, MESSAGE-INTEGRITY checked with --password, FINGERPRINT),\n"
    "  DTLS (records, handshake messages, every ClientHello extension; fragments reassembled),\n"
    "  RTP (CSRCs, one-/two-byte header extensions) and RTCP (SR, RR, SDES, BYE, NACK, PLI, FIR, REMB).\n"
    "  HEX...           one datagram in hex on the command line (spaces, ':' and 0x are ignored)\n"
    "  FILE             a pcap or pcapng capture (every UDP datagram, with its 5-tuple) or raw bytes\n"
    "  (nothing)        stdin: a capture, or hex with datagrams separated by blank lines\n"
    "  --password PWD   the ICE password (a=ice-pwd) of the STUN message's receiver; repeat for both sides\n"
    "  --keylog FILE    NSS key log (CLIENT_RANDOM <random> <master secret>, as Wireshark reads): decrypts\n"
    "                   DTLS records of the associations whose ClientHello and ServerHello are in the input;\n"
    "                   DTLS 1.3: the CLIENT_/SERVER_HANDSHAKE_TRAFFIC_SECRET and _TRAFFIC_SECRET_0 lines\n"
    "  --srtp PROFILE:HEX  the DTLS-SRTP keys as keyway dtls prints them (srtp_profile=, exporter=):\n"
    "                   checks each SRTP/SRTCP tag with both sides' keys, shows the ROC and the plaintext\n"
    "  --all            print every byte of long fields (certificates, key shares)\n";

using Datagrams = std::vector<std::vector<uint8_t>>;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Hex text to datagrams: a blank line ends a datagram; whitespace, ':' and
// "0x" prefixes are ignored. Returns false on any other character.
bool parse_hex(const std::string& text, Datagrams& out, std::string& error) {
  std::vector<uint8_t> cur;
  int high = -1;
  std::size_t newlines = 0;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(cur);
    cur.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n' && ++newlines >= 2 && high < 0) flush();
    if (c == '\n' || c == '\r') continue;
    if (c != ' ' && c != '\t') newlines = 0;
    if (c == ' ' || c == '\t' || c == ':') continue;
    if (c == '0' && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X') && high < 0) {
      ++i;
      continue;
    }
    int v = hex_value(c);
    if (v < 0) {
      error = fmt::format("not hex: '{}' at character {}", c, i + 1);
      return false;
    }
    if (high < 0) {
      high = v;
    } else {
      cur.push_back(static_cast<uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) {
    error = "odd number of hex digits";
    return false;
  }
  flush();
  return true;
}

bool looks_like_hex(const std::string& text) {
  for (char c : text)
    if (hex_value(c) < 0 && std::isspace(static_cast<unsigned char>(c)) == 0 && c != ':' && c != 'x' && c != 'X')
      return false;
  return true;
}

std::string addr(const SocketAddr& a) {
  char buf[kMaxAddrText];
  a.format(buf, sizeof buf);
  return buf;
}

int explain_capture(const std::vector<uint8_t>& file, explain::Explainer& ex) {
  explain::CaptureContents c = explain::read_capture(Bytes(file.data(), file.size()));
  std::printf("%s: %zu frame(s), %zu UDP datagram(s), %zu other frame(s) skipped\n", c.pcapng ? "pcapng" : "pcap",
              c.frames, c.datagrams.size(), c.skipped);
  uint64_t t0 = c.datagrams.empty() ? 0 : c.datagrams.front().time_us;
  for (std::size_t i = 0; i < c.datagrams.size(); ++i) {
    const explain::CapturedDatagram& d = c.datagrams[i];
    std::string flow = addr(d.from) + " > " + addr(d.to);
    std::string out = fmt::format("\ndatagram {} (frame {}, +{:.6f} s): UDP {}, {} bytes\n", i + 1, d.frame,
                                  static_cast<double>(d.time_us - t0) / 1e6, flow, d.payload.size());
    ex.datagram(d.payload, flow, out);
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  if (!c.error.empty()) {
    std::fprintf(stderr, "keyway explain: %s\n", c.error.c_str());
    return 1;
  }
  return 0;
}

int explain_datagrams(const Datagrams& ds, explain::Explainer& ex) {
  for (std::size_t i = 0; i < ds.size(); ++i) {
    std::string out = fmt::format("{}datagram {}: {} bytes\n", i == 0 ? "" : "\n", i + 1, ds[i].size());
    ex.datagram(Bytes(ds[i].data(), ds[i].size()), "input", out);
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  return 0;
}

bool read_file(const std::string& path, std::vector<uint8_t>& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

// One input: a capture, hex text, or raw bytes.
int explain_input(const std::vector<uint8_t>& bytes, bool from_file, explain::Explainer& ex) {
  if (explain::looks_like_capture(Bytes(bytes.data(), bytes.size()))) return explain_capture(bytes, ex);
  std::string text(bytes.begin(), bytes.end());
  if (!from_file || looks_like_hex(text)) {
    Datagrams ds;
    std::string error;
    if (!parse_hex(text, ds, error)) {
      std::fprintf(stderr, "keyway explain: %s\n", error.c_str());
      return 2;
    }
    return explain_datagrams(ds, ex);
  }
  return explain_datagrams(Datagrams{bytes}, ex);
}

}  // namespace

int run_explain(int argc, char** argv) {
  explain::Options options;
  std::vector<std::string> positional;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--password" && i + 1 < argc) {
      options.passwords.emplace_back(argv[++i]);
    } else if (a == "--keylog" && i + 1 < argc) {
      std::vector<uint8_t> text;
      std::string error;
      if (!read_file(argv[++i], text)) {
        std::fprintf(stderr, "keyway explain: cannot read %s\n", argv[i]);
        return 2;
      }
      if (!explain::parse_key_log(std::string_view(reinterpret_cast<const char*>(text.data()), text.size()),
                                  options.keylog, options.keylog13, error)) {
        std::fprintf(stderr, "keyway explain: %s: %s\n", argv[i], error.c_str());
        return 2;
      }
    } else if (a == "--srtp" && i + 1 < argc) {
      explain::SrtpKeys keys;
      std::string error;
      if (!explain::parse_srtp_keys(argv[++i], keys, error)) {
        std::fprintf(stderr, "keyway explain: %s\n", error.c_str());
        return 2;
      }
      options.srtp = keys;
    } else if (a == "--all") {
      options.all_bytes = true;
    } else if (a.rfind("--", 0) == 0) {
      std::fprintf(stderr, "keyway explain: unknown option or missing value: %s\n%s", a.c_str(), kUsage);
      return 2;
    } else {
      positional.push_back(a);
    }
  }
  explain::Explainer ex(options);
  std::vector<uint8_t> bytes;
  if (positional.empty()) {
    bytes.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return explain_input(bytes, false, ex);
  }
  if (positional.size() == 1 && read_file(positional[0], bytes)) return explain_input(bytes, true, ex);
  std::string joined;
  for (const std::string& p : positional) joined += p + " ";
  if (!looks_like_hex(joined)) {
    std::fprintf(stderr, "keyway explain: cannot read %s (and it is not hex)\n", positional[0].c_str());
    return 2;
  }
  return explain_input(std::vector<uint8_t>(joined.begin(), joined.end()), false, ex);
}

}  // namespace keyway::tools
