// SPDX-License-Identifier: Apache-2.0
// `keyway explain --srtp PROFILE:EXPORTER_HEX` (issue 15): SRTP and SRTCP
// packets protected by keyway's own srtp::Session with keys split from an
// exporter output (RFC 5764 §4.2), opened with the right side's key, the ROC
// shown, the plaintext explained.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <string>
#include <vector>

#include "keyway/srtp/keying.hpp"
#include "tools/explain/explain.hpp"
#include "tools/srtp_names.hpp"

namespace keyway::explain {
namespace {

std::string hex_of(const std::vector<uint8_t>& b) { return fmt::format("{:02X}", fmt::join(b, "")); }

// Protects `packet` as the DTLS client (or server) would send it.
std::vector<uint8_t> protect(srtp::Profile profile, const std::vector<uint8_t>& material, bool client,
                             std::vector<uint8_t> packet, bool rtcp) {
  auto keys = srtp::split_dtls_srtp_material(profile, Bytes(material.data(), material.size()), client);
  REQUIRE(keys.ok());
  srtp::SessionConfig c;
  c.profile = profile;
  c.direction = srtp::Direction::outbound;
  srtp::Session s;
  REQUIRE(s.init(c, keys->local_key, keys->local_salt).ok());
  std::size_t len = packet.size();
  packet.resize(len + srtp::kMaxTrailerLen);
  auto n = rtcp ? s.protect_rtcp(MutableBytes(packet.data(), packet.size()), len)
                : s.protect_rtp(MutableBytes(packet.data(), packet.size()), len);
  REQUIRE(n.ok());
  packet.resize(*n);
  return packet;
}

TEST_CASE("explain --srtp: SRTP and SRTCP opened with the sender's key, ROC and plaintext shown") {
  for (srtp::Profile profile : {srtp::Profile::aes128_cm_sha1_80, srtp::Profile::aead_aes128_gcm}) {
    std::vector<uint8_t> material(srtp::dtls_srtp_material_len(profile));
    for (std::size_t i = 0; i < material.size(); ++i) material[i] = static_cast<uint8_t>(i * 7 + 1);
    const char* name = profile == srtp::Profile::aes128_cm_sha1_80 ? "SRTP_AES128_CM_SHA1_80" : "SRTP_AEAD_AES_128_GCM";
    CAPTURE(name);
    Options o;
    o.srtp.emplace();
    std::string error;
    REQUIRE(parse_srtp_keys(std::string(name) + ":" + hex_of(material), *o.srtp, error));

    std::vector<uint8_t> rtp = {0x80, 0x6F, 0x12, 0x34, 0, 0, 0, 9, 0xDE, 0xAD, 0xBE, 0xEF, 'o', 'p', 'u', 's'};
    std::vector<uint8_t> rr = {0x80, 0xC9, 0x00, 0x01, 0x11, 0x11, 0x11, 0x11};  // an empty RR
    std::vector<uint8_t> from_server = protect(profile, material, false, rtp, false);
    std::vector<uint8_t> from_client = protect(profile, material, true, rr, true);

    Explainer ex(o);
    std::string out;
    ex.datagram(Bytes(from_server.data(), from_server.size()), "s > c", out);
    ex.datagram(Bytes(from_client.data(), from_client.size()), "c > s", out);
    CHECK_MESSAGE(out.find("SRTP tag: verified with the DTLS server's write key; ROC 0") != std::string::npos, out);
    CHECK(out.find("decrypted SRTP packet, 16 bytes (offsets below are in the plaintext)") != std::string::npos);
    CHECK(out.find("6f 70 75 73                  payload, 4 bytes") != std::string::npos);
    CHECK(out.find("SRTCP E||index and tag: verified with the DTLS client's write key") != std::string::npos);
    CHECK(out.find("decrypted SRTCP packet, 8 bytes") != std::string::npos);
    CHECK(out.find("packet type 201: RR (receiver report)") != std::string::npos);

    // A flipped bit: neither key opens it, and it says so.
    from_server.back() ^= 1;
    std::string bad;
    Explainer ex2(o);
    ex2.datagram(Bytes(from_server.data(), from_server.size()), "s > c", bad);
    CHECK(bad.find("SRTP: neither side's write key authenticates it (srtp::Session::unprotect_rtp)") != std::string::npos);
  }
  SrtpKeys k;
  std::string error;
  CHECK(!parse_srtp_keys("SRTP_AES128_CM_SHA1_80:00", k, error));
  CHECK(error == "--srtp: the exporter output of SRTP_AES128_CM_SHA1_80 is 60 bytes in hex");
  CHECK(!parse_srtp_keys("SRTP_NULL:00", k, error));
}

// One table of profile names (tools/srtp_names.hpp) for `keyway dtls` and
// `keyway explain`: OpenSSL's name, the RFC name (srtp::profile_info) and, in
// explain, the id in hex all name the same profile.
TEST_CASE("explain: --srtp names a profile as keyway dtls prints it, by its RFC name or by its id") {
  std::string hex(2 * 2 * (16 + 14), '0'), error;
  for (const char* name : {"SRTP_AES128_CM_SHA1_32", "SRTP_AES128_CM_HMAC_SHA1_32", "0x0002"}) {
    SrtpKeys k;
    CHECK(parse_srtp_keys(std::string(name) + ":" + hex, k, error));
    CHECK(k.profile == srtp::Profile::aes128_cm_sha1_32);
  }
  CHECK(tools::srtp_profile_id("SRTP_AEAD_AES_256_GCM") == srtp::kDtlsSrtpAeadAes256Gcm);
  CHECK(tools::srtp_profile_id("AES_256_CM_HMAC_SHA1_80") == 0);  // RFC 6188: no DTLS-SRTP id
  CHECK(std::string(tools::srtp_profile_openssl_name(srtp::kDtlsSrtpAes128CmSha1_80)) == "SRTP_AES128_CM_SHA1_80");
  CHECK(std::string(tools::srtp_profile_openssl_name(0x0003)) == "none");
}

}  // namespace
}  // namespace keyway::explain
