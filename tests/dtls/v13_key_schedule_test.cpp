// SPDX-License-Identifier: Apache-2.0
// DTLS 1.3 key schedule (dtls/v13/key_schedule.hpp).
// - With the "tls13 " prefix and SHA-256: the RFC 8448 §3 (simple 1-RTT)
//   trace, every secret it publishes from its ECDHE secret and transcript hashes.
// - The TLS 1.3 exporter: values exported by OpenSSL 3.0 s_server/s_client
//   (TLS 1.3, -keymatexport EXTRACTOR-dtls_srtp -keymatexportlen 60) with the
//   EXPORTER_SECRET from their -keylogfile, SHA-256 and SHA-384.
// - With "dtls13" and SHA-384, and the "sn" key and "traffic upd" secret
//   (which RFC 8448 does not show): values computed once by an independent
//   Python hmac/hashlib script of RFC 8446 §7.1 that reproduces every RFC 8448
//   value above first.
#include <doctest/doctest.h>

#include <vector>

#include "keyway/dtls/v13/key_schedule.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using namespace keyway::dtls::v13;
using crypto::HashAlg;
using keyway::test::bytes_of;
using keyway::test::hex;
using keyway::test::unhex;

namespace {

// RFC 8448 §3 inputs: the x25519 shared secret and two transcript hashes.
const char* kEcdhe = "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d";
const char* kHashHello = "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8";        // CH..SH
const char* kHashServerFinished = "9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13";  // CH..server Fin
const char* kHashClientFinished = "209145a96ee8e2a122ff810047cc952684658d6049e86429426db87c54ad143d";  // CH..client Fin

std::string derive(const KeySchedule& ks, TrafficSecret which, const char* transcript_hash) {
  std::vector<uint8_t> out(ks.hash_size());
  auto th = unhex(transcript_hash);
  REQUIRE(ks.derive(which, th, out).ok());
  return hex(out);
}

}  // namespace

TEST_CASE("TLS 1.3 key schedule: RFC 8448 §3 stage secrets and traffic secrets") {
  KeySchedule ks(HashAlg::sha256, LabelPrefix::tls13);
  CHECK(ks.stage() == KeySchedule::Stage::early);
  CHECK(hex(ks.secret()) == "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a");

  // "derived" between the stages.
  uint8_t derived[32];
  auto empty_hash = unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  REQUIRE(derive_secret(HashAlg::sha256, LabelPrefix::tls13, ks.secret(), "derived", empty_hash, derived).ok());
  CHECK(hex(derived) == "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba");

  // A traffic secret cannot be asked for before its stage.
  uint8_t out[32];
  CHECK_FALSE(ks.derive(TrafficSecret::client_handshake, unhex(kHashHello), out).ok());
  CHECK_FALSE(ks.enter_master().ok());

  REQUIRE(ks.enter_handshake(unhex(kEcdhe)).ok());
  CHECK(hex(ks.secret()) == "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac");
  CHECK(derive(ks, TrafficSecret::client_handshake, kHashHello) ==
        "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21");
  CHECK(derive(ks, TrafficSecret::server_handshake, kHashHello) ==
        "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");
  REQUIRE(derive_secret(HashAlg::sha256, LabelPrefix::tls13, ks.secret(), "derived", empty_hash, derived).ok());
  CHECK(hex(derived) == "43de77e0c77713859a944db9db2590b53190a65b3ee2e4f12dd7a0bb7ce254b4");
  CHECK_FALSE(ks.derive(TrafficSecret::client_application, unhex(kHashServerFinished), out).ok());

  REQUIRE(ks.enter_master().ok());
  CHECK(hex(ks.secret()) == "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919");
  CHECK(derive(ks, TrafficSecret::client_application, kHashServerFinished) ==
        "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5");
  CHECK(derive(ks, TrafficSecret::server_application, kHashServerFinished) ==
        "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643");
  CHECK(derive(ks, TrafficSecret::exporter_master, kHashServerFinished) ==
        "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50");
  CHECK(derive(ks, TrafficSecret::resumption_master, kHashClientFinished) ==
        "7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c");
  CHECK_FALSE(ks.enter_handshake(unhex(kEcdhe)).ok());
}

TEST_CASE("TLS 1.3 traffic keys and Finished: RFC 8448 §3") {
  const auto tls13 = LabelPrefix::tls13;
  TrafficKeys k;
  REQUIRE(traffic_keys(HashAlg::sha256, tls13, unhex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"),
                       16, k).ok());
  CHECK(hex(k.key.view()) == "3fce516009c21727d0f2e4e86ee403bc");  // server handshake write key
  CHECK(hex(k.iv.view()) == "5d313eb2671276ee13000b30");
  REQUIRE(traffic_keys(HashAlg::sha256, tls13, unhex("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21"),
                       16, k).ok());
  CHECK(hex(k.key.view()) == "dbfaa693d1762c5b666af5d950258d01");  // client handshake write key
  CHECK(hex(k.iv.view()) == "5bd3c71b836e0b76bb73265f");
  CHECK(hex(k.sn_key.view()) == "72ae466764936afb8462c7d99f88fde9");  // "sn": Python, not in RFC 8448
  REQUIRE(traffic_keys(HashAlg::sha256, tls13, unhex("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643"),
                       16, k).ok());
  CHECK(hex(k.key.view()) == "9f02283b6c9c07efc26bb9f2ac92e356");  // server application write key
  CHECK(hex(k.iv.view()) == "cf782b88dd83549aadf1e984");
  REQUIRE(traffic_keys(HashAlg::sha256, tls13, unhex("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5"),
                       16, k).ok());
  CHECK(hex(k.key.view()) == "17422dda596ed5d9acd890e3c63f5051");  // client application write key
  CHECK(hex(k.iv.view()) == "5b78923dee08579033e523d9");
  CHECK_FALSE(traffic_keys(HashAlg::sha256, tls13, k.key.view(), 24, k).ok());

  uint8_t fk[32];
  REQUIRE(finished_key(HashAlg::sha256, tls13, unhex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"),
                       fk).ok());
  CHECK(hex(fk) == "008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8");
  REQUIRE(finished_key(HashAlg::sha256, tls13, unhex("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21"),
                       fk).ok());
  CHECK(hex(fk) == "b80ad01015fb2f0bd65ff7d4da5d6bf83f84821d1f87fdc7d3c75b5a7b42d9c4");
  uint8_t vd[32];
  REQUIRE(finished_verify_data(HashAlg::sha256, fk, unhex(kHashServerFinished), vd).ok());
  CHECK(hex(vd) == "a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61");  // client Finished

  // KeyUpdate (RFC 8446 §7.2): from the server application secret.
  uint8_t upd[32];
  REQUIRE(next_traffic_secret(HashAlg::sha256, tls13,
                              unhex("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643"), upd).ok());
  CHECK(hex(upd) == "51921b8aa3001976eb401d0a4319a8516416a6c56001a357e5d162031e84f916");
}

TEST_CASE("TLS 1.3 exporter (RFC 8446 §7.5) equals OpenSSL's, SHA-256 and SHA-384") {
  std::vector<uint8_t> out(60);
  REQUIRE(export_keying_material(HashAlg::sha256, LabelPrefix::tls13,
                                 unhex("34a3f3cc5c2108d84c78eb29d55dce7c12aba24566b80778839e0e040a94ff7b"),
                                 "EXTRACTOR-dtls_srtp", {}, out).ok());
  CHECK(hex(out) ==
        "eea23b5aba3eb70a48c12556337943028054fded266c4b98bae08141560a6dcdbf41ea011af61ebcbcf10158b611435383efaadb33cea864"
        "ed68a969");
  REQUIRE(export_keying_material(HashAlg::sha384, LabelPrefix::tls13,
                                 unhex("e6d3e095b159ae340e92063e106ef7eeba37f6f0f72b372e32fccaa57fa0f774595187a1f322999df7"
                                       "af3403e2ea079d"),
                                 "EXTRACTOR-dtls_srtp", {}, out).ok());
  CHECK(hex(out) ==
        "8d63e0ca2e5c5a3341cb116c5dcc6f76f4a6cc3760676981e34e971d2d8c38fb180090226708dee9527c5b1d4dea275052c23508c475f0"
        "3bdccea9f3");
  // From the RFC 8448 exporter master secret (Python).
  REQUIRE(export_keying_material(HashAlg::sha256, LabelPrefix::tls13,
                                 unhex("fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50"),
                                 "EXTRACTOR-dtls_srtp", {}, out).ok());
  CHECK(hex(out) ==
        "8489025115b3b8471f5b932026c6b016b95e905df1969ba4fae98b343f2fbd30ab1559b1aba23c4fe38cc84da01d1ce44b10f1b898392f"
        "a3f2264a0a");
}

TEST_CASE("DTLS 1.3 key schedule: the \"dtls13\" prefix, SHA-256 (RFC 9147 §5.9)") {
  KeySchedule ks(HashAlg::sha256, LabelPrefix::dtls13);
  // The Early Secret has no label in it: the same as TLS 1.3.
  CHECK(hex(ks.secret()) == "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a");
  REQUIRE(ks.enter_handshake(unhex(kEcdhe)).ok());
  CHECK(hex(ks.secret()) == "ca3b00400dda5821d05b71540280b71dff23443b9bf31cb2c5ce0dd3f755e643");
  std::string chs = derive(ks, TrafficSecret::client_handshake, kHashHello);
  CHECK(chs == "0ac2c35eb415ee9574894b75d7a89af77aba06c2a783252418b7f5b78ddf8e21");
  TrafficKeys k;
  REQUIRE(traffic_keys(HashAlg::sha256, LabelPrefix::dtls13, unhex(chs), 16, k).ok());
  CHECK(hex(k.key.view()) == "1bd2c8f8c9d6a73a5550328f277fbdae");
  CHECK(hex(k.iv.view()) == "72aac32713fb7728b8c7ae3d");
  CHECK(hex(k.sn_key.view()) == "bda0c6fe81d52ca4ba00cc103cbf0b71");
  uint8_t fk[32];
  REQUIRE(finished_key(HashAlg::sha256, LabelPrefix::dtls13, unhex(chs), fk).ok());
  CHECK(hex(fk) == "b755f52f7af2d93b03ff65537cd0c2e170ae507dfa9fb5ef043246f63be7719e");

  REQUIRE(ks.enter_master().ok());
  CHECK(hex(ks.secret()) == "f7f6fb3779f75e7496ca68e2a332b8bbf1728dc0aa0b856b0e990a4a7eaf7c2b");
  std::string sap = derive(ks, TrafficSecret::server_application, kHashServerFinished);
  CHECK(sap == "82e651e01cad4cddcb820e6f6612466f5ca2e52b139c2ef4d203ed9d60f9fd3d");
  uint8_t upd[32];
  REQUIRE(next_traffic_secret(HashAlg::sha256, LabelPrefix::dtls13, unhex(sap), upd).ok());
  CHECK(hex(upd) == "c42795900fb10a91ced6c2fa979a724d264a9e68ae5700327506f39642def7b5");
  std::string exm = derive(ks, TrafficSecret::exporter_master, kHashServerFinished);
  CHECK(exm == "966041b5faa05c0ddd6b7c5070f9d95920ca6add84572c7195a42947f9b1a45d");
  std::vector<uint8_t> srtp(60);
  REQUIRE(export_keying_material(HashAlg::sha256, LabelPrefix::dtls13, unhex(exm), "EXTRACTOR-dtls_srtp", {}, srtp).ok());
  CHECK(hex(srtp) ==
        "ee8aea0a9a7384167e2a61e688ea6ab1e4c6db2bcfe56de6191861041eeb05d4f258d4e9bbdfc6fbc56ea9e5a40c691b122b4b57befdec"
        "739d02d285");
}

TEST_CASE("DTLS 1.3 key schedule: SHA-384 (TLS_AES_256_GCM_SHA384)") {
  // Inputs: ECDHE = 0x20..0x4f, transcript hashes SHA-384("hello") and SHA-384("finished").
  std::vector<uint8_t> ecdhe;
  for (unsigned b = 0x20; b < 0x50; ++b) ecdhe.push_back(static_cast<uint8_t>(b));
  const char* th1 = "59e1748777448c69de6b800d7a33bbfb9ff1b463e44354c3553bcdb9c666fa90125a3c79f90397bdf5f6a13de828684f";
  const char* th2 = "f5e6caac8e6c6e9e8394245ee608f31fdb37ef6d8e3d71da0f897a664770ebf111d8835c027e77b3aa940c9bef0fa064";
  KeySchedule ks(HashAlg::sha384, LabelPrefix::dtls13);
  CHECK(ks.hash_size() == 48);
  CHECK(hex(ks.secret()) ==
        "7ee8206f5570023e6dc7519eb1073bc4e791ad37b5c382aa10ba18e2357e716971f9362f2c2fe2a76bfd78dfec4ea9b5");
  REQUIRE(ks.enter_handshake(ecdhe).ok());
  CHECK(hex(ks.secret()) ==
        "c418dc505685d403703b376460dadfec5616c15686c79e964389b6035d3130aa7355477f47109ea23103c2fefe7d375a");
  std::string chs = derive(ks, TrafficSecret::client_handshake, th1);
  CHECK(chs == "bd0cb1dab842c9df6b258666e1de005f8707d57a0a85d7e21335d0b01e1ef88ec932e156ba7a13a46ec2aff1127c0668");
  TrafficKeys k;
  REQUIRE(traffic_keys(HashAlg::sha384, LabelPrefix::dtls13, unhex(chs), 32, k).ok());
  CHECK(hex(k.key.view()) == "03941cf1c0f65cc557dfaf3ad9f8a3ed4dc7bfddfe4d31211a795197fefb4152");
  CHECK(hex(k.iv.view()) == "4b20931ae3bf669c4a3af8ae");
  CHECK(hex(k.sn_key.view()) == "5e9c1b5237d2cd92a208a4ea1f690f1e961f6199b94c6041c216cd610d6b0dcf");
  std::vector<uint8_t> fk(48);
  REQUIRE(finished_key(HashAlg::sha384, LabelPrefix::dtls13, unhex(chs), fk).ok());
  CHECK(hex(fk) == "68b2b28e68a780b0ee351980786bcf5b1745bc37b0bee248bf9fb60b7275ac8500e74114663f24b23a3014948532eed6");
  REQUIRE(ks.enter_master().ok());
  CHECK(hex(ks.secret()) ==
        "164d2766bcfefdc0a7f5723383c50a8f763fbceecf12fbbf6648004a0b4bc77930797f7b651d8c95873e260e6b9f96d8");
  std::string sap = derive(ks, TrafficSecret::server_application, th2);
  CHECK(sap == "7b5d75e36477f08fc7c8a9277db33a94d3845e934b7cfcae592f0fb3635e585f1735bf7833835b697de7d743020afbe6");
  std::vector<uint8_t> upd(48);
  REQUIRE(next_traffic_secret(HashAlg::sha384, LabelPrefix::dtls13, unhex(sap), upd).ok());
  CHECK(hex(upd) == "7bc64757c348a20be8c7f34bacbc8de04b23295f8f12fe1c8c85a9e8c05fd33148ce9c73e8621f2a53c28ed7067c3394");
  std::string exm = derive(ks, TrafficSecret::exporter_master, th2);
  CHECK(exm == "a57c463390ade16a04d4e8483f32833d8dc5814417a83258bdd37fec6d154676ab234fc9bd7381be4a5d38815389d8fe");
  std::vector<uint8_t> srtp(60);
  REQUIRE(export_keying_material(HashAlg::sha384, LabelPrefix::dtls13, unhex(exm), "EXTRACTOR-dtls_srtp", {}, srtp).ok());
  CHECK(hex(srtp) ==
        "b847fdf398d74050b2d30ce4722d5d002768dd8e384cff8ed05593f10bddb498cb4f8a3c7bc344305d152d83c44cf03915a73d1127b538"
        "b6f82870df");
}

TEST_CASE("HKDF-Expand-Label bounds: label and context lengths, wrong output sizes") {
  uint8_t secret[32] = {1};
  uint8_t out[32];
  std::string long_label(250, 'x');
  std::vector<uint8_t> long_context(256, 0);
  CHECK_FALSE(hkdf_expand_label(HashAlg::sha256, LabelPrefix::dtls13, secret, long_label, {}, out).ok());
  CHECK(hkdf_expand_label(HashAlg::sha256, LabelPrefix::dtls13, secret, long_label.substr(1), {}, out).ok());
  CHECK_FALSE(hkdf_expand_label(HashAlg::sha256, LabelPrefix::dtls13, secret, "key", long_context, out).ok());
  CHECK_FALSE(derive_secret(HashAlg::sha384, LabelPrefix::dtls13, secret, "derived", {}, out).ok());  // 32 != 48
  // The prefix is part of the label: "tls13 " and "dtls13" give different keys.
  uint8_t a[16], b[16];
  REQUIRE(hkdf_expand_label(HashAlg::sha256, LabelPrefix::tls13, secret, "key", {}, a).ok());
  REQUIRE(hkdf_expand_label(HashAlg::sha256, LabelPrefix::dtls13, secret, "key", {}, b).ok());
  CHECK(hex(a) != hex(b));
}
