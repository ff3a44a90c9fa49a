// SPDX-License-Identifier: Apache-2.0
// keyway-bench srtp: median ns per SRTP packet, protect and unprotect, for
// keyway, libsrtp2 (same keys, same packets) and the bare primitive floor
// (AES-CTR + HMAC-SHA1 with precomputed pads, or AES-GCM, through
// lib/crypto: what any SRTP implementation on mbedTLS must at least spend).
//
// The three are measured interleaved in one process: each round times a
// batch of packets for each implementation in turn (rotating the order), and
// the figure is the median over rounds. Packet preparation (copying the
// plaintext in, or protecting the packets an unprotect batch will open) is
// outside the timed region. One line per case on stdout, in the contract form:
//   srtp <profile> <protect|unprotect> <payload> keyway_ns=<n> libsrtp_ns=<n>
//        floor_ns=<n> ratio_libsrtp=<keyway/libsrtp> ratio_floor=<keyway/floor>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

#include <srtp2/srtp.h>

#include "bench/benches.hpp"
#include "keyway/lib/crypto/aead.hpp"
#include "keyway/lib/crypto/aes.hpp"
#include "keyway/lib/crypto/hmac.hpp"
#include "keyway/srtp/kdf.hpp"
#include "keyway/srtp/session.hpp"

namespace keyway::bench {
namespace {

using srtp::Profile;
using srtp::ProfileInfo;

constexpr std::size_t kBatch = 16;
constexpr int kRounds = 402;
constexpr int kPlacements = 6;  // heap layouts per case (see run_case)
constexpr std::size_t kHeaderLen = 12;
constexpr uint32_t kSsrc = 0xcafebabe;
constexpr std::size_t kSlot = 1500;

// A batch of packet buffers, one slot each.
struct Batch {
  std::vector<uint8_t> bytes = std::vector<uint8_t>(kBatch * kSlot);
  std::vector<int> lens = std::vector<int>(kBatch);
  uint8_t* slot(std::size_t i) { return bytes.data() + i * kSlot; }
};

void fill_plain(Batch& b, std::size_t payload, uint16_t& seq) {
  for (std::size_t i = 0; i < kBatch; ++i) {
    uint8_t* p = b.slot(i);
    const uint8_t hdr[kHeaderLen] = {0x80, 0x60, static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq), 0, 0, 0, 1,
                                     0xca, 0xfe, 0xba, 0xbe};
    std::memcpy(p, hdr, kHeaderLen);
    std::memset(p + kHeaderLen, 0x42, payload);
    b.lens[i] = static_cast<int>(kHeaderLen + payload);
    ++seq;
  }
}

// One implementation: protect/unprotect one packet in place, returning the new length.
struct Impl {
  std::function<int(uint8_t*, int)> protect;
  std::function<int(uint8_t*, int)> unprotect;
};

Impl keyway_impl(Profile p, const std::vector<uint8_t>& key, const std::vector<uint8_t>& salt) {
  auto tx = std::make_shared<srtp::Session>(), rx = std::make_shared<srtp::Session>();
  srtp::SessionConfig cfg;
  cfg.profile = p;
  (void)tx->init(cfg, key, salt);
  cfg.direction = srtp::Direction::inbound;
  (void)rx->init(cfg, key, salt);
  return {[tx](uint8_t* b, int len) {
            auto r = tx->protect_rtp({b, kSlot}, static_cast<std::size_t>(len));
            return r.ok() ? static_cast<int>(*r) : -1;
          },
          [rx](uint8_t* b, int len) {
            auto r = rx->unprotect_rtp({b, kSlot}, static_cast<std::size_t>(len));
            return r.ok() ? static_cast<int>(*r) : -1;
          }};
}

void libsrtp_policy(Profile p, srtp_crypto_policy_t& rtp, srtp_crypto_policy_t& rtcp) {
  switch (p) {
    case Profile::aes128_cm_sha1_80: srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&rtp); break;
    case Profile::aes128_cm_sha1_32: srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&rtp); break;
    case Profile::aead_aes128_gcm: srtp_crypto_policy_set_aes_gcm_128_16_auth(&rtp); break;
    case Profile::aead_aes256_gcm: srtp_crypto_policy_set_aes_gcm_256_16_auth(&rtp); break;
    case Profile::aes256_cm_sha1_80: srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&rtp); break;
    case Profile::aes256_cm_sha1_32: srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&rtp); break;
  }
  rtcp = rtp;
}

Impl libsrtp_impl(Profile p, const std::vector<uint8_t>& key, const std::vector<uint8_t>& salt) {
  std::vector<uint8_t> material = key;
  material.insert(material.end(), salt.begin(), salt.end());
  srtp_t ctx[2] = {nullptr, nullptr};
  for (int dir = 0; dir < 2; ++dir) {
    srtp_policy_t pol;
    std::memset(&pol, 0, sizeof pol);
    libsrtp_policy(p, pol.rtp, pol.rtcp);
    pol.ssrc.type = dir == 0 ? ssrc_any_outbound : ssrc_any_inbound;
    pol.key = material.data();
    pol.window_size = 1024;
    if (srtp_create(&ctx[dir], &pol) != srtp_err_status_ok) std::fprintf(stderr, "libsrtp: srtp_create failed\n");
  }
  auto tx = std::shared_ptr<srtp_ctx_t_>(ctx[0], srtp_dealloc), rx = std::shared_ptr<srtp_ctx_t_>(ctx[1], srtp_dealloc);
  return {[tx](uint8_t* b, int len) { return srtp_protect(tx.get(), b, &len) == srtp_err_status_ok ? len : -1; },
          [rx](uint8_t* b, int len) { return srtp_unprotect(rx.get(), b, &len) == srtp_err_status_ok ? len : -1; }};
}

// The floor: the primitives alone, with the session keys keyway derives.
struct Floor {
  crypto::Aes aes;
  crypto::HmacSha1 hmac;
  crypto::AesGcm gcm;
  uint8_t salt[14] = {};
  std::size_t tag_len = 0;
  bool aead = false;
  uint64_t index = 0;

  void iv16(uint16_t seq, uint8_t iv[16]) const {
    std::memcpy(iv, salt, 14);
    iv[14] = iv[15] = 0;
    for (int i = 0; i < 4; ++i) iv[4 + i] ^= static_cast<uint8_t>(kSsrc >> (24 - 8 * i));
    iv[12] ^= static_cast<uint8_t>(seq >> 8);
    iv[13] ^= static_cast<uint8_t>(seq);
  }
  void iv12(uint16_t seq, uint8_t iv[12]) const {
    std::memcpy(iv, salt, 12);
    for (int i = 0; i < 4; ++i) iv[2 + i] ^= static_cast<uint8_t>(kSsrc >> (24 - 8 * i));
    iv[10] ^= static_cast<uint8_t>(seq >> 8);
    iv[11] ^= static_cast<uint8_t>(seq);
  }
  int protect(uint8_t* b, int len) {
    const auto n = static_cast<std::size_t>(len);
    const uint16_t seq = static_cast<uint16_t>((b[2] << 8) | b[3]);
    std::span<uint8_t> payload(b + kHeaderLen, n - kHeaderLen);
    if (aead) {
      uint8_t iv[12];
      iv12(seq, iv);
      (void)gcm.seal(iv, {b, kHeaderLen}, payload, {b + n, 16});
      return len + 16;
    }
    uint8_t iv[16], mac[20];
    iv16(seq, iv);
    aes.ctr_xor(iv, payload);
    const uint8_t roc[4] = {0, 0, 0, 0};
    auto m = hmac.begin();
    m.update({b, n});
    m.update(roc);
    m.finish(mac);
    std::memcpy(b + n, mac, tag_len);
    return static_cast<int>(n + tag_len);
  }
  int unprotect(uint8_t* b, int len) {
    const auto n = static_cast<std::size_t>(len) - tag_len;
    const uint16_t seq = static_cast<uint16_t>((b[2] << 8) | b[3]);
    std::span<uint8_t> payload(b + kHeaderLen, n - kHeaderLen);
    if (aead) {
      uint8_t iv[12];
      iv12(seq, iv);
      return gcm.open(iv, {b, kHeaderLen}, payload, {b + n, 16}).ok() ? static_cast<int>(n) : -1;
    }
    uint8_t iv[16], mac[20];
    const uint8_t roc[4] = {0, 0, 0, 0};
    auto m = hmac.begin();
    m.update({b, n});
    m.update(roc);
    m.finish(mac);
    if (!crypto::ct_equal({mac, tag_len}, {b + n, tag_len})) return -1;
    iv16(seq, iv);
    aes.ctr_xor(iv, payload);
    return static_cast<int>(n);
  }
};

std::shared_ptr<Floor> make_floor(const ProfileInfo& info, const srtp::SessionKeys& keys) {
  auto f = std::make_shared<Floor>();
  f->aead = info.aead;
  f->tag_len = info.rtp_tag_len;
  std::memcpy(f->salt, keys.salt, keys.salt_len);
  if (info.aead) {
    (void)f->gcm.set_key(keys.cipher_key_view());
  } else {
    (void)f->aes.set_key(keys.cipher_key_view());
    f->hmac.set_key(keys.auth_key_view());
  }
  return f;
}

// Like the sessions, the floor keeps separate sender and receiver contexts.
Impl floor_impl(Profile p, const std::vector<uint8_t>& key, const std::vector<uint8_t>& salt) {
  const ProfileInfo& info = srtp::profile_info(p);
  srtp::SessionKeys keys;
  (void)srtp::derive_session_keys(info, key, salt, false, keys);
  auto tx = make_floor(info, keys), rx = make_floor(info, keys);
  return {[tx](uint8_t* b, int len) { return tx->protect(b, len); },
          [rx](uint8_t* b, int len) { return rx->unprotect(b, len); }};
}

// Times one batch: ns per packet.
double time_batch(Batch& b, const std::function<int(uint8_t*, int)>& op) {
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < kBatch; ++i) b.lens[i] = op(b.slot(i), b.lens[i]);
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / kBatch;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Runs protect (unprotect = false) or unprotect rounds for the three impls,
// appending ns/packet samples; returns false if any packet failed.
bool run_rounds(bool unprotect, std::size_t payload, Impl* impls[3], int rounds, std::vector<double> samples[3]) {
  uint16_t seq[3] = {1, 1, 1};
  Batch batch;
  bool ok = true;
  for (int round = 0; round < rounds; ++round) {
    for (int k = 0; k < 3; ++k) {
      const int which = (round + k) % 3;  // rotate who goes first
      Impl& impl = *impls[which];
      fill_plain(batch, payload, seq[which]);
      if (unprotect)
        for (std::size_t i = 0; i < kBatch; ++i) batch.lens[i] = impl.protect(batch.slot(i), batch.lens[i]);
      samples[which].push_back(time_batch(batch, unprotect ? impl.unprotect : impl.protect));
      for (std::size_t i = 0; i < kBatch; ++i) ok = ok && batch.lens[i] >= 0;
    }
  }
  return ok;
}

// One output line. mbedTLS's AES-GCM timing depends on where its context
// and the packets sit in memory (4K aliasing: the same code measured
// 0.91x and 1.34x of the floor in two runs), so each case is measured with
// kPlacements different heap layouts and the samples pooled.
void run_case(Profile p, bool unprotect, std::size_t payload, const std::vector<uint8_t>& key,
              const std::vector<uint8_t>& salt) {
  std::vector<double> samples[3];
  bool ok = true;
  for (int placement = 0; placement < kPlacements; ++placement) {
    std::vector<uint8_t> spacer(static_cast<std::size_t>(placement) * 1344 + 64);  // shifts later allocations
    Impl kw = keyway_impl(p, key, salt);
    std::vector<uint8_t> spacer2(static_cast<std::size_t>(placement) * 704 + 64);
    Impl ls = libsrtp_impl(p, key, salt), fl = floor_impl(p, key, salt);
    Impl* impls[3] = {&kw, &ls, &fl};
    ok = run_rounds(unprotect, payload, impls, kRounds / kPlacements, samples) && ok;
  }
  const double kw = median(samples[0]), ls = median(samples[1]), fl = median(samples[2]);
  if (!ok) std::fprintf(stderr, "warning: a packet failed in this case\n");
  std::printf("srtp %s %s %zu keyway_ns=%.0f libsrtp_ns=%.0f floor_ns=%.0f ratio_libsrtp=%.2f ratio_floor=%.2f\n",
              srtp::profile_info(p).name, unprotect ? "unprotect" : "protect", payload, kw, ls, fl, kw / ls, kw / fl);
  std::fflush(stdout);
}

}  // namespace

// Usage: keyway-bench srtp [name-filter]   (e.g. "GCM" or "AES128_CM_HMAC_SHA1_80")
int run_srtp(int argc, char** argv) {
  const char* filter = argc >= 2 ? argv[1] : "";
  if (srtp_init() != srtp_err_status_ok) {
    std::fprintf(stderr, "libsrtp: srtp_init failed\n");
    return 1;
  }
  std::fprintf(stderr,
               "# srtp: %zu packets per batch, median of %d interleaved rounds over %d heap layouts; "
               "sizeof(srtp::Session) = %zu\n",
               kBatch, kRounds, kPlacements, sizeof(srtp::Session));
  for (Profile p : srtp::kAllProfiles) {
    const ProfileInfo& info = srtp::profile_info(p);
    if (std::strstr(info.name, filter) == nullptr) continue;
    std::vector<uint8_t> key(info.key_len), salt(info.salt_len);
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 13 + 1);
    for (std::size_t i = 0; i < salt.size(); ++i) salt[i] = static_cast<uint8_t>(i * 7 + 3);
    for (bool unprotect : {false, true}) {
      for (std::size_t payload : {20, 160, 1200}) run_case(p, unprotect, payload, key, salt);
    }
  }
  srtp_shutdown();
  return 0;
}

}  // namespace keyway::bench
