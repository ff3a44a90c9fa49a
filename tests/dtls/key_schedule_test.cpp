// SPDX-License-Identifier: Apache-2.0
// TLS 1.2 PRF and key schedule: the IETF TLS WG P_SHA256 / P_SHA384 vectors,
// and vectors for each derived secret computed once with an independent
// implementation (Python's hmac/hashlib, RFC 5246 §5 written out directly).
#include <doctest/doctest.h>

#include <vector>

#include "keyway/dtls/key_schedule.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using namespace keyway::dtls;
using keyway::test::bytes_of;
using keyway::test::hex;
using keyway::test::unhex;

namespace {

std::vector<uint8_t> range_bytes(uint8_t first, std::size_t n) {
  std::vector<uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(first + i);
  return v;
}

struct Inputs {
  std::vector<uint8_t> premaster = range_bytes(0x10, 48);
  std::vector<uint8_t> client_random = range_bytes(0x00, 32);
  std::vector<uint8_t> server_random = range_bytes(0x80, 32);
};

}  // namespace

TEST_CASE("TLS 1.2 PRF P_SHA256 (IETF TLS WG test vector, 100 bytes)") {
  auto secret = unhex("9bbe436ba940f017b17652849a71db35");
  auto seed = unhex("a0ba9f936cda311827a6f796ffd5198c");
  std::vector<uint8_t> out(100);
  prf_tls12(crypto::HashAlg::sha256, secret, "test label", seed, {}, out);
  CHECK(hex(out) ==
        "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077d"
        "ef17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66");
  // Splitting the seed between seed1 and seed2 changes nothing.
  std::vector<uint8_t> split(100);
  prf_tls12(crypto::HashAlg::sha256, secret, "test label", std::span(seed).first(5), std::span(seed).subspan(5),
            split);
  CHECK(split == out);
  // A shorter output is a prefix of a longer one.
  std::vector<uint8_t> shorter(33);
  prf_tls12(crypto::HashAlg::sha256, secret, "test label", seed, {}, shorter);
  CHECK(hex(shorter) == hex(std::span(out).first(33)));
}

TEST_CASE("TLS 1.2 PRF P_SHA384 (IETF TLS WG test vector, 148 bytes)") {
  auto secret = unhex("b80b733d6ceefcdc71566ea48e5567df");
  auto seed = unhex("cd665cf6a8447dd6ff8b27555edb7465");
  std::vector<uint8_t> out(148);
  prf_tls12(crypto::HashAlg::sha384, secret, "test label", seed, {}, out);
  CHECK(hex(out) ==
        "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed"
        "2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec4"
        "79e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f");
}

TEST_CASE("PRF with zero-length output writes nothing") {
  uint8_t guard = 0xAA;
  prf_tls12(crypto::HashAlg::sha256, bytes_of("k"), "l", bytes_of("s"), {}, std::span<uint8_t>(&guard, 0));
  CHECK(guard == 0xAA);
}

TEST_CASE("key schedule, SHA-256 suites (RFC 5246 8.1, 6.3, 7.4.9; RFC 7627 4; RFC 5705 4)") {
  Inputs in;
  uint8_t session_hash[32];
  crypto::hash(crypto::HashAlg::sha256, bytes_of("the handshake messages"), session_hash);
  const auto alg = crypto::HashAlg::sha256;

  uint8_t ms[kMasterSecretSize];
  master_secret(alg, in.premaster, in.client_random, in.server_random, ms);
  CHECK(hex(ms) == "c0ed034480c93352be271df794e293d819c8ff6b928b73f1ed6dc2817ea237eeed105314c48bf5a603199d6ab7e6ab85");

  uint8_t ems[kMasterSecretSize];
  extended_master_secret(alg, in.premaster, session_hash, ems);
  CHECK(hex(ems) == "a04b026e417b9a61398b54b9b78bf1515a17ba1507b387174cec95a5ddda6d2b0da475c6e11c9e53cb5d617ccf193db9");

  uint8_t kb[72];
  key_block(alg, ms, in.client_random, in.server_random, kb);
  CHECK(hex(kb) ==
        "ee3451f4d3be44eb5816087134dc99d86f674412ad35df312939de93295f17a8ea1af11257b9b58e3b4f86d7cf187aeaae88451ec7d2"
        "8a8cbc391dc1db0b6f3c726dbfe121b008fc");

  uint8_t vd[kVerifyDataSize];
  finished_verify_data(alg, ms, FinishedSender::client, session_hash, vd);
  CHECK(hex(vd) == "ad77f10ffcd2dfeaf5218865");
  finished_verify_data(alg, ms, FinishedSender::server, session_hash, vd);
  CHECK(hex(vd) == "7c3b30b3761876db90d4751d");

  uint8_t ekm[60];
  export_keying_material(alg, ms, "EXTRACTOR-dtls_srtp", in.client_random, in.server_random, ekm);
  CHECK(hex(ekm) ==
        "17aa0d7260e4343884a2e85d44f83554ed112ffdc1de8a7a46d75aacecf99c476c532871dde64ca26b796aec55152acbbd86bca41fa1"
        "24254149cd31");

  uint8_t ctx_out[32];
  REQUIRE(export_keying_material_with_context(alg, ms, "EXPERIMENTAL keyway", in.client_random, in.server_random,
                                              bytes_of("hello"), ctx_out)
              .ok());
  CHECK(hex(ctx_out) == "7280ccbc915d64ce6572f33d38f59c8abac9425032ed5900f6fd5ca186906f44");
}

TEST_CASE("key schedule, SHA-384 suites") {
  Inputs in;
  uint8_t session_hash[48];
  crypto::hash(crypto::HashAlg::sha384, bytes_of("the handshake messages"), session_hash);
  const auto alg = crypto::HashAlg::sha384;

  uint8_t ms[kMasterSecretSize];
  master_secret(alg, in.premaster, in.client_random, in.server_random, ms);
  CHECK(hex(ms) == "3d201c7acb06d5d76553d8e96a21bc6e4626d95f24d42632df4c2a59f9fa499604fa9b75cfe00966e175bd602f1bc9fd");

  uint8_t ems[kMasterSecretSize];
  extended_master_secret(alg, in.premaster, session_hash, ems);
  CHECK(hex(ems) == "4ea9710624d708fe01b23f7dfa4c57313c1b4fa5790e190274ae76b0c0825a7ef9a7b316c650cf39a13849e720b3165e");

  uint8_t kb[72];
  key_block(alg, ms, in.client_random, in.server_random, kb);
  CHECK(hex(kb) ==
        "d4814a5f7c786028305c6fd81b7f4c9846899e1d73384791a58a73178b565f87f4cfde79ec37a90c8b67268252904ee7777dd72df77a"
        "c0e5d2a3ec21e65f8f7ae991aaf21b86979a");

  uint8_t vd[kVerifyDataSize];
  finished_verify_data(alg, ms, FinishedSender::client, session_hash, vd);
  CHECK(hex(vd) == "73698be5df01c0c9fedc7f01");
  finished_verify_data(alg, ms, FinishedSender::server, session_hash, vd);
  CHECK(hex(vd) == "7b8be304dcc955302dbb488b");

  uint8_t ekm[60];
  export_keying_material(alg, ms, "EXTRACTOR-dtls_srtp", in.client_random, in.server_random, ekm);
  CHECK(hex(ekm) ==
        "9a2c02044bb676bf0780d8cdb62ae992d947ffba4839c006277dad707b552d885ad89711f382deae84c3ab8787fe2490953190ca5b7b"
        "96483ac72f9c");

  uint8_t ctx_out[32];
  REQUIRE(export_keying_material_with_context(alg, ms, "EXPERIMENTAL keyway", in.client_random, in.server_random,
                                              bytes_of("hello"), ctx_out)
              .ok());
  CHECK(hex(ctx_out) == "620792fdd5523e18be0d88311a818709f9e4c0865ae2a097869c07780dc59dd4");
}

TEST_CASE("exporter with context rejects bad arguments") {
  Inputs in;
  uint8_t ms[kMasterSecretSize] = {};
  uint8_t out[16];
  std::vector<uint8_t> big(kMaxExporterContextSize + 1);
  CHECK(!export_keying_material_with_context(crypto::HashAlg::sha256, ms, "x", in.client_random, in.server_random,
                                             big, out)
             .ok());
  CHECK(!export_keying_material_with_context(crypto::HashAlg::sha256, ms, "x", std::span(in.client_random).first(31),
                                             in.server_random, {}, out)
             .ok());
}
