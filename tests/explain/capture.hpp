// SPDX-License-Identifier: Apache-2.0
// What the explain tests read: a whole keyway DTLS 1.2 handshake kept
// datagram by datagram (keylog_test, pcap_test), and `keyway explain
// --keylog KEYS CAPTURE` as a command on such datagrams (keylog_test,
// keylog13_test), given a capture and the key log as Wireshark would be.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include "tests/dtls/fixture.hpp"
#include "tools/explain/pcap_writer.hpp"

namespace keyway::explain {

using Seen = std::vector<std::pair<int, std::vector<uint8_t>>>;  // (receiver: 1 the server), datagram

// The fixture's client and server through a whole handshake (checked), every
// datagram kept in `seen` as it goes, then and on later runs of `pair`.
struct RecordedHandshake {
  test::Fixture fx;
  test::Pair pair{fx.client, fx.server};
  Seen seen;
  RecordedHandshake() {
    pair.tamper = [this](int to, std::vector<uint8_t>& d) {
      seen.emplace_back(to, d);
      return true;
    };
    pair.run();
    test::check_completed(pair);
  }
  RecordedHandshake(const RecordedHandshake&) = delete;  // `pair` keeps `this`
  RecordedHandshake& operator=(const RecordedHandshake&) = delete;
};

// `seen`: (receiver, datagram) pairs, receiver 1 the server (127.0.0.1:40001)
// and 0 the client (127.0.0.1:40000), 1 ms apart; `key_log`: the key log's
// text; `name`: the temporary directory's name. Returns what the command
// ($KEYWAY_EXE, set by meson) printed.
inline std::string explain_with_keylog(const Seen& seen, const std::string& key_log, const std::string& name) {
  const char* exe = std::getenv("KEYWAY_EXE");
  REQUIRE_MESSAGE(exe != nullptr, "KEYWAY_EXE is set by meson");
  PcapWriter w;
  SocketAddr c = SocketAddr::v4(127, 0, 0, 1, 40000), s = SocketAddr::v4(127, 0, 0, 1, 40001);
  uint64_t t = 1'800'000'000'000'000ull;
  for (const auto& [to, d] : seen) w.add(t += 1000, to == 1 ? c : s, to == 1 ? s : c, Bytes(d.data(), d.size()));
  std::filesystem::path dir = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "call.pcap", std::ios::binary)
      .write(reinterpret_cast<const char*>(w.bytes().data()), static_cast<std::streamsize>(w.bytes().size()));
  std::ofstream(dir / "keys.log") << key_log;
  std::string cmd = std::string(exe) + " explain --keylog " + (dir / "keys.log").string() + " " +
                    (dir / "call.pcap").string() + " > " + (dir / "out.txt").string();
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream in(dir / "out.txt");
  std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove_all(dir);
  return out;
}

}  // namespace keyway::explain
