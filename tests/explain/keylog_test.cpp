// SPDX-License-Identifier: Apache-2.0
// `keyway explain --keylog FILE` (issue 15): the NSS key log format
// (CLIENT_RANDOM, as Wireshark reads it) and DTLS 1.2 record decryption on
// a whole keyway handshake with application data.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <string>
#include <vector>

#include "tests/dtls/fixture.hpp"
#include "tests/explain/capture.hpp"
#include "tools/explain/explain.hpp"


namespace keyway::explain {
namespace {

TEST_CASE("dtls::Endpoint::format_key_log: nothing before the handshake completes") {
  test::Fixture fx;
  dtls::Endpoint ep(fx.client);
  char line[dtls::Endpoint::kKeyLogLineSize];
  CHECK(!ep.format_key_log(line, sizeof line).ok());
}

TEST_CASE("explain --keylog: Finished and application data decrypted from an NSS key log; the command too") {
  RecordedHandshake recorded;
  test::Pair& pair = recorded.pair;
  const Seen& seen = recorded.seen;
  const uint8_t hello[] = {'h', 'e', 'l', 'l', 'o'};
  REQUIRE(pair.send_app(0, Bytes(hello, 5)));
  pair.run();
  // dtls::Endpoint::format_key_log: the same line on both sides.
  char client_line[dtls::Endpoint::kKeyLogLineSize], server_line[dtls::Endpoint::kKeyLogLineSize];
  REQUIRE(pair.client().ep->format_key_log(client_line, sizeof client_line).ok());
  REQUIRE(pair.server().ep->format_key_log(server_line, sizeof server_line).ok());
  std::string line = client_line;
  CHECK(line == server_line);
  CHECK(line.size() == sizeof client_line - 1);
  CHECK(line.rfind("CLIENT_RANDOM ", 0) == 0);
  CHECK(!pair.client().ep->format_key_log(client_line, sizeof client_line - 1).ok());

  Options o;
  std::string error;
  REQUIRE(parse_key_log("# a comment\nCLIENT_HANDSHAKE_TRAFFIC_SECRET 00 00\n" + line, o.keylog, error));
  REQUIRE(o.keylog.size() == 1);
  Explainer ex(o);
  std::string out;
  for (const auto& [to, d] : seen)
    ex.datagram(Bytes(d.data(), d.size()), to == 1 ? "c:1 > s:2" : "s:2 > c:1", out);
  CHECK_MESSAGE(out.find("a handshake message, the first is Finished decrypted with the key log") != std::string::npos, out);
  CHECK(out.find("AEAD tag: verified with the key log's key") != std::string::npos);
  CHECK(out.find("decrypted handshake record, 24 bytes (offsets below are in the plaintext)") != std::string::npos);
  CHECK(out.find("Finished (handshake type 20), message_seq") != std::string::npos);
  CHECK(out.find("verify_data: PRF(master_secret, finished_label, transcript hash)") != std::string::npos);
  CHECK(out.find("decrypted application_data record, 5 bytes") != std::string::npos);
  CHECK(out.find("68 65 6c 6c 6f") != std::string::npos);
  CHECK(out.find("not decrypted") == std::string::npos);

  // Without the key log every protected record says why it stays closed.
  Explainer plain(Options{});
  std::string closed;
  for (const auto& [to, d] : seen) plain.datagram(Bytes(d.data(), d.size()), to == 1 ? "c > s" : "s > c", closed);
  CHECK(closed.find("not decrypted: give --keylog FILE") != std::string::npos);

  // A malformed CLIENT_RANDOM line names its line.
  std::vector<KeyLogEntry> none;
  CHECK(!parse_key_log("\nCLIENT_RANDOM 00 11\n", none, error));
  CHECK(error == "key log line 2: expected CLIENT_RANDOM <64 hex> <96 hex>");

  // The command: a capture and its key log, as Wireshark would be given them.
  std::string cli = explain_with_keylog(seen, line, "keyway-keylog");
  CHECK_MESSAGE(cli.find("decrypted application_data record, 5 bytes") != std::string::npos, cli);
  CHECK(cli.find("not decrypted") == std::string::npos);
}

}  // namespace
}  // namespace keyway::explain
