// SPDX-License-Identifier: Apache-2.0
#include "keyway/dtls/alert.hpp"

#include <cstdio>
#include <cstring>

#include "keyway/lib/profile.hpp"

namespace keyway::dtls {

namespace {
const char* registered_name(AlertDescription a) {
  using A = AlertDescription;
  if (!profile::kErrorText) return nullptr;  // the minimal profile names an alert by its number
  switch (a) {
    case A::close_notify: return "close_notify";
    case A::unexpected_message: return "unexpected_message";
    case A::bad_record_mac: return "bad_record_mac";
    case A::decryption_failed: return "decryption_failed";
    case A::record_overflow: return "record_overflow";
    case A::decompression_failure: return "decompression_failure";
    case A::handshake_failure: return "handshake_failure";
    case A::no_certificate: return "no_certificate";
    case A::bad_certificate: return "bad_certificate";
    case A::unsupported_certificate: return "unsupported_certificate";
    case A::certificate_revoked: return "certificate_revoked";
    case A::certificate_expired: return "certificate_expired";
    case A::certificate_unknown: return "certificate_unknown";
    case A::illegal_parameter: return "illegal_parameter";
    case A::unknown_ca: return "unknown_ca";
    case A::access_denied: return "access_denied";
    case A::decode_error: return "decode_error";
    case A::decrypt_error: return "decrypt_error";
    case A::export_restriction: return "export_restriction";
    case A::protocol_version: return "protocol_version";
    case A::insufficient_security: return "insufficient_security";
    case A::internal_error: return "internal_error";
    case A::inappropriate_fallback: return "inappropriate_fallback";
    case A::user_canceled: return "user_canceled";
    case A::no_renegotiation: return "no_renegotiation";
    case A::missing_extension: return "missing_extension";
    case A::unsupported_extension: return "unsupported_extension";
    case A::certificate_unobtainable: return "certificate_unobtainable";
    case A::unrecognized_name: return "unrecognized_name";
    case A::bad_certificate_status_response: return "bad_certificate_status_response";
    case A::bad_certificate_hash_value: return "bad_certificate_hash_value";
    case A::unknown_psk_identity: return "unknown_psk_identity";
    case A::certificate_required: return "certificate_required";
    case A::no_application_protocol: return "no_application_protocol";
  }
  return nullptr;  // a value neither RFC defines
}
}  // namespace

AlertName alert_name(AlertDescription a) {
  AlertName n;
  const char* name = registered_name(a);
  if (name) std::snprintf(n.text, sizeof n.text, "%s", name);
  else std::snprintf(n.text, sizeof n.text, "alert %u", static_cast<unsigned>(a));
  return n;
}

}  // namespace keyway::dtls
