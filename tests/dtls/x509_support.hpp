// SPDX-License-Identifier: Apache-2.0
// Helpers for the dtls_x509 tests: fixture files and running openssl.
#pragma once

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace keyway::test {

inline std::string fixture_path(const std::string& name) { return std::string(KEYWAY_DTLS_TEST_DATA) + "/" + name; }

inline std::vector<uint8_t> read_fixture(const std::string& name) {
  std::ifstream in(fixture_path(name), std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline std::string read_fixture_text(const std::string& name) {
  auto b = read_fixture(name);
  return std::string(b.begin(), b.end());
}

// Runs a shell command, returns its stdout (and exit status in rc).
inline std::string run_command(const std::string& cmd, int& rc) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    rc = -1;
    return out;
  }
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

inline bool have_openssl() {
  int rc = 0;
  run_command("openssl version >/dev/null 2>&1", rc);
  return rc == 0;
}

}  // namespace keyway::test
