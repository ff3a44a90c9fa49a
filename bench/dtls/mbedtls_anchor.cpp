// SPDX-License-Identifier: Apache-2.0
// The anchor: mbedTLS's own DTLS 1.2 (its SSL module; 2.28, or 3.6 with
// -Dmbedtls_prefix), the only use of mbedTLS headers outside lib/ (bench-only,
// as architecture.md allows). Where the SSL API of 3.x differs from 2.28, an
// #if on MBEDTLS_VERSION_NUMBER picks the spelling; the handshake is the same.
#include "bench/dtls/anchor.hpp"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include <cstdio>
#include <cstring>
#include <deque>
#include <vector>

namespace keyway::bench {
namespace {

using Queue = std::deque<std::vector<uint8_t>>;

struct Link {
  Queue* out;
  Queue* in;
};

int send_cb(void* ctx, const unsigned char* buf, size_t len) {
  static_cast<Link*>(ctx)->out->emplace_back(buf, buf + len);
  return static_cast<int>(len);
}

int recv_cb(void* ctx, unsigned char* buf, size_t len) {
  Queue& q = *static_cast<Link*>(ctx)->in;
  if (q.empty()) return MBEDTLS_ERR_SSL_WANT_READ;
  std::size_t n = std::min(len, q.front().size());
  std::memcpy(buf, q.front().data(), n);
  q.pop_front();
  return static_cast<int>(n);
}

// A timer that never expires (no loss in memory), as DTLS requires one.
struct Timer {
  uint32_t fin_ms = 0;
};
void set_timer(void* ctx, uint32_t, uint32_t fin_ms) { static_cast<Timer*>(ctx)->fin_ms = fin_ms; }
int get_timer(void* ctx) { return static_cast<Timer*>(ctx)->fin_ms == 0 ? -1 : 0; }

int fixed_entropy(void* ctx, unsigned char* out, size_t len) {
  auto* counter = static_cast<uint8_t*>(ctx);
  for (size_t i = 0; i < len; ++i) out[i] = static_cast<uint8_t>(++*counter * 31);
  return 0;
}

const int kSuites[] = {MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 0};
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
const uint16_t kGroups[] = {MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1, MBEDTLS_SSL_IANA_TLS_GROUP_NONE};
#else
const mbedtls_ecp_group_id kCurves[] = {MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_NONE};
#endif
const mbedtls_ssl_srtp_profile kProfiles[] = {MBEDTLS_TLS_SRTP_AES128_CM_HMAC_SHA1_80, MBEDTLS_TLS_SRTP_UNSET};

struct Side {
  mbedtls_ctr_drbg_context drbg;
  uint8_t entropy_counter = 0;
  mbedtls_x509_crt own, peer;
  mbedtls_pk_context key;
  mbedtls_ssl_config conf;

  Side() {
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_x509_crt_init(&own);
    mbedtls_x509_crt_init(&peer);
    mbedtls_pk_init(&key);
    mbedtls_ssl_config_init(&conf);
  }
  ~Side() {
    mbedtls_ssl_config_free(&conf);
    mbedtls_pk_free(&key);
    mbedtls_x509_crt_free(&peer);
    mbedtls_x509_crt_free(&own);
    mbedtls_ctr_drbg_free(&drbg);
  }

  bool load_key(std::span<const uint8_t> scalar) {
    if (mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0) return false;
    mbedtls_ecp_keypair* kp = mbedtls_pk_ec(key);
    if (mbedtls_ecp_read_key(MBEDTLS_ECP_DP_SECP256R1, kp, scalar.data(), scalar.size()) != 0) return false;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000  // the key pair's fields are private: Q = d·G by a call
    return mbedtls_ecp_keypair_calc_public(kp, mbedtls_ctr_drbg_random, &drbg) == 0;
#else
    return mbedtls_ecp_mul(&kp->grp, &kp->Q, &kp->d, &kp->grp.G, mbedtls_ctr_drbg_random, &drbg) == 0;
#endif
  }

  bool setup(bool server, const AnchorIdentity& self, const AnchorIdentity& other) {
    if (mbedtls_ctr_drbg_seed(&drbg, fixed_entropy, &entropy_counter, nullptr, 0) != 0) return false;
    if (mbedtls_x509_crt_parse_der(&own, self.cert_der.data(), self.cert_der.size()) != 0 ||
        mbedtls_x509_crt_parse_der(&peer, other.cert_der.data(), other.cert_der.size()) != 0 ||
        !load_key(self.p256_scalar))
      return false;
    if (mbedtls_ssl_config_defaults(&conf, server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
                                    MBEDTLS_SSL_TRANSPORT_DATAGRAM, MBEDTLS_SSL_PRESET_DEFAULT) != 0)
      return false;
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&conf, &peer, nullptr);  // self-signed: the peer is its own CA
    mbedtls_ssl_conf_ciphersuites(&conf, kSuites);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000  // DTLS 1.2 is the only DTLS 3.x speaks
    mbedtls_ssl_conf_groups(&conf, kGroups);
#else
    mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_curves(&conf, kCurves);
#endif
    if (mbedtls_ssl_conf_dtls_srtp_protection_profiles(&conf, kProfiles) != 0) return false;
    if (server) mbedtls_ssl_conf_dtls_cookies(&conf, nullptr, nullptr, nullptr);  // as keyway after ICE
    return mbedtls_ssl_conf_own_cert(&conf, &own, &key) == 0;
  }
};

bool one_handshake(Side& c, Side& s) {
  Queue to_server, to_client;
  Link client_link{&to_server, &to_client}, server_link{&to_client, &to_server};
  Timer client_timer, server_timer;
  mbedtls_ssl_context cs, ss;
  mbedtls_ssl_init(&cs);
  mbedtls_ssl_init(&ss);
  bool ok = mbedtls_ssl_setup(&cs, &c.conf) == 0 && mbedtls_ssl_setup(&ss, &s.conf) == 0;
  // The peer is pinned by its certificate (the CA chain is that certificate),
  // not by a name: say so, as mbedTLS 3.6.3 and later require.
  ok = ok && mbedtls_ssl_set_hostname(&cs, nullptr) == 0;
  mbedtls_ssl_set_bio(&cs, &client_link, send_cb, recv_cb, nullptr);
  mbedtls_ssl_set_bio(&ss, &server_link, send_cb, recv_cb, nullptr);
  mbedtls_ssl_set_timer_cb(&cs, &client_timer, set_timer, get_timer);
  mbedtls_ssl_set_timer_cb(&ss, &server_timer, set_timer, get_timer);
  mbedtls_ssl_set_mtu(&cs, 1200);
  mbedtls_ssl_set_mtu(&ss, 1200);
  int rc_c = 1, rc_s = 1;
  for (int step = 0; ok && step < 100 && (rc_c != 0 || rc_s != 0); ++step) {
    if (rc_c != 0) rc_c = mbedtls_ssl_handshake(&cs);
    if (rc_s != 0) rc_s = mbedtls_ssl_handshake(&ss);
    auto pending = [](int rc) { return rc == 0 || rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE; };
    if (!pending(rc_c) || !pending(rc_s)) {
      std::fprintf(stderr, "mbedtls handshake: client -0x%04x server -0x%04x\n", -rc_c, -rc_s);
      ok = false;
    }
  }
  // use_srtp was negotiated iff the result differs from "none" (mbedTLS 3
  // keeps the chosen profile private; only one profile is offered).
  mbedtls_dtls_srtp_info srtp{}, none{};
  mbedtls_ssl_get_dtls_srtp_negotiation_result(&cs, &srtp);
  ok = ok && rc_c == 0 && rc_s == 0 && std::memcmp(&srtp, &none, sizeof srtp) != 0;
  mbedtls_ssl_free(&cs);
  mbedtls_ssl_free(&ss);
  return ok;
}

}  // namespace

double mbedtls_handshake_us(const AnchorIdentity& client, const AnchorIdentity& server, int count) {
  Side c, s;
  if (!c.setup(false, client, server) || !s.setup(true, server, client)) return -1;
  double start = cpu_micros();
  for (int i = 0; i < count; ++i)
    if (!one_handshake(c, s)) return -1;
  return (cpu_micros() - start) / count;
}

}  // namespace keyway::bench
