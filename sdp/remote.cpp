// SPDX-License-Identifier: Apache-2.0
// read_remote: the transport parameters of a remote offer or answer.
#include "keyway/sdp/negotiate.hpp"

namespace keyway::sdp {
namespace {

constexpr Error unusable(Code code, const char* detail) { return make_error(Layer::sdp, code, detail); }

// RFC 8843 §7: the transport of a BUNDLE group is that of its first active
// (tagged) section; without BUNDLE, use the first active section.
Result<std::size_t> transport_section(const SessionDescription& desc, const Group* bundle) {
  for (std::size_t i = 0; i < desc.media.size(); ++i) {
    const MediaDescription& m = desc.media[i];
    if (m.rejected()) continue;
    const Attribute* mid = m.find("mid");
    if (bundle == nullptr || (mid != nullptr && bundle->contains(mid->value))) return i;
  }
  for (std::size_t i = 0; i < desc.media.size(); ++i)
    if (!desc.media[i].rejected()) return i;
  return unusable(Code::unsupported, "description has no active m= section (all ports are 0)");
}

bool any_crypto(const SessionDescription& desc) {
  for (const MediaDescription& m : desc.media)
    if (m.has("crypto")) return true;
  return false;
}

bool is_dtls_proto(std::string_view proto) {
  // DTLS-SRTP profiles, plus DTLS/SCTP data channels sharing the transport (RFC 8841 §4).
  return is_dtls_srtp_proto(proto) || proto == "UDP/DTLS/SCTP" || proto == "TCP/DTLS/SCTP";
}

}  // namespace

Result<RemoteParameters> read_remote(const SessionDescription& desc, ErrorLocation* where) {
  RemoteParameters r;
  TRY(check_session_attributes(desc, where));
  Group bundle;
  r.bundle = find_bundle(desc, bundle);
  auto index = transport_section(desc, r.bundle ? &bundle : nullptr);
  if (!index.ok()) return index.error();
  r.transport_index = *index;
  const MediaDescription& m = desc.media[*index];
  bool sdes = any_crypto(desc);
  // What the transport section lacks is reported on its m= line.
  auto missing = [&](const char* detail) {
    locate(desc, m, where);
    return unusable(Code::unsupported, detail);
  };
  if (!is_dtls_proto(m.proto)) {
    if (sdes) return missing("SDES keying is not supported, use DTLS-SRTP (RFC 8827 §6.5)");
    return missing("unsupported transport profile: only UDP/TLS/RTP/SAVPF and its TCP variants are DTLS-SRTP");
  }
  auto view = view_media(desc, *index, where);
  if (!view.ok()) return view.error();
  r.transport = view->transport;
  if (r.transport.fingerprint_count == 0) {
    if (sdes) return missing("SDES keying is not supported, use DTLS-SRTP (RFC 8827 §6.5)");
    return missing("no a=fingerprint: DTLS-SRTP needs the peer's certificate fingerprint (RFC 8122 §5)");
  }
  if (r.transport.ice_ufrag.empty() || r.transport.ice_pwd.empty())
    return missing("no ICE credentials: a=ice-ufrag and a=ice-pwd are required (RFC 8839 §5.4)");
  return r;
}

std::size_t read_mids(const SessionDescription& desc, std::span<std::string_view> out) {
  std::size_t n = desc.media.size() < out.size() ? desc.media.size() : out.size();
  for (std::size_t i = 0; i < n; ++i) {
    const Attribute* mid = desc.media[i].find("mid");
    out[i] = mid != nullptr ? mid->value : std::string_view{};
  }
  return n;
}

Result<Setup> answer_setup(Setup offered, Setup preferred) {
  switch (offered) {
    case Setup::actpass:
      ENSURE(preferred == Setup::active || preferred == Setup::passive,
             make_error(Layer::sdp, Code::invalid_argument, "answer: our setup must be active or passive (RFC 8842 §3.2)"));
      return preferred;
    case Setup::active: return Setup::passive;
    case Setup::passive: return Setup::active;
    case Setup::holdconn: break;
  }
  return make_error(Layer::sdp, Code::unsupported, "offer: a=setup:holdconn (no DTLS connection) is not supported");
}

}  // namespace keyway::sdp
