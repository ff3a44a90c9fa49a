// SPDX-License-Identifier: Apache-2.0
// The string-and-vector face of dtls/x509/pem.hpp for the tools.
#include "tools/pem.hpp"

#include "keyway/dtls/x509/pem.hpp"

namespace keyway::tools {
namespace {

// The tools' messages name the label (tests/dtls/cli_test.cpp).
std::string describe(const Error& e, const std::string& label) {
  if (e.code == Code::invalid_argument) return "pem: no " + label + " block";
  if (e.code == Code::malformed) return "pem: malformed base64 in the " + label + " block";
  return e.detail;
}

}  // namespace

bool pem_decode(const std::string& text, const std::string& label, std::vector<uint8_t>& der, std::string& error) {
  der.assign(text.size(), 0);  // base64 never grows
  auto n = dtls::pem_decode(text, label, der);
  if (!n.ok()) {
    error = describe(n.error(), label);
    return false;
  }
  der.resize(*n);
  return true;
}

bool p256_scalar_from_pem(const std::string& text, uint8_t (&scalar)[32], std::string& error) {
  Status st = dtls::p256_scalar_from_pem(text, std::span<uint8_t, 32>(scalar));
  bool sec1 = text.find("-----BEGIN EC PRIVATE KEY-----") != std::string::npos;
  if (!st.ok()) error = describe(st.error(), sec1 ? "EC PRIVATE KEY" : "PRIVATE KEY");
  return st.ok();
}

}  // namespace keyway::tools
