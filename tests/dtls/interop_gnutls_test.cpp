// SPDX-License-Identifier: Apache-2.0
// keyway <-> GnuTLS (gnutls-cli / gnutls-serv --udp) over 127.0.0.1, both
// roles, DTLS-SRTP with the AES_CM profiles GnuTLS 3.7 knows (interop.md §2).
// gnutls-serv binds the wildcard address: we only ever talk to 127.0.0.1.
#include <doctest/doctest.h>

#include <algorithm>
#include <ctime>

#include "tests/dtls/interop_support.hpp"

using namespace keyway;
using namespace keyway::dtls;
using namespace keyway::interop;

namespace {

struct PeerCert {
  TempDir dir;
  std::string cert, key;
  PeerCert() {
    cert = dir.path + "/cert.pem";
    key = dir.path + "/key.pem";
    std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + key +
                      " -out " + cert + " -days 30 -subj /CN=gnutls >/dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
  }
};

struct Case {
  const char* name;
  std::string priority = "NORMAL:-VERS-ALL:+VERS-DTLS1.2";
  std::string profile = "SRTP_AES128_CM_HMAC_SHA1_80";
  uint16_t keyway_profile = 0x0001;
  std::size_t mtu = 1200;
  bool cookie = true;
  std::vector<std::string> extra = {};
};

Config make_config(Role role, Identity& id, Rng& rng, const Case& c) {
  Config cfg;
  cfg.role = role;
  cfg.identity = &id;
  cfg.rng = &rng;
  cfg.srtp_profiles.push(c.keyway_profile);
  cfg.mtu = c.mtu;
  cfg.cookie_exchange = c.cookie;
  cfg.initial_timeout = Duration::millis(300);
  return cfg;
}

std::string lower_hex(Endpoint& ep, std::size_t len) {
  (void)ep.accept_peer_certificate(ep.peer_certificate());
  std::vector<uint8_t> km(len);
  REQUIRE(ep.export_keying_material("EXTRACTOR-dtls_srtp", km).ok());
  std::string s = upper_hex(km);
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  return s;
}

void run_keyway_server(const Case& c) {
  std::string case_name = c.name;
  CAPTURE(case_name);
  PeerCert peer;
  OsRng rng;
  Identity id;
  REQUIRE(id.generate(rng.drbg, "keyway", std::time(nullptr)).ok());
  UdpSocket sock;
  Endpoint ep(make_config(Role::server, id, rng.drbg, c));
  std::vector<std::string> argv = {"gnutls-cli", "--udp", "127.0.0.1", "-p", std::to_string(sock.port()),
                                   "--insecure", "--x509certfile", peer.cert, "--x509keyfile", peer.key,
                                   "--srtp-profiles", c.profile, "--keymatexport", "EXTRACTOR-dtls_srtp",
                                   "--keymatexportsize", "60", "--priority", c.priority};
  for (const auto& a : c.extra) argv.push_back(a);
  Child client(argv, peer.dir.path + "/out.txt", false);
  REQUIRE(client.pid > 0);
  DriveResult res;
  drive(ep, sock, res, 8000, [&] { return res.complete; });
  REQUIRE_MESSAGE(res.complete, res.error.detail, "\n", client.output());
  std::string ours = lower_hex(ep, 60);
  drive(ep, sock, res, 3000, [&] { return res.peer_closed; });
  int rc = client.wait_exit(3000);
  std::string out = client.output();
  INFO(out);
  CHECK(value_after(out, "- Key material:") == ours);
  CHECK(out.find("SRTP profile: " + c.profile) != std::string::npos);
  CHECK(rc == 0);
}

void run_keyway_client(const Case& c) {
  std::string case_name = c.name;
  CAPTURE(case_name);
  PeerCert peer;
  OsRng rng;
  Identity id;
  REQUIRE(id.generate(rng.drbg, "keyway", std::time(nullptr)).ok());
  uint16_t port = free_udp_port();
  std::vector<std::string> argv = {"stdbuf", "-oL", "-eL", "gnutls-serv", "--udp", "-p", std::to_string(port),
                                   "--x509certfile", peer.cert, "--x509keyfile", peer.key, "--srtp-profiles",
                                   c.profile, "--echo", "--priority", c.priority};
  if (!c.cookie) argv.push_back("--nocookie");
  for (const auto& a : c.extra) argv.push_back(a);
  Child server(argv, peer.dir.path + "/out.txt", false);
  REQUIRE(server.pid > 0);
  REQUIRE_MESSAGE(server.wait_output("Waiting for connection", 5000), server.output());
  Endpoint ep(make_config(Role::client, id, rng.drbg, c));
  UdpSocket sock;
  sock.connect_to(port);
  DriveResult res;
  drive(ep, sock, res, 8000, [&] { return res.complete; });
  REQUIRE_MESSAGE(res.complete, res.error.detail, "\n", server.output());
  CHECK(ep.srtp_profile() == c.keyway_profile);
  // Application data waits for the peer certificate to be accepted (issue 12): it is the test's own.
  REQUIRE(ep.accept_peer_certificate(ep.peer_certificate()).ok());
  static const char line[] = "hello from keyway\n";
  REQUIRE(send_app(ep, sock, Bytes(reinterpret_cast<const uint8_t*>(line), sizeof line - 1)));
  drive(ep, sock, res, 3000, [&] { return !res.app_data.empty(); });
  REQUIRE(!res.app_data.empty());
  CHECK(res.app_data[0] == "hello from keyway\n");  // --echo
  ep.close();
  drive(ep, sock, res, 200, [&] { return false; });
  server.kill_now();  // gnutls-serv runs forever
}

}  // namespace

TEST_CASE("gnutls interop: gnutls-cli <-> keyway server (exporter must match)") {
  if (!have_tool("gnutls-cli")) { MESSAGE("gnutls-cli not installed: skipped"); return; }
  std::vector<Case> cases = {
      {"default"},
      {"no cookie", "NORMAL:-VERS-ALL:+VERS-DTLS1.2", "SRTP_AES128_CM_HMAC_SHA1_80", 0x0001, 1200, false},
      {"aes128-gcm x25519", "NORMAL:-VERS-ALL:+VERS-DTLS1.2:-CIPHER-ALL:+AES-128-GCM:-GROUP-ALL:+GROUP-X25519"},
      {"aes256-gcm p384", "NORMAL:-VERS-ALL:+VERS-DTLS1.2:-CIPHER-ALL:+AES-256-GCM:-GROUP-ALL:+GROUP-SECP384R1"},
      {"chacha20 p256", "NORMAL:-VERS-ALL:+VERS-DTLS1.2:-CIPHER-ALL:+CHACHA20-POLY1305:-GROUP-ALL:+GROUP-SECP256R1"},
      {"sha1_32 profile", "NORMAL:-VERS-ALL:+VERS-DTLS1.2", "SRTP_AES128_CM_HMAC_SHA1_32", 0x0002},
      {"small mtu", "NORMAL:-VERS-ALL:+VERS-DTLS1.2", "SRTP_AES128_CM_HMAC_SHA1_80", 0x0001, 250, true,
       {"--mtu", "300"}},
  };
  for (const auto& c : cases) run_keyway_server(c);
}

TEST_CASE("gnutls interop: keyway client <-> gnutls-serv (handshake + echo)") {
  if (!have_tool("gnutls-serv")) { MESSAGE("gnutls-serv not installed: skipped"); return; }
  std::vector<Case> cases = {
      {"default"},
      {"no cookie", "NORMAL:-VERS-ALL:+VERS-DTLS1.2", "SRTP_AES128_CM_HMAC_SHA1_80", 0x0001, 1200, false},
      {"aes128-gcm x25519", "NORMAL:-VERS-ALL:+VERS-DTLS1.2:-CIPHER-ALL:+AES-128-GCM:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1"},
      {"chacha20 p384", "NORMAL:-VERS-ALL:+VERS-DTLS1.2:-CIPHER-ALL:+CHACHA20-POLY1305:-GROUP-ALL:+GROUP-SECP384R1"},
      {"small mtu", "NORMAL:-VERS-ALL:+VERS-DTLS1.2", "SRTP_AES128_CM_HMAC_SHA1_80", 0x0001, 250, true,
       {"--mtu", "300"}},
  };
  for (const auto& c : cases) run_keyway_client(c);
}
