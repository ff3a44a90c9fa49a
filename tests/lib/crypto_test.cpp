// SPDX-License-Identifier: Apache-2.0
// Known-answer tests for every crypto wrapper in lib/crypto (FIPS 180/197,
// SP 800-38A/D, RFC 2202/4231, RFC 8439, RFC 7748, RFC 6979).
#include <doctest/doctest.h>

#include "keyway/lib/crypto/aead.hpp"
#include "keyway/lib/crypto/aes.hpp"
#include "keyway/lib/crypto/ct.hpp"
#include "keyway/lib/crypto/ecc.hpp"
#include "keyway/lib/crypto/hmac.hpp"
#include "keyway/lib/crypto/rsa.hpp"
#include "keyway/lib/crypto/sha.hpp"
#include "tests/support/hex.hpp"

using namespace keyway;
using namespace keyway::crypto;
using keyway::test::bytes_of;
using keyway::test::hex;
using keyway::test::unhex;

TEST_CASE("SHA-1/256/384 of \"abc\" (FIPS 180-4 examples)") {
  uint8_t out[48];
  hash(HashAlg::sha1, bytes_of("abc"), out);
  CHECK(hex({out, 20}) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  hash(HashAlg::sha256, bytes_of("abc"), out);
  CHECK(hex({out, 32}) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  hash(HashAlg::sha384, bytes_of("abc"), out);
  CHECK(hex({out, 48}) ==
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
}

TEST_CASE("Hash::peek leaves the running state usable (transcript clone)") {
  Hash h(HashAlg::sha256);
  h.update(bytes_of("a"));
  uint8_t mid[32], full[32], ref[32];
  h.peek(mid);
  h.update(bytes_of("bc"));
  h.peek(full);
  hash(HashAlg::sha256, bytes_of("abc"), ref);
  CHECK(hex(full) == hex(ref));
}

TEST_CASE("HMAC known answers (RFC 2202 §3 case 1, RFC 4231 §4.2 case 1, §4.7 case 6)") {
  auto key = unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
  uint8_t out[48];
  hmac(HashAlg::sha1, key, bytes_of("Hi There"), out);
  CHECK(hex({out, 20}) == "b617318655057264e28bc0b6fb378c8ef146be00");
  hmac(HashAlg::sha256, key, bytes_of("Hi There"), out);
  CHECK(hex({out, 32}) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  hmac(HashAlg::sha384, key, bytes_of("Hi There"), out);
  CHECK(hex({out, 48}) ==
        "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6");
  // Key longer than the block size is hashed first (RFC 4231 test case 6).
  std::vector<uint8_t> long_key(131, 0xaa);
  hmac(HashAlg::sha256, long_key, bytes_of("Test Using Larger Than Block-Size Key - Hash Key First"), out);
  CHECK(hex({out, 32}) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("HMAC incremental equals one-shot") {
  HmacSha1 m(unhex("000102030405"));
  uint8_t a[20], b[20];
  m.mac(bytes_of("hello world"), a);
  auto run = m.begin();
  run.update(bytes_of("hello "));
  run.update(bytes_of("world"));
  run.finish(b);
  CHECK(hex(a) == hex(b));
}

TEST_CASE("AES block known answers (FIPS 197 C.1, C.3)") {
  Aes aes;
  uint8_t out[16];
  auto pt = unhex("00112233445566778899aabbccddeeff");
  REQUIRE(aes.set_key(unhex("000102030405060708090a0b0c0d0e0f")).ok());
  aes.encrypt_block(pt.data(), out);
  CHECK(hex(out) == "69c4e0d86a7b0430d8cdb78070b4c55a");
  REQUIRE(aes.set_key(unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")).ok());
  aes.encrypt_block(pt.data(), out);
  CHECK(hex(out) == "8ea2b7ca516745bfeafc49904b496089");
  Aes copy = aes;  // the copy re-expands its own key schedule
  copy.encrypt_block(pt.data(), out);
  CHECK(hex(out) == "8ea2b7ca516745bfeafc49904b496089");
  CHECK_FALSE(aes.set_key(unhex("0001")).ok());
}

TEST_CASE("AES-CTR known answer (SP 800-38A F.5.1)") {
  Aes aes;
  REQUIRE(aes.set_key(unhex("2b7e151628aed2a6abf7158809cf4f3c")).ok());
  auto iv = unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  auto data = unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
  aes.ctr_xor(iv.data(), data);
  CHECK(hex(data) == "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff");
}

TEST_CASE("AES-GCM known answers (GCM spec test cases 3 and 4) and tamper restore") {
  AesGcm gcm;
  REQUIRE(gcm.set_key(unhex("feffe9928665731c6d6a8f9467308308")).ok());
  auto iv = unhex("cafebabefacedbaddecaf888");
  auto pt = unhex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657"
      "ba637b391aafd255");
  uint8_t tag[16];
  auto data = pt;
  REQUIRE(gcm.seal(iv, {}, data, tag).ok());
  CHECK(hex(data) ==
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac97"
        "3d58e091473f5985");
  CHECK(hex(tag) == "4d5c2af327cd64a62cf35abd2ba6fab4");

  auto aad = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  std::vector<uint8_t> data4(pt.begin(), pt.begin() + 60);
  REQUIRE(gcm.seal(iv, aad, data4, tag).ok());
  CHECK(hex(tag) == "5bc94fbc3221a5db94fae95ae7121a47");
  auto sealed = data4;
  tag[0] ^= 1;
  CHECK(gcm.open(iv, aad, data4, tag).error().code == Code::auth_failed);
  CHECK(data4 == sealed);  // buffer restored after a failed open
  tag[0] ^= 1;
  REQUIRE(gcm.open(iv, aad, data4, tag).ok());
  CHECK(data4 == std::vector<uint8_t>(pt.begin(), pt.begin() + 60));
}

TEST_CASE("ChaCha20-Poly1305 known answer (RFC 8439 §2.8.2)") {
  ChaCha20Poly1305 c;
  REQUIRE(c.set_key(unhex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")).ok());
  auto nonce = unhex("070000004041424344454647");
  auto aad = unhex("50515253c0c1c2c3c4c5c6c7");
  std::string text =
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be "
      "it.";
  std::vector<uint8_t> data(text.begin(), text.end());
  uint8_t tag[16];
  REQUIRE(c.seal(nonce, aad, data, tag).ok());
  CHECK(hex({data.data(), 16}) == "d31a8d34648e60db7b86afbc53ef7ec2");
  CHECK(hex(tag) == "1ae10b594f09e26a7e902ecbd0600691");
  auto sealed = data;
  data[3] ^= 0x80;
  CHECK_FALSE(c.open(nonce, aad, data, tag).ok());
  data[3] ^= 0x80;
  CHECK(data == sealed);
  REQUIRE(c.open(nonce, aad, data, tag).ok());
  CHECK(std::string(data.begin(), data.end()) == text);
}

TEST_CASE("X25519 known answer (RFC 7748 §6.1)") {
  SeededRng rng(1);
  EcdhKeyPair alice, bob;
  REQUIRE(alice.load_private(NamedGroup::x25519,
                             unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")).ok());
  REQUIRE(bob.load_private(NamedGroup::x25519,
                           unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")).ok());
  CHECK(hex(alice.public_key()) == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  CHECK(hex(bob.public_key()) == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  uint8_t k1[32], k2[32];
  REQUIRE(alice.compute_shared(bob.public_key(), k1, rng).ok());
  REQUIRE(bob.compute_shared(alice.public_key(), k2, rng).ok());
  CHECK(hex(k1) == "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  CHECK(hex(k2) == hex(k1));
}

TEST_CASE("ECDHE P-256 and P-384 agree; invalid points are rejected") {
  SeededRng rng(7);
  for (auto g : {NamedGroup::secp256r1, NamedGroup::secp384r1, NamedGroup::x25519}) {
    EcdhKeyPair a, b;
    REQUIRE(a.generate(g, rng).ok());
    REQUIRE(b.generate(g, rng).ok());
    CHECK(a.public_key().size() == public_key_size(g));
    uint8_t s1[48], s2[48];
    auto n1 = a.compute_shared(b.public_key(), s1, rng);
    auto n2 = b.compute_shared(a.public_key(), s2, rng);
    REQUIRE(n1.ok());
    REQUIRE(n2.ok());
    CHECK(hex({s1, *n1}) == hex({s2, *n2}));
  }
  EcdhKeyPair p;
  REQUIRE(p.generate(NamedGroup::secp256r1, rng).ok());
  std::vector<uint8_t> bogus(65, 0x11);
  bogus[0] = 0x04;
  uint8_t s[32];
  auto r = p.compute_shared(bogus, s, rng);
  CHECK(r.error().code == Code::illegal_parameter);
}

TEST_CASE("ECDSA P-256 known answer (RFC 6979 A.2.5, SHA-256, \"sample\")") {
  EcdsaKey key;
  REQUIRE(key.load_private(EcCurve::p256,
                           unhex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")).ok());
  CHECK(hex(key.public_key()) ==
        "0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb67903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f51"
        "77a3c294d4462299");
  uint8_t digest[32];
  hash(HashAlg::sha256, bytes_of("sample"), digest);
  auto sig = unhex(
      "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff406"
      "4dc4ab2f843acda8");
  CHECK(ecdsa_verify_digest(EcCurve::p256, key.public_key(), digest, sig).ok());
  sig[10] ^= 1;
  CHECK(ecdsa_verify_digest(EcCurve::p256, key.public_key(), digest, sig).error().code == Code::auth_failed);

  SeededRng rng(3);
  uint8_t mine[64];
  REQUIRE(key.sign_digest(digest, mine, rng).ok());
  CHECK(ecdsa_verify_digest(EcCurve::p256, key.public_key(), digest, mine).ok());
}

TEST_CASE("ECDSA P-384 sign/verify round trip") {
  SeededRng rng(9);
  EcdsaKey key;
  REQUIRE(key.generate(EcCurve::p384, rng).ok());
  uint8_t digest[48];
  hash(HashAlg::sha384, bytes_of("keyway"), digest);
  uint8_t sig[96];
  REQUIRE(key.sign_digest(digest, sig, rng).ok());
  CHECK(ecdsa_verify_digest(EcCurve::p384, key.public_key(), digest, sig).ok());
}

TEST_CASE("RSA PKCS#1 v1.5 and PSS verify (signatures made by OpenSSL 3)") {
  // 1024-bit key and signatures over "abc" with SHA-256, produced with
  // `openssl dgst -sha256 -sign` (and -sigopt rsa_padding_mode:pss, saltlen 32).
  auto n = unhex(
      "b68fff2e840114aeafad020bc333051f2553651db62cf538c2c61bb577c1394f8aa74689f4d8ac8034f4b7793f8815a4965e22ee919eaf8b"
      "960d623e6e8dd7cffcc652ee2d6c7bebf941474975b1b5c167d16bddd5d2297399a4618c8f243b605a78aa19b1086f2aa334025ecb6b0172"
      "590285df03297123e35218ae898a4c9b");
  auto e = unhex("010001");
  auto pkcs1 = unhex(
      "2b47c0b9208a19c64deb214d12143f75244667bb822970ec1649c44340cab4d23630db297644b256fae21630e76ca1cfaf8ff68d97772093"
      "69a65a9b5c0fa55476421b324f6599021193977939988dcfc8d979ccb183834184a6c24218e59d3e388e31a94e46496d06ae1d851357a5b3"
      "1bcb8a6ed756bbdf825dc1fb567129ff");
  auto pss = unhex(
      "9fcde2ecaee4b96f4fb885df3523d7d37f9751bdf0826fd04c7c46d5be6c30e046da08a70a2920e7d71b7068fd6e513fdeb8488de32e810a"
      "fece85b33b22fc914b75076becf58ae85be8b624cae39b079d8507cb361b49e355a9ee42c4ae0fd26ef07d6d50c6aaf2190a85d07bebb41e"
      "dbf65604b63d5e67f1b812dde6c6b3f9");
  uint8_t digest[32];
  hash(HashAlg::sha256, bytes_of("abc"), digest);
  RsaPublicKey key{n, e};
  CHECK(rsa_verify_pkcs1(key, HashAlg::sha256, digest, pkcs1).ok());
  CHECK(rsa_verify_pss(key, HashAlg::sha256, digest, pss).ok());
  CHECK_FALSE(rsa_verify_pss(key, HashAlg::sha256, digest, pkcs1).ok());
  CHECK_FALSE(rsa_verify_pkcs1(key, HashAlg::sha256, digest, pss).ok());
  digest[0] ^= 1;
  CHECK(rsa_verify_pkcs1(key, HashAlg::sha256, digest, pkcs1).error().code == Code::auth_failed);
}

TEST_CASE("ct_equal") {
  auto a = unhex("01020304"), b = unhex("01020304"), c = unhex("01020305");
  CHECK(ct_equal(a, b));
  CHECK_FALSE(ct_equal(a, c));
  CHECK_FALSE(ct_equal(a, std::span<const uint8_t>(b.data(), 3)));
}

TEST_CASE("MD5 known answers (RFC 1321 appendix A.5)") {
  uint8_t out[16];
  md5(bytes_of(""), out);
  CHECK(hex(out) == "d41d8cd98f00b204e9800998ecf8427e");
  md5(bytes_of("abc"), out);
  CHECK(hex(out) == "900150983cd24fb0d6963f7d28e17f72");
}
