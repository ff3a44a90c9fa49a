// `keyway dtls client|server` (tools/cmd_dtls.cpp) as a process, over
// 127.0.0.1: keyway <-> keyway, and keyway <-> openssl s_server / s_client
// with PEM --cert/--key, checking exporter= against OpenSSL's
// "Keying material" and peer_fingerprint= against `openssl x509`.
#include <doctest/doctest.h>

#include <algorithm>

#include "tests/dtls/interop_support.hpp"

using namespace keyway::interop;

namespace {

const std::string kKeyway = KEYWAY_EXE;

struct Pem {
  TempDir dir;
  std::string cert = dir.path + "/cert.pem", key = dir.path + "/key.pem";
  Pem() {
    std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + key +
                      " -out " + cert + " -days 30 -subj /CN=cli >/dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
  }
  // The same key in SEC1 form ("EC PRIVATE KEY", RFC 5915) instead of PKCS#8.
  std::string sec1_key() const {
    std::string out = dir.path + "/sec1.pem";
    REQUIRE(std::system(("openssl ec -in " + key + " -out " + out + " >/dev/null 2>&1").c_str()) == 0);
    REQUIRE(read_file(out).find("BEGIN EC PRIVATE KEY") != std::string::npos);
    return out;
  }
  // "sha-256 AB:CD:.." as keyway prints it.
  std::string fingerprint() const {
    std::string out = dir.path + "/fp.txt";
    REQUIRE(std::system(("openssl x509 -in " + cert + " -noout -fingerprint -sha256 > " + out).c_str()) == 0);
    return "sha-256 " + value_after(read_file(out), "Fingerprint=");
  }
};

std::vector<std::string> keyway_args(const std::string& role, uint16_t port, std::vector<std::string> extra) {
  std::vector<std::string> a = {kKeyway, "dtls", role, role == "server" ? "--listen" : "--connect",
                                "127.0.0.1:" + std::to_string(port)};
  if (std::find(extra.begin(), extra.end(), "--timeout") == extra.end()) extra.insert(extra.end(), {"--timeout", "10"});
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

struct Pair {
  std::string server_out, client_out;
  int server_rc = -1, client_rc = -1;
};

Pair run_keyway_pair(const std::vector<std::string>& server_extra, const std::vector<std::string>& client_extra) {
  TempDir dir;
  uint16_t port = free_udp_port();
  Child server(keyway_args("server", port, server_extra), dir.path + "/server.txt", false);
  REQUIRE(server.pid > 0);
  REQUIRE_MESSAGE(server.wait_output("listening=", 5000), server.output());
  Child client(keyway_args("client", port, client_extra), dir.path + "/client.txt", false);
  REQUIRE(client.pid > 0);
  Pair p;
  p.client_rc = client.wait_exit(15000);
  p.server_rc = server.wait_exit(15000);
  p.client_out = client.output();
  p.server_out = server.output();
  return p;
}

}  // namespace

TEST_CASE("keyway dtls: server <-> client, default options") {
  Pair p = run_keyway_pair({}, {});
  INFO("server:\n" << p.server_out << "client:\n" << p.client_out);
  CHECK(p.server_rc == 0);
  CHECK(p.client_rc == 0);
  std::string km = value_after(p.client_out, "exporter=");
  CHECK(km.size() == 120);  // SRTP_AES128_CM_SHA1_80: 2 * (16 + 14) bytes
  CHECK(value_after(p.server_out, "exporter=") == km);
  CHECK(value_after(p.client_out, "srtp_profile=") == "SRTP_AES128_CM_SHA1_80");
  CHECK(value_after(p.server_out, "cipher=") == value_after(p.client_out, "cipher="));
  CHECK(value_after(p.client_out, "received=") == "hello from keyway server");
  CHECK(value_after(p.server_out, "received=") == "hello from keyway client");
}

TEST_CASE("keyway dtls: server <-> client, every option") {
  if (!have_tool("openssl")) { MESSAGE("openssl not installed: skipped"); return; }
  Pem pem;
  Pair p = run_keyway_pair(
      {"--cookie", "off", "--mtu", "300", "--cert", pem.cert, "--key", pem.sec1_key(), "--srtp-profiles",
       "SRTP_AEAD_AES_256_GCM:SRTP_AES128_CM_SHA1_80", "--groups", "secp384r1:secp256r1", "--export-length", "32"},
      {"--mtu", "250", "--cipher-suites", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "--srtp-profiles",
       "SRTP_AES128_CM_SHA1_32:SRTP_AEAD_AES_256_GCM", "--groups", "secp384r1:secp256r1", "--export-length", "32"});
  INFO("server:\n" << p.server_out << "client:\n" << p.client_out);
  CHECK(p.server_rc == 0);
  CHECK(p.client_rc == 0);
  CHECK(value_after(p.client_out, "cipher=") == "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
  CHECK(value_after(p.client_out, "srtp_profile=") == "SRTP_AEAD_AES_256_GCM");  // server order wins
  CHECK(value_after(p.client_out, "peer_fingerprint=") == pem.fingerprint());
  std::string km = value_after(p.client_out, "exporter=");
  CHECK(km.size() == 64);
  CHECK(value_after(p.server_out, "exporter=") == km);
  // The server's default export length follows the negotiated profile: 2 * (32 + 12).
  Pair q = run_keyway_pair({"--srtp-profiles", "SRTP_AEAD_AES_256_GCM"}, {"--srtp-profiles", "SRTP_AEAD_AES_256_GCM"});
  CHECK(value_after(q.server_out, "exporter=").size() == 176);
}

TEST_CASE("keyway dtls client <-> openssl s_server (--cert/--key)") {
  if (!have_tool("openssl")) { MESSAGE("openssl not installed: skipped"); return; }
  Pem ours, theirs;
  uint16_t port = free_udp_port();
  Child server({"openssl", "s_server", "-dtls1_2", "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
                theirs.cert, "-key", theirs.key, "-use_srtp", "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80",
                "-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "56", "-naccept", "1", "-verify", "1",
                "-no_ticket"},
               theirs.dir.path + "/server.txt", true);
  REQUIRE(server.pid > 0);
  REQUIRE_MESSAGE(server.wait_output("ACCEPT", 5000), server.output());
  Child client(keyway_args("client", port,
                           {"--cert", ours.cert, "--key", ours.key, "--srtp-profiles",
                            "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM"}),
               ours.dir.path + "/client.txt", false);
  REQUIRE(client.pid > 0);
  REQUIRE_MESSAGE(server.wait_output("Keying material:", 8000), server.output(), "\n", client.output());
  std::string line = "hello from openssl\n";
  REQUIRE(::write(server.stdin_pipe, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
  int client_rc = client.wait_exit(10000);
  server.wait_output("hello from keyway client", 2000);
  server.close_stdin();
  server.wait_exit(3000);
  std::string out = client.output(), sout = server.output();
  INFO("keyway:\n" << out << "openssl:\n" << sout);
  CHECK(client_rc == 0);
  CHECK(value_after(out, "srtp_profile=") == "SRTP_AEAD_AES_128_GCM");  // s_server's order wins
  CHECK(value_after(out, "exporter=") == value_after(sout, "Keying material:"));
  CHECK(value_after(out, "exporter=").size() == 112);
  CHECK(value_after(out, "peer_fingerprint=") == theirs.fingerprint());
  CHECK(value_after(out, "received=") == "hello from openssl");
  CHECK(sout.find("hello from keyway client") != std::string::npos);
}

TEST_CASE("openssl s_client <-> keyway dtls server (--cert/--key)") {
  if (!have_tool("openssl")) { MESSAGE("openssl not installed: skipped"); return; }
  Pem ours, theirs;
  uint16_t port = free_udp_port();
  Child server(keyway_args("server", port,
                           {"--cert", ours.cert, "--key", ours.key, "--cipher-suites",
                            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}),
               ours.dir.path + "/server.txt", false);
  REQUIRE(server.pid > 0);
  REQUIRE_MESSAGE(server.wait_output("listening=", 5000), server.output());
  Child client({"openssl", "s_client", "-dtls1_2", "-connect", "127.0.0.1:" + std::to_string(port), "-cert",
                theirs.cert, "-key", theirs.key, "-use_srtp", "SRTP_AES128_CM_SHA1_80", "-keymatexport",
                "EXTRACTOR-dtls_srtp", "-keymatexportlen", "60"},
               theirs.dir.path + "/client.txt", true);
  REQUIRE(client.pid > 0);
  REQUIRE_MESSAGE(client.wait_output("Keying material:", 8000), client.output(), "\n", server.output());
  std::string line = "hello from openssl\n";
  REQUIRE(::write(client.stdin_pipe, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
  int server_rc = server.wait_exit(10000);
  client.wait_output("hello from keyway server", 2000);
  client.close_stdin();
  client.wait_exit(3000);
  std::string out = server.output(), cout = client.output();
  INFO("keyway:\n" << out << "openssl:\n" << cout);
  CHECK(server_rc == 0);
  CHECK(value_after(out, "cipher=") == "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
  CHECK(value_after(out, "srtp_profile=") == "SRTP_AES128_CM_SHA1_80");
  CHECK(value_after(out, "exporter=") == value_after(cout, "Keying material:"));
  CHECK(value_after(out, "exporter=").size() == 120);
  CHECK(value_after(out, "peer_fingerprint=") == theirs.fingerprint());
  CHECK(value_after(out, "received=") == "hello from openssl");
  CHECK(cout.find("hello from keyway server") != std::string::npos);
}

TEST_CASE("keyway dtls: failures print the layer and reason and exit non-zero") {
  TempDir dir;
  SUBCASE("no server: timeout") {
    Child client(keyway_args("client", free_udp_port(), {"--timeout", "1"}), dir.path + "/c.txt", false);
    CHECK(client.wait_exit(5000) == 1);
    CHECK(client.output().find("error: timeout: handshake not complete") != std::string::npos);
  }
  SUBCASE("no common SRTP profile") {
    Pair p = run_keyway_pair({"--srtp-profiles", "SRTP_AEAD_AES_256_GCM"}, {"--srtp-profiles", "SRTP_AES128_CM_SHA1_80"});
    INFO("server:\n" << p.server_out << "client:\n" << p.client_out);
    CHECK(p.server_rc == 1);
    CHECK(p.client_rc == 1);
    CHECK(p.server_out.find("error: dtls:") != std::string::npos);
    CHECK(p.client_out.find("error: dtls:") != std::string::npos);
    CHECK(p.client_out.find("exporter=") == std::string::npos);
  }
  SUBCASE("bad options") {
    Child a(keyway_args("client", 1, {"--srtp-profiles", "SRTP_NOPE"}), dir.path + "/a.txt", false);
    CHECK(a.wait_exit(5000) == 2);
    CHECK(a.output().find("unknown SRTP profile: SRTP_NOPE") != std::string::npos);
    Child b(keyway_args("client", 1, {"--cert", dir.path + "/missing.pem", "--key", dir.path + "/missing.pem"}),
            dir.path + "/b.txt", false);
    CHECK(b.wait_exit(5000) == 1);
    CHECK(b.output().find("error: setup: cannot read") != std::string::npos);
    if (have_tool("openssl")) {
      Pem pem;
      Child c(keyway_args("client", 1, {"--cert", pem.cert, "--key", pem.cert}), dir.path + "/c.txt", false);
      CHECK(c.wait_exit(5000) == 1);
      CHECK(c.output().find("error: setup: pem: no PRIVATE KEY block") != std::string::npos);
      std::string p384 = dir.path + "/p384.pem";
      REQUIRE(std::system(("openssl ecparam -genkey -name secp384r1 -noout -out " + p384).c_str()) == 0);
      Child d(keyway_args("client", 1, {"--cert", pem.cert, "--key", p384}), dir.path + "/d.txt", false);
      CHECK(d.wait_exit(5000) == 1);
      CHECK(d.output().find("not an EC P-256 private key") != std::string::npos);
      Pem other;  // a P-256 key that does not match the certificate
      Child e(keyway_args("client", 1, {"--cert", pem.cert, "--key", other.key}), dir.path + "/e.txt", false);
      CHECK(e.wait_exit(5000) == 1);
      CHECK(e.output().find("error: setup: --cert/--key:") != std::string::npos);
    }
  }
}

TEST_CASE("keyway dtls client <-> a silent openssl s_server: closes after waiting for data") {
  if (!have_tool("openssl")) { MESSAGE("openssl not installed: skipped"); return; }
  Pem theirs;
  uint16_t port = free_udp_port();
  Child server({"openssl", "s_server", "-dtls1_2", "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
                theirs.cert, "-key", theirs.key, "-use_srtp", "SRTP_AES128_CM_SHA1_32", "-keymatexport",
                "EXTRACTOR-dtls_srtp", "-keymatexportlen", "60", "-naccept", "1", "-verify", "1", "-no_ticket"},
               theirs.dir.path + "/server.txt", true);
  REQUIRE(server.pid > 0);
  REQUIRE_MESSAGE(server.wait_output("ACCEPT", 5000), server.output());
  Child client(keyway_args("client", port, {"--srtp-profiles", "SRTP_AES128_CM_SHA1_32"}),
               theirs.dir.path + "/client.txt", false);
  int rc = client.wait_exit(10000);
  server.close_stdin();
  server.wait_exit(3000);
  std::string out = client.output(), sout = server.output();
  INFO("keyway:\n" << out << "openssl:\n" << sout);
  CHECK(rc == 0);
  CHECK(out.find("note: no application data from the peer") != std::string::npos);
  CHECK(value_after(out, "srtp_profile=") == "SRTP_AES128_CM_SHA1_32");
  CHECK(value_after(out, "exporter=") == value_after(sout, "Keying material:"));
  CHECK(sout.find("hello from keyway client") != std::string::npos);
}
