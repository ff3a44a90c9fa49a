// SPDX-License-Identifier: Apache-2.0
// RFC 5705 exporter (label EXTRACTOR-dtls_srtp, RFC 5764 §4.2) checked
// against OpenSSL 3.0: s_client logs the master secret (-keylogfile, NSS
// format "CLIENT_RANDOM <client_random> <master_secret>") and the server
// random (-trace, ServerHello), and both ends print the exported keying
// material. We recompute it from the master secret and the randoms.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "keyway/dtls/key_schedule.hpp"
#include "tests/dtls/x509_support.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using namespace keyway::dtls;
using keyway::test::fixture_path;
using keyway::test::hex;
using keyway::test::run_command;
using keyway::test::unhex;

namespace {

std::string ekm_hex(crypto::HashAlg alg, const std::string& master, const std::string& client_random,
                    const std::string& server_random) {
  auto ms = unhex(master), cr = unhex(client_random), sr = unhex(server_random);
  uint8_t out[60];
  export_keying_material(alg, ms, "EXTRACTOR-dtls_srtp", cr, sr, out);
  return hex(out);
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The whitespace-free token following `key` (after position from).
std::string token_after(const std::string& text, const std::string& key, std::size_t from = 0) {
  auto at = text.find(key, from);
  if (at == std::string::npos) return "";
  at += key.size();
  auto end = text.find_first_of(" \r\n", at);
  return text.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

struct Handshake {
  bool ok = false;
  std::string log;  // what went wrong, for the failure message
  std::string client_random, server_random, master, cipher, client_ekm, server_ekm;
};

// One DTLS 1.2 handshake between openssl s_server and s_client on
// 127.0.0.1:port, in a scratch directory. Everything is under `timeout`.
Handshake run_openssl_handshake(const std::string& dir, int port, const std::string& client_cipher) {
  std::string p = std::to_string(port);
  std::string cert = fixture_path("ec_p256.pem"), key = fixture_path("ec_p256_key.pem");
  std::string common = " -use_srtp SRTP_AES128_CM_SHA1_80 -keymatexport EXTRACTOR-dtls_srtp -keymatexportlen 60";
  std::string script =
      "cd '" + dir + "' && rm -f in.fifo kl.txt server.log client.log && mkfifo in.fifo && "
      // s_server quits when its stdin closes, so feed it from a fifo we hold open.
      "(timeout 20 openssl s_server -dtls1_2 -accept 127.0.0.1:" + p + " -cert '" + cert + "' -key '" + key +
      "' -naccept 1 -no_ticket" + common + " < in.fifo > server.log 2>&1 & "
      "exec 3> in.fifo; "
      "i=0; while [ $i -lt 100 ] && ! grep -q ACCEPT server.log; do sleep 0.1; i=$((i+1)); done; "
      "timeout 20 openssl s_client -dtls1_2 -connect 127.0.0.1:" + p + " -trace -keylogfile kl.txt" + client_cipher +
      common + " < /dev/null > client.log 2>&1; echo client_rc=$?; exec 3>&-; wait)";
  int rc = 0;
  Handshake h;
  h.log = run_command("sh -c \"$(cat <<'KEYWAY_EOF'\n" + script + "\nKEYWAY_EOF\n)\" 2>&1", rc);
  int read_rc = 0;
  std::string client = run_command("cat '" + dir + "/client.log'", read_rc);
  std::string server = run_command("cat '" + dir + "/server.log'", read_rc);
  std::string keylog = run_command("cat '" + dir + "/kl.txt' 2>/dev/null", read_rc);
  h.client_random = token_after(keylog, "CLIENT_RANDOM ");
  auto cr_at = keylog.find("CLIENT_RANDOM ");
  if (cr_at != std::string::npos) h.master = token_after(keylog, h.client_random + " ", cr_at);
  auto sh_at = client.find("ServerHello, Length");
  if (sh_at != std::string::npos) {
    std::string gmt = token_after(client, "gmt_unix_time=0x", sh_at);
    std::string rest = token_after(client, "random_bytes (len=28): ", sh_at);
    h.server_random = gmt + rest;
  }
  h.cipher = token_after(client, "Cipher is ");
  h.client_ekm = token_after(client, "Keying material: ");
  h.server_ekm = token_after(server, "Keying material: ");
  h.ok = h.log.find("client_rc=0") != std::string::npos && h.client_random.size() == 64 &&
         h.server_random.size() == 64 && h.master.size() == 96 && h.client_ekm.size() == 120;
  if (!h.ok) h.log += "\n--- client.log ---\n" + client.substr(0, 2000) + "\n--- server.log ---\n" + server;
  return h;
}

}  // namespace

TEST_CASE("exporter: fixed vectors recorded from OpenSSL 3.0 DTLS 1.2 handshakes") {
  // ECDHE-ECDSA-AES256-GCM-SHA384 (PRF with SHA-384), EMS on.
  CHECK(upper(ekm_hex(crypto::HashAlg::sha384,
                      "702d6c37ff0066518f81357c99f776b839accf76a3556692c6e15348b83c3e4972e3a8fdfb89c88d03190db6aa10c2eb",
                      "953287481816a1cbb8ad7ef83efeeb28760cb696e79cc2f510080d280bd0ef5d",
                      "009352DA6A90E6591452A97831F1B767148553D10AA9E74E6A5EB476B52E7B46")) ==
        "C6439F1C887D0F24070D5D401CB4A0E78FE112925F90B84903598B9C816AC3B0806EC613BA5E3EA6F8829DF4BB956898166"
        "65DDC3A476BD8380D685C");
  // ECDHE-ECDSA-AES128-GCM-SHA256 (PRF with SHA-256), EMS on.
  CHECK(upper(ekm_hex(crypto::HashAlg::sha256,
                      "94d94bfa98f9f111df4f55a29266a906fb629a987f6fa9dd8cf5534ea9978a761206ad848888a4bbd3df76c012d9be4f",
                      "365b7fa3a29af3f95024f7be457a2c2869015f8b2b2934664009aad2b2620b77",
                      "5675547324691B40F0104808BBC03EA0C3CB70655562C5892997A7BB852B7DD4")) ==
        "7EC09D7B2ADC2EA72940908BBAEF78334A97DB72355844A65BF0D4BBD911F18ABEBDC46E8AAF9632951A6F734709DAA2680"
        "3CD80FF252074A5E4AC0F");
}

TEST_CASE("exporter: live cross-check with openssl s_server/s_client over 127.0.0.1") {
  if (!keyway::test::have_openssl()) {
    MESSAGE("openssl not found: skipping the live exporter check");
    return;
  }
  int rc = 0;
  std::string dir = run_command("mktemp -d /tmp/keyway-ekm-XXXXXX", rc);
  while (!dir.empty() && (dir.back() == '\n' || dir.back() == '\r')) dir.pop_back();
  REQUIRE(rc == 0);
  std::random_device rd;
  struct Config {
    const char* cipher_option;
    crypto::HashAlg prf;
  };
  const Config configs[] = {
      {" -cipher ECDHE-ECDSA-AES256-GCM-SHA384", crypto::HashAlg::sha384},
      {" -cipher ECDHE-ECDSA-AES128-GCM-SHA256", crypto::HashAlg::sha256},
  };
  for (const auto& cfg : configs) {
    CAPTURE(cfg.cipher_option);
    Handshake h;
    // A few attempts on different random ports, in case one is taken.
    for (int attempt = 0; attempt < 3 && !h.ok; ++attempt) {
      int port = 20000 + static_cast<int>(rd() % 40000);
      h = run_openssl_handshake(dir, port, cfg.cipher_option);
    }
    REQUIRE_MESSAGE(h.ok, h.log);
    CHECK(h.client_ekm == h.server_ekm);
    CHECK(upper(ekm_hex(cfg.prf, h.master, h.client_random, h.server_random)) == h.client_ekm);
  }
  run_command("rm -rf '" + dir + "'", rc);
}
