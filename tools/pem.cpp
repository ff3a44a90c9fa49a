// SPDX-License-Identifier: Apache-2.0
// The string-and-vector face of dtls/x509/pem.hpp for the tools.
#include "tools/pem.hpp"

#include "keyway/dtls/x509/pem.hpp"

namespace keyway::tools {

bool pem_decode(const std::string& text, const std::string& label, std::vector<uint8_t>& der, std::string& error) {
  der.assign(text.size(), 0);  // base64 never grows
  auto n = dtls::pem_decode(text, label, der);
  if (!n.ok()) {
    // The tools' messages name the label (tests/dtls/cli_test.cpp).
    if (n.error().code == Code::invalid_argument) error = "pem: no " + label + " block";
    else if (n.error().code == Code::malformed) error = "pem: malformed base64 in the " + label + " block";
    else error = n.error().detail;
    return false;
  }
  der.resize(*n);
  return true;
}

bool p256_scalar_from_pem(const std::string& text, uint8_t (&scalar)[32], std::string& error) {
  Status st = dtls::p256_scalar_from_pem(text, std::span<uint8_t, 32>(scalar));
  if (!st.ok()) error = st.error().detail;
  return st.ok();
}

}  // namespace keyway::tools
