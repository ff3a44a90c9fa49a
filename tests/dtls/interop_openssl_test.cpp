// SPDX-License-Identifier: Apache-2.0
// keyway <-> OpenSSL 3 (openssl s_server / s_client) over 127.0.0.1, both
// roles, with use_srtp and the RFC 5705 exporter: keyway's keying material
// must equal what OpenSSL prints (interop.md §1).
#include <doctest/doctest.h>

#include <ctime>
#include <map>

#include "tests/dtls/interop_support.hpp"

using namespace keyway;
using namespace keyway::dtls;
using namespace keyway::interop;

Bytes test_line();

namespace {

const std::map<std::string, uint16_t> kProfiles = {
    {"SRTP_AES128_CM_SHA1_80", 0x0001}, {"SRTP_AES128_CM_SHA1_32", 0x0002},
    {"SRTP_AEAD_AES_128_GCM", 0x0007}, {"SRTP_AEAD_AES_256_GCM", 0x0008}};

std::size_t export_len(uint16_t profile) {
  switch (profile) {
    case 0x0007: return 56;  // 2 * (16 + 12)
    case 0x0008: return 88;  // 2 * (32 + 12)
    default: return 60;      // 2 * (16 + 14)
  }
}

struct Peer {
  TempDir dir;
  std::string cert, key;
  explicit Peer(bool rsa = false) {
    cert = dir.path + "/cert.pem";
    key = dir.path + "/key.pem";
    std::string alg = rsa ? "-newkey rsa:2048" : "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1";
    std::string cmd = "openssl req -x509 " + alg + " -nodes -keyout " + key + " -out " + cert +
                      " -days 30 -subj /CN=interop >/dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
  }
  std::string noems_conf() {
    std::string p = dir.path + "/noems.cnf";
    std::ofstream(p) << "openssl_conf = openssl_init\n[openssl_init]\nssl_conf = ssl_sect\n[ssl_sect]\n"
                        "system_default = system_default_sect\n[system_default_sect]\nOptions = -ExtendedMasterSecret\n";
    return p;
  }
};

struct Case {
  const char* name;
  std::vector<uint16_t> suites;          // keyway's offer / acceptance
  std::vector<uint16_t> groups;
  std::string openssl_profiles = "SRTP_AES128_CM_SHA1_80";
  std::vector<uint16_t> keyway_profiles = {0x0001};
  std::vector<std::string> openssl_args; // extra
  std::size_t mtu = 1200;
  bool cookie = true;                    // keyway server only
  bool no_ems = false;
  bool rsa_peer = false;
};

// Issue 18: keyway offering DTLS 1.3 and 1.2 against a 1.2-only OpenSSL
// must still complete (in 1.2) in both roles.
bool g_offer_dtls13 = false;

Config base_config(Role role, Identity& id, Rng& rng, const Case& c) {
  Config cfg;
  cfg.offer_dtls13 = g_offer_dtls13;
  cfg.role = role;
  cfg.identity = &id;
  cfg.rng = &rng;
  for (auto s : c.suites) cfg.cipher_suites.push(s);
  for (auto g : c.groups) cfg.groups.push(g);
  for (auto p : c.keyway_profiles) cfg.srtp_profiles.push(p);
  cfg.mtu = c.mtu;
  cfg.cookie_exchange = c.cookie;
  cfg.initial_timeout = Duration::millis(300);
  return cfg;
}

std::string check_result(Endpoint& ep, DriveResult& res, const std::string& out) {
  INFO("openssl output:\n" << out);
  REQUIRE_MESSAGE(res.complete, (res.failed ? res.error.detail : "no handshake"));
  CHECK(ep.version() == kVersionDtls12);  // OpenSSL 3.0 has no DTLS 1.3
  (void)ep.accept_peer_certificate(ep.peer_certificate());
  std::size_t len = export_len(ep.srtp_profile());
  std::vector<uint8_t> km(len);
  REQUIRE(ep.export_keying_material("EXTRACTOR-dtls_srtp", km).ok());
  return upper_hex(km);
}

void run_keyway_client(const Case& c) {
  std::string case_name = c.name;
  CAPTURE(case_name);
  Peer peer(c.rsa_peer);
  OsRng rng;
  Identity id;
  REQUIRE(id.generate(rng.drbg, "keyway", std::time(nullptr)).ok());
  uint16_t port = free_udp_port();
  std::vector<std::string> argv = {"openssl", "s_server", "-dtls1_2", "-accept", "127.0.0.1:" + std::to_string(port),
                                   "-cert", peer.cert, "-key", peer.key, "-use_srtp", c.openssl_profiles,
                                   "-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen",
                                   std::to_string(export_len(kProfiles.at(c.openssl_profiles.substr(
                                       0, c.openssl_profiles.find(':'))))),
                                   "-naccept", "1", "-verify", "1", "-no_ticket"};
  for (const auto& a : c.openssl_args) argv.push_back(a);
  std::vector<std::string> env;
  if (c.no_ems) env.push_back("OPENSSL_CONF=" + peer.noems_conf());
  Child server(argv, peer.dir.path + "/out.txt", true, env);
  REQUIRE(server.pid > 0);
  REQUIRE_MESSAGE(server.wait_output("ACCEPT", 5000), server.output());
  Endpoint ep(base_config(Role::client, id, rng.drbg, c));
  UdpSocket sock;
  sock.connect_to(port);
  DriveResult res;
  drive(ep, sock, res, 8000, [&] { return res.complete; });
  std::string ours = res.complete ? check_result(ep, res, server.output()) : "";
  REQUIRE_MESSAGE(res.complete, res.error.detail, "\n", server.output());
  REQUIRE(send_app(ep, sock, test_line()));
  drive(ep, sock, res, 300, [&] { return false; });
  REQUIRE(server.wait_output("Keying material", 3000));
  server.wait_output("hello from keyway", 2000);
  ep.close();  // our close_notify
  drive(ep, sock, res, 200, [&] { return false; });
  server.close_stdin();  // s_server prints DONE and exits
  int rc = server.wait_exit(3000);
  std::string out = server.output();
  INFO(out);
  CHECK(value_after(out, "Keying material:") == ours);
  CHECK(out.find("hello from keyway") != std::string::npos);
  for (const auto& e : res.events)
    if (e.kind == EventKind::handshake_complete) CHECK(e.extended_master_secret == !c.no_ems);
  CHECK(rc == 0);
}

void run_keyway_server(const Case& c) {
  std::string case_name = c.name;
  CAPTURE(case_name);
  Peer peer;
  OsRng rng;
  Identity id;
  REQUIRE(id.generate(rng.drbg, "keyway", std::time(nullptr)).ok());
  UdpSocket sock;
  Endpoint ep(base_config(Role::server, id, rng.drbg, c));
  std::vector<std::string> argv = {"openssl", "s_client", "-dtls1_2", "-connect",
                                   "127.0.0.1:" + std::to_string(sock.port()), "-cert", peer.cert, "-key", peer.key,
                                   "-use_srtp", c.openssl_profiles, "-keymatexport", "EXTRACTOR-dtls_srtp",
                                   "-keymatexportlen", std::to_string(export_len(c.keyway_profiles[0]))};
  for (const auto& a : c.openssl_args) argv.push_back(a);
  std::vector<std::string> env;
  if (c.no_ems) env.push_back("OPENSSL_CONF=" + peer.noems_conf());
  Child client(argv, peer.dir.path + "/out.txt", false, env);
  REQUIRE(client.pid > 0);
  DriveResult res;
  drive(ep, sock, res, 8000, [&] { return res.complete; });
  REQUIRE_MESSAGE(res.complete, res.error.detail, "\n", client.output());
  std::string ours = check_result(ep, res, client.output());
  drive(ep, sock, res, 3000, [&] { return res.peer_closed; });  // s_client closes after printing
  int rc = client.wait_exit(3000);
  std::string out = client.output();
  INFO(out);
  CHECK(value_after(out, "Keying material:") == ours);
  CHECK(res.peer_closed);
  CHECK(rc == 0);
  if (c.no_ems) CHECK(out.find("Extended master secret: no") != std::string::npos);
  else CHECK(out.find("Extended master secret: yes") != std::string::npos);
}

}  // namespace

TEST_CASE("openssl interop: keyway client <-> openssl s_server") {
  if (!have_tool("openssl")) { MESSAGE("openssl not installed: skipped"); return; }
  std::vector<Case> cases = {
      {"default", {}, {}},
      {"aes128-gcm x25519", {0xC02B}, {29, 23}},
      {"aes256-gcm p256", {0xC02C}, {23}},
      {"chacha20 p384", {0xCCA9}, {24, 23}, "SRTP_AES128_CM_SHA1_80", {0x0001}, {"-groups", "P-384:P-256"}},
      {"aead gcm profile, server order wins", {}, {}, "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80", {0x0001, 0x0007}},
      {"aes256 gcm profile", {}, {}, "SRTP_AEAD_AES_256_GCM", {0x0008}},
      {"sha1_32 profile", {}, {}, "SRTP_AES128_CM_SHA1_32", {0x0002}},
      {"small mtu", {}, {}, "SRTP_AES128_CM_SHA1_80", {0x0001}, {"-mtu", "300"}, 250},
      {"no ems", {}, {}, "SRTP_AES128_CM_SHA1_80", {0x0001}, {}, 1200, true, true},
      {"rsa peer aes128", {0xC02F}, {}, "SRTP_AES128_CM_SHA1_80", {0x0001}, {}, 1200, true, false, true},
      {"rsa peer aes256", {0xC030}, {}, "SRTP_AES128_CM_SHA1_80", {0x0001}, {}, 1200, true, false, true},
      {"rsa peer chacha pkcs1", {0xCCA8}, {}, "SRTP_AES128_CM_SHA1_80", {0x0001}, {"-sigalgs", "RSA+SHA256:ECDSA+SHA256"}, 1200,
       true, false, true},
  };
  for (const auto& c : cases) run_keyway_client(c);
}

TEST_CASE("openssl interop: openssl s_client <-> keyway server") {
  if (!have_tool("openssl")) { MESSAGE("openssl not installed: skipped"); return; }
  std::vector<Case> cases = {
      {"default (cookie)", {}, {}},
      {"no cookie", {}, {}, "SRTP_AES128_CM_SHA1_80", {0x0001}, {}, 1200, false},
      {"aes128-gcm", {0xC02B}, {}, "SRTP_AES128_CM_SHA1_80", {0x0001}, {"-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"}},
      {"aes256-gcm p384", {0xC02C}, {24, 23}, "SRTP_AES128_CM_SHA1_80", {0x0001}, {"-groups", "P-384:P-256"}},
      {"chacha20 p256", {0xCCA9}, {23}, "SRTP_AES128_CM_SHA1_80", {0x0001}, {"-groups", "P-256"}},
      {"gcm profile", {}, {}, "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM", {0x0007, 0x0001}},
      {"small mtu", {}, {}, "SRTP_AES128_CM_SHA1_80", {0x0001}, {"-mtu", "300"}, 250},
      {"no ems", {}, {}, "SRTP_AES128_CM_SHA1_80", {0x0001}, {}, 1200, true, true},
  };
  for (const auto& c : cases) run_keyway_server(c);
}

TEST_CASE("openssl interop: keyway offering DTLS 1.3 + 1.2 completes in 1.2 with a 1.2-only openssl, both roles") {
  if (!have_tool("openssl")) { MESSAGE("openssl not installed: skipped"); return; }
  g_offer_dtls13 = true;
  run_keyway_client({"client offers 1.3", {}, {}});
  run_keyway_client({"client offers 1.3, small mtu", {}, {}, "SRTP_AES128_CM_SHA1_80", {0x0001}, {"-mtu", "300"}, 250});
  run_keyway_server({"server offers 1.3 (cookie)", {}, {}});
  run_keyway_server({"server offers 1.3, no cookie", {}, {}, "SRTP_AES128_CM_SHA1_80", {0x0001}, {}, 1200, false});
  g_offer_dtls13 = false;
}

Bytes test_line() {
  static const char line[] = "hello from keyway\n";
  return Bytes(reinterpret_cast<const uint8_t*>(line), sizeof line - 1);
}

// RFC 5246 §7.2.2 / RFC 6347 §4.1: a client that offers only DTLS 1.0 gets
// a fatal protocol_version alert, and the failure names the version.
// OpenSSL 3 allows DTLS 1.0 only at security level 0.
TEST_CASE("openssl interop: openssl s_client -dtls1 is refused with protocol_version") {
  if (!have_tool("openssl")) { MESSAGE("openssl not installed: skipped"); return; }
  Peer peer;
  OsRng rng;
  Identity id;
  REQUIRE(id.generate(rng.drbg, "keyway", std::time(nullptr)).ok());
  UdpSocket sock;
  Case c{"dtls1", {}, {}};
  c.cookie = false;
  Endpoint ep(base_config(Role::server, id, rng.drbg, c));
  std::vector<std::string> argv = {"openssl", "s_client", "-dtls1", "-cipher", "DEFAULT@SECLEVEL=0", "-connect",
                                   "127.0.0.1:" + std::to_string(sock.port())};
  Child client(argv, peer.dir.path + "/out.txt", false);
  REQUIRE(client.pid > 0);
  DriveResult res;
  drive(ep, sock, res, 5000, [&] { return res.failed; });
  drive(ep, sock, res, 300, [&] { return false; });  // let the alert go out
  int rc = client.wait_exit(3000);
  std::string out = client.output();
  INFO(out);
  if (!res.failed && out.find("no protocols available") != std::string::npos) {
    MESSAGE("this openssl refuses DTLS 1.0 even at SECLEVEL=0: skipped");
    return;
  }
  REQUIRE(res.failed);
  CHECK(res.error.code == Code::protocol_version);
  CHECK(std::string(res.error.detail).find("DTLS 1.0") != std::string::npos);
  bool sent = false;
  for (const auto& e : res.events)
    if (e.kind == EventKind::alert_sent && e.alert == AlertDescription::protocol_version) sent = true;
  CHECK(sent);
  CHECK(rc != 0);
  CHECK(out.find("protocol version") != std::string::npos);  // s_client reports our alert
}
