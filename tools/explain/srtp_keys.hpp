// SPDX-License-Identifier: Apache-2.0
// `keyway explain --srtp PROFILE:EXPORTER_HEX`: SRTP/SRTCP decryption with the
// keys `keyway dtls client|server` prints (srtp_profile= and exporter=, the
// RFC 5764 §4.2 keying material: client key | server key | client salt |
// server salt). Each packet is tried with both sides' write keys through
// srtp::Session::unprotect_rtp / unprotect_rtcp (inbound sessions, one per
// side, so the ROC of each SSRC follows the capture as a receiver's would).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyway/lib/bytes.hpp"
#include "keyway/srtp/session.hpp"

namespace keyway::explain {

struct SrtpKeys {
  srtp::Profile profile = srtp::Profile::aes128_cm_sha1_80;
  std::vector<uint8_t> material;  // the exporter output, 2 * (key + salt) bytes
};

// "SRTP_AEAD_AES_128_GCM:7647D1..." (profile by its DTLS-SRTP name, OpenSSL's
// or RFC 5764's, or by number "0x0007").
bool parse_srtp_keys(std::string_view text, SrtpKeys& out, std::string& error);

struct SrtpPlain {
  std::vector<uint8_t> bytes;  // the RTP/RTCP packet, decrypted, without tag (or E||index for SRTCP)
  const char* sender = "";     // "DTLS client" or "DTLS server": whose write key opened it
  uint32_t roc = 0;            // RTP: the rollover counter used (RFC 3711 §3.3.1)
  std::size_t trailer = 0;     // bytes of the trailer (tag, and E||index for SRTCP)
};

class SrtpDecryptor {
 public:
  bool init(const SrtpKeys& keys, std::string& error);
  // nullopt when neither side's key authenticates the packet.
  std::optional<SrtpPlain> rtp(Bytes packet);
  std::optional<SrtpPlain> rtcp(Bytes packet);

 private:
  std::optional<SrtpPlain> open(Bytes packet, bool rtcp);
  std::unique_ptr<srtp::Session> from_client_, from_server_;
};

}  // namespace keyway::explain
