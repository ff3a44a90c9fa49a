// SPDX-License-Identifier: Apache-2.0
// `keyway dtls client|server` (tools/cmd_dtls.cpp) as a process, over
// 127.0.0.1: keyway <-> keyway, and keyway <-> openssl s_server / s_client
// with PEM --cert/--key, checking exporter= against OpenSSL's
// "Keying material" and peer_fingerprint= against `openssl x509`.
#include <doctest/doctest.h>

#include <algorithm>
#include <ctime>
#include <functional>
#include <memory>

#include "tests/dtls/interop_support.hpp"

using namespace keyway;
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

// openssl s_server|s_client over DTLS (`dtls`: -dtls or -dtls1_2) on or to
// 127.0.0.1:port with `pem`'s certificate, use_srtp `profiles` and the
// exporter (EXTRACTOR-dtls_srtp, `export_len` bytes); s_server takes one
// client, asks for its certificate and sends no ticket.
std::vector<std::string> openssl_args(bool server, const char* dtls, uint16_t port, const Pem& pem,
                                      const char* profiles, const char* export_len) {
  std::vector<std::string> a = {"openssl", server ? "s_server" : "s_client", dtls, server ? "-accept" : "-connect",
                                "127.0.0.1:" + std::to_string(port), "-cert", pem.cert, "-key", pem.key,
                                "-use_srtp", profiles, "-keymatexport", "EXTRACTOR-dtls_srtp",
                                "-keymatexportlen", export_len};
  if (server) a.insert(a.end(), {"-naccept", "1", "-verify", "1", "-no_ticket"});
  return a;
}

struct OpensslRun {
  int keyway_rc = -1;
  std::string keyway_out, openssl_out;
};

// keyway (`keyway`, output in `keyway_file`) against openssl (`openssl`), the
// server started first and ready when it prints listening= (keyway) or ACCEPT
// (openssl); `meanwhile` runs once the server is ready and again once the
// client started. With `say_hello`, openssl sends "hello from openssl" once it
// printed the keying material. keyway exits on its own; openssl's stdin is
// closed once keyway's line reached it (or 2 s passed).
OpensslRun run_against_openssl(bool keyway_serves, const std::vector<std::string>& keyway,
                               const std::string& keyway_file, const std::vector<std::string>& openssl,
                               const std::string& openssl_file, bool say_hello = true,
                               const std::function<void()>& meanwhile = [] {}) {
  std::unique_ptr<Child> k, o;
  auto start_keyway = [&] {
    k = std::make_unique<Child>(keyway, keyway_file, false);
    REQUIRE(k->pid > 0);
  };
  auto start_openssl = [&] {
    o = std::make_unique<Child>(openssl, openssl_file, true);
    REQUIRE(o->pid > 0);
  };
  if (keyway_serves) {
    start_keyway();
    REQUIRE_MESSAGE(k->wait_output("listening=", 5000), k->output());
    meanwhile();
    start_openssl();
  } else {
    start_openssl();
    REQUIRE_MESSAGE(o->wait_output("ACCEPT", 5000), o->output());
    meanwhile();
    start_keyway();
  }
  meanwhile();
  if (say_hello) {
    REQUIRE_MESSAGE(o->wait_output("Keying material:", 10000), o->output(), "\n", k->output());
    std::string line = "hello from openssl\n";
    REQUIRE(::write(o->stdin_pipe, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
  }
  OpensslRun r;
  r.keyway_rc = k->wait_exit(10000);
  o->wait_output(keyway_serves ? "hello from keyway server" : "hello from keyway client", 2000);
  o->close_stdin();
  o->wait_exit(3000);
  r.keyway_out = k->output();
  r.openssl_out = o->output();
  return r;
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
  CHECK(value_after(p.client_out, "dtls_version=") == "1.2");  // --dtls 1.2 is the default
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

// Issue 18: --dtls 1.3 offers DTLS 1.3 and 1.2 (supported_versions) in both
// roles; the server with --cookie on (the default) sits on dtls::Listener,
// which answers a 1.3 hello with a HelloRetryRequest carrying its stateless
// cookie (RFC 9147 §5.1). The version negotiated is its own line,
// dtls_version=, so the contract lines stay as they were. Before this
// change --dtls was an unknown option (exit 2).
TEST_CASE("keyway dtls --dtls 1.3: server <-> client negotiate DTLS 1.3, with the Listener's cookie and without") {
  for (const char* cookie : {"on", "off"}) {
    CAPTURE(cookie);
    Pair p = run_keyway_pair({"--dtls", "1.3", "--cookie", cookie}, {"--dtls", "1.3"});
    INFO("server:\n" << p.server_out << "client:\n" << p.client_out);
    CHECK(p.server_rc == 0);
    CHECK(p.client_rc == 0);
    CHECK(value_after(p.client_out, "dtls_version=") == "1.3");
    CHECK(value_after(p.server_out, "dtls_version=") == "1.3");
    CHECK(value_after(p.client_out, "cipher=") == "TLS_AES_128_GCM_SHA256");
    CHECK(value_after(p.server_out, "cipher=") == "TLS_AES_128_GCM_SHA256");
    CHECK(value_after(p.client_out, "srtp_profile=") == "SRTP_AES128_CM_SHA1_80");
    std::string km = value_after(p.client_out, "exporter=");
    CHECK(km.size() == 120);
    CHECK(value_after(p.server_out, "exporter=") == km);
    CHECK(value_after(p.client_out, "received=") == "hello from keyway server");
    CHECK(value_after(p.server_out, "received=") == "hello from keyway client");
  }
  // One side 1.2 only: 1.2, whichever side it is; the default is 1.2.
  Pair a = run_keyway_pair({"--dtls", "1.3"}, {"--dtls", "1.2"});
  Pair b = run_keyway_pair({}, {"--dtls", "1.3"});
  INFO("a server:\n" << a.server_out << "a client:\n" << a.client_out << "b server:\n" << b.server_out << "b client:\n"
                     << b.client_out);
  for (const Pair* p : {&a, &b}) {
    CHECK(p->server_rc == 0);
    CHECK(p->client_rc == 0);
    CHECK(value_after(p->client_out, "dtls_version=") == "1.2");
    CHECK(value_after(p->server_out, "dtls_version=") == "1.2");
    CHECK(value_after(p->server_out, "exporter=") == value_after(p->client_out, "exporter="));
    CHECK(value_after(p->client_out, "received=") == "hello from keyway server");
  }
}

// --dtls 1.3 against a DTLS 1.2-only OpenSSL (Debian 12's has no DTLS 1.3)
// in both roles: 1.2 is negotiated and the exporter matches OpenSSL's.
TEST_CASE("keyway dtls --dtls 1.3 <-> openssl 1.2 only, both roles: falls back to DTLS 1.2") {
  if (!have_tool("openssl")) { MESSAGE("openssl not installed: skipped"); return; }
  Pem ours, theirs;
  SUBCASE("keyway server (Listener) <-> openssl s_client") {
    uint16_t port = free_udp_port();
    OpensslRun r = run_against_openssl(
        true, keyway_args("server", port, {"--dtls", "1.3", "--cert", ours.cert, "--key", ours.key}),
        ours.dir.path + "/server.txt", openssl_args(false, "-dtls", port, theirs, "SRTP_AES128_CM_SHA1_80", "60"),
        theirs.dir.path + "/client.txt");
    const std::string &out = r.keyway_out, &cout = r.openssl_out;
    INFO("keyway:\n" << out << "openssl:\n" << cout);
    CHECK(r.keyway_rc == 0);
    CHECK(value_after(out, "dtls_version=") == "1.2");
    CHECK(value_after(out, "exporter=") == value_after(cout, "Keying material:"));
    CHECK(value_after(out, "peer_fingerprint=") == theirs.fingerprint());
    CHECK(value_after(out, "received=") == "hello from openssl");
  }
  SUBCASE("keyway client <-> openssl s_server") {
    uint16_t port = free_udp_port();
    OpensslRun r = run_against_openssl(
        false, keyway_args("client", port, {"--dtls", "1.3", "--cert", ours.cert, "--key", ours.key}),
        ours.dir.path + "/client.txt", openssl_args(true, "-dtls", port, theirs, "SRTP_AES128_CM_SHA1_80", "60"),
        theirs.dir.path + "/server.txt");
    const std::string &out = r.keyway_out, &sout = r.openssl_out;
    INFO("keyway:\n" << out << "openssl:\n" << sout);
    CHECK(r.keyway_rc == 0);
    CHECK(value_after(out, "dtls_version=") == "1.2");
    CHECK(value_after(out, "exporter=") == value_after(sout, "Keying material:"));
    CHECK(value_after(out, "received=") == "hello from openssl");
  }
}

TEST_CASE("keyway dtls client <-> openssl s_server (--cert/--key)") {
  if (!have_tool("openssl")) { MESSAGE("openssl not installed: skipped"); return; }
  Pem ours, theirs;
  uint16_t port = free_udp_port();
  OpensslRun r = run_against_openssl(
      false,
      keyway_args("client", port,
                  {"--cert", ours.cert, "--key", ours.key, "--srtp-profiles",
                   "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM"}),
      ours.dir.path + "/client.txt",
      openssl_args(true, "-dtls1_2", port, theirs, "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80", "56"),
      theirs.dir.path + "/server.txt");
  const std::string &out = r.keyway_out, &sout = r.openssl_out;
  INFO("keyway:\n" << out << "openssl:\n" << sout);
  CHECK(r.keyway_rc == 0);
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
  OpensslRun r = run_against_openssl(
      true,
      keyway_args("server", port,
                  {"--cert", ours.cert, "--key", ours.key, "--cipher-suites",
                   "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}),
      ours.dir.path + "/server.txt", openssl_args(false, "-dtls1_2", port, theirs, "SRTP_AES128_CM_SHA1_80", "60"),
      theirs.dir.path + "/client.txt");
  const std::string &out = r.keyway_out, &cout = r.openssl_out;
  INFO("keyway:\n" << out << "openssl:\n" << cout);
  CHECK(r.keyway_rc == 0);
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
    Child v(keyway_args("client", 1, {"--dtls", "1.1"}), dir.path + "/v.txt", false);
    CHECK(v.wait_exit(5000) == 2);
    CHECK(v.output().find("--dtls takes 1.2 or 1.3, not 1.1") != std::string::npos);
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
  OpensslRun r = run_against_openssl(false, keyway_args("client", port, {"--srtp-profiles", "SRTP_AES128_CM_SHA1_32"}),
                                     theirs.dir.path + "/client.txt",
                                     openssl_args(true, "-dtls1_2", port, theirs, "SRTP_AES128_CM_SHA1_32", "60"),
                                     theirs.dir.path + "/server.txt", /*say_hello=*/false);
  const std::string &out = r.keyway_out, &sout = r.openssl_out;
  INFO("keyway:\n" << out << "openssl:\n" << sout);
  CHECK(r.keyway_rc == 0);
  CHECK(out.find("note: no application data from the peer") != std::string::npos);
  CHECK(value_after(out, "srtp_profile=") == "SRTP_AES128_CM_SHA1_32");
  CHECK(value_after(out, "exporter=") == value_after(sout, "Keying material:"));
  CHECK(sout.find("hello from keyway client") != std::string::npos);
}

// Issue 12, defect 6: `keyway dtls server --cookie on` used to commit to the
// first address that sent it anything ("the first client wins"), before any
// cookie was checked, and ignore everyone else. One spoofed ClientHello,
// answered with a HelloVerifyRequest, locked the real client out for the
// whole run; here openssl then timed out and so did the server. The server
// now sits on dtls::Listener (stateless cookies, RFC 6347 §4.2.1) and commits
// only to a client that returned a valid cookie.
namespace {

// A UDP socket bound to 127.0.0.<host> (loopback only), any port.
struct LoopbackSender {
  int fd = -1;
  explicit LoopbackSender(int host) {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(0x7F000000u | static_cast<uint32_t>(host));
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) { ::close(fd); fd = -1; }
  }
  ~LoopbackSender() { if (fd >= 0) ::close(fd); }
  void send(uint16_t port, const std::vector<uint8_t>& bytes) const {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(port);
    ::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  }
  // Every datagram waiting; none of them may be more than a HelloVerifyRequest.
  std::vector<std::vector<uint8_t>> received() const {
    std::vector<std::vector<uint8_t>> out;
    uint8_t buf[2048];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.emplace_back(buf, buf + n);
    return out;
  }
};

// Fresh ClientHellos (no cookie) from a keyway client, and junk.
struct Spoofer {
  OsRng rng;
  dtls::Identity id;
  Spoofer() { REQUIRE(id.generate(rng.drbg, "spoofer", std::time(nullptr)).ok()); }
  std::vector<uint8_t> client_hello() {
    dtls::Config c;
    c.role = dtls::Role::client;
    c.identity = &id;
    c.rng = &rng.drbg;
    c.srtp_profiles.push(0x0001);
    dtls::Endpoint ep(c);
    uint8_t scratch[2048];
    dtls::Output out = ep.poll_output(real_now(), scratch);
    REQUIRE(out.kind == dtls::Output::Kind::transmit);
    return {out.transmit.begin(), out.transmit.end()};
  }
  std::vector<uint8_t> junk(int i) {
    std::vector<uint8_t> j(static_cast<std::size_t>(1 + (i * 37) % 300));
    (void)rng.drbg.fill(j);
    if (i % 3 == 0) j[0] = 22;   // looks like a handshake record
    if (i % 3 == 1) j[0] = 23;   // application data
    return j;
  }
};

void flood(const std::vector<std::unique_ptr<LoopbackSender>>& senders, Spoofer& s, uint16_t port) {
  int i = 0;
  for (const auto& from : senders) {
    from->send(port, s.client_hello());
    from->send(port, s.junk(i++));
    from->send(port, s.junk(i++));
  }
}

}  // namespace

TEST_CASE("keyway dtls server --cookie on: spoofed ClientHellos and junk from 49 addresses, then openssl s_client") {
  if (!have_tool("openssl")) { MESSAGE("openssl not installed: skipped"); return; }
  Pem theirs;
  uint16_t port = free_udp_port();
  std::vector<std::unique_ptr<LoopbackSender>> senders;
  for (int host = 2; host <= 50; ++host) {
    senders.push_back(std::make_unique<LoopbackSender>(host));
    REQUIRE(senders.back()->fd >= 0);
  }
  Spoofer spoofer;
  // All of it before the real client says anything, and more while its handshake runs.
  OpensslRun r = run_against_openssl(
      true, keyway_args("server", port, {"--cookie", "on", "--timeout", "20"}), theirs.dir.path + "/server.txt",
      openssl_args(false, "-dtls1_2", port, theirs, "SRTP_AES128_CM_SHA1_80", "60"), theirs.dir.path + "/client.txt",
      true, [&] { flood(senders, spoofer, port); });
  const std::string &out = r.keyway_out, &cout = r.openssl_out;
  INFO("keyway:\n" << out << "openssl:\n" << cout);
  CHECK(r.keyway_rc == 0);
  CHECK(!value_after(out, "cipher=").empty());
  CHECK(value_after(out, "srtp_profile=") == "SRTP_AES128_CM_SHA1_80");
  CHECK(value_after(out, "exporter=") == value_after(cout, "Keying material:"));
  CHECK(value_after(out, "peer_fingerprint=") == theirs.fingerprint());
  CHECK(value_after(out, "received=") == "hello from openssl");
  // The spoofed addresses drew at most HelloVerifyRequests (RFC 6347
  // §4.2.1: content type 22, handshake type 3), never more bytes than a hello.
  std::size_t hello_size = spoofer.client_hello().size();
  for (const auto& from : senders)
    for (const auto& d : from->received()) {
      CHECK(d.size() >= 14);
      CHECK(d.size() < hello_size);
      if (d.size() >= 14) CHECK((d[0] == 22 && d[13] == 3));
    }
}

TEST_CASE("keyway dtls --help names the cookie modes") {
  TempDir dir;
  Child help({kKeyway, "dtls", "--help"}, dir.path + "/help.txt", false);
  CHECK(help.wait_exit(5000) == 0);
  std::string text = help.output();
  CHECK(text.find("--cookie on|off") != std::string::npos);
  CHECK(text.find("first address") != std::string::npos);  // what --cookie off still does
  CHECK(text.find("--dtls 1.2|1.3") != std::string::npos);
}
