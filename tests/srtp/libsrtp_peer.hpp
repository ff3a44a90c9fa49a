// SPDX-License-Identifier: Apache-2.0
// A thin test-only wrapper over libsrtp2 (Debian libsrtp2-dev) configured
// like a keyway Session: same profile, key, direction, window and MKI.
#pragma once

#include <cstring>
#include <vector>

#include <doctest/doctest.h>
#include <srtp2/srtp.h>

#include "keyway/srtp/session.hpp"

namespace keyway::srtp::testing {

inline void libsrtp_policies(Profile p, srtp_crypto_policy_t& rtp, srtp_crypto_policy_t& rtcp) {
  switch (p) {
    case Profile::aes128_cm_sha1_80:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&rtcp);
      break;
    case Profile::aes128_cm_sha1_32:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&rtcp);  // SRTCP keeps 80 bits (RFC 5764 §4.1.2)
      break;
    case Profile::aead_aes128_gcm:
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&rtcp);
      break;
    case Profile::aead_aes256_gcm:
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&rtp);
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&rtcp);
      break;
    case Profile::aes256_cm_sha1_80:
      srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&rtp);
      srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&rtcp);
      break;
    case Profile::aes256_cm_sha1_32:
      srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&rtp);
      srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&rtcp);
      break;
  }
}

class LibSrtp {
 public:
  LibSrtp(Profile p, bool outbound, const std::vector<uint8_t>& key, const std::vector<uint8_t>& salt,
          std::size_t window, const std::vector<uint8_t>& mki = {}) {
    static const bool inited = srtp_init() == srtp_err_status_ok;
    REQUIRE(inited);
    material_ = key;
    material_.insert(material_.end(), salt.begin(), salt.end());
    mki_ = mki;
    srtp_policy_t pol;
    std::memset(&pol, 0, sizeof pol);
    libsrtp_policies(p, pol.rtp, pol.rtcp);
    pol.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    pol.window_size = static_cast<unsigned long>(window);
    srtp_master_key_t mk{material_.data(), mki_.data(), static_cast<unsigned>(mki_.size())};
    srtp_master_key_t* keys[1] = {&mk};
    if (mki_.empty()) {
      pol.key = material_.data();
    } else {
      pol.keys = keys;
      pol.num_master_keys = 1;
    }
    REQUIRE(srtp_create(&ctx_, &pol) == srtp_err_status_ok);
  }
  ~LibSrtp() { srtp_dealloc(ctx_); }
  LibSrtp(const LibSrtp&) = delete;
  LibSrtp& operator=(const LibSrtp&) = delete;

  // Each returns the libsrtp status and updates len.
  srtp_err_status_t protect_rtp(uint8_t* buf, int& len) {
    return mki_.empty() ? srtp_protect(ctx_, buf, &len) : srtp_protect_mki(ctx_, buf, &len, 1, 0);
  }
  srtp_err_status_t unprotect_rtp(uint8_t* buf, int& len) {
    return mki_.empty() ? srtp_unprotect(ctx_, buf, &len) : srtp_unprotect_mki(ctx_, buf, &len, 1);
  }
  srtp_err_status_t protect_rtcp(uint8_t* buf, int& len) {
    return mki_.empty() ? srtp_protect_rtcp(ctx_, buf, &len) : srtp_protect_rtcp_mki(ctx_, buf, &len, 1, 0);
  }
  srtp_err_status_t unprotect_rtcp(uint8_t* buf, int& len) {
    return mki_.empty() ? srtp_unprotect_rtcp(ctx_, buf, &len) : srtp_unprotect_rtcp_mki(ctx_, buf, &len, 1);
  }

 private:
  srtp_t ctx_ = nullptr;
  std::vector<uint8_t> material_, mki_;
};

}  // namespace keyway::srtp::testing
