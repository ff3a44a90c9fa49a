// SPDX-License-Identifier: Apache-2.0
// DTLS 1.3 handshake message codecs (RFC 8446 §4, RFC 9147 §5.3).
#include "keyway/dtls/v13/messages.hpp"

#include <cstring>

#include "keyway/dtls/constants.hpp"

namespace keyway::dtls::v13 {

namespace {
constexpr Error kHello = make_error(Layer::dtls, Code::decode_error, "dtls13 hello: malformed fixed fields");
constexpr Error kCompression = make_error(Layer::dtls, Code::illegal_parameter, "dtls13 hello: compression other than null (RFC 8446 §4.1.2)");
constexpr Error kExtensions = make_error(Layer::dtls, Code::decode_error, "dtls13: malformed extensions block");
constexpr Error kTwice = make_error(Layer::dtls, Code::illegal_parameter, "dtls13: an extension appears twice (RFC 8446 §4.2)");
constexpr Error kCookie = make_error(Layer::dtls, Code::decode_error, "dtls13 hello: malformed cookie extension");
constexpr Error kEncryptedExtensions = make_error(Layer::dtls, Code::decode_error, "dtls13 EncryptedExtensions: malformed");
constexpr Error kSrtpChoice = make_error(Layer::dtls, Code::illegal_parameter, "dtls13 EncryptedExtensions: use_srtp must name exactly one profile (RFC 5764 §4.1.1)");
constexpr Error kCertRequest = make_error(Layer::dtls, Code::decode_error, "dtls13 CertificateRequest: malformed");
constexpr Error kNoSigAlgs = make_error(Layer::dtls, Code::handshake_failure, "dtls13 CertificateRequest: no signature_algorithms (RFC 8446 §4.3.2)");
constexpr Error kCertificate = make_error(Layer::dtls, Code::decode_error, "dtls13 Certificate: malformed");
constexpr Error kVerify = make_error(Layer::dtls, Code::decode_error, "dtls13 CertificateVerify: malformed");
constexpr Error kKeyUpdate = make_error(Layer::dtls, Code::decode_error, "dtls13 KeyUpdate: malformed");
constexpr Error kKeyUpdateValue = make_error(Layer::dtls, Code::illegal_parameter, "dtls13 KeyUpdate: request_update is neither 0 nor 1 (RFC 8446 §4.6.3)");

// Calls f(type, extension_data) for each extension of a block; a type seen
// twice is an error (RFC 8446 §4.2).
template <typename F>
Status for_each_extension(Bytes block_with_length, F&& f) {
  ByteReader r(block_with_length);
  ByteReader block;
  ENSURE(r.read_prefixed16(block) && r.at_end(), kExtensions);
  uint16_t seen[64];
  std::size_t count = 0;
  while (!block.at_end()) {
    uint16_t type = 0;
    ByteReader data;
    ENSURE(block.read_u16(type) && block.read_prefixed16(data), kExtensions);
    for (std::size_t i = 0; i < count; ++i) ENSURE(seen[i] != type, kTwice);
    if (count < 64) seen[count++] = type;
    TRY(f(type, data.rest()));
  }
  return ok_status();
}

// RFC 8446 §4.2.2: struct { opaque cookie<1..2^16-1>; } Cookie;
Status read_cookie(Bytes ext_data, Bytes& out) {
  ByteReader r(ext_data);
  ByteReader cookie;
  ENSURE(r.read_prefixed16(cookie) && r.at_end() && cookie.remaining() > 0, kCookie);
  out = cookie.rest();
  return ok_status();
}

void write_cookie(ByteWriter& w, Bytes cookie) {
  w.write_u16(kExtCookie);
  auto outer = w.begin_prefixed16();
  auto inner = w.begin_prefixed16();
  w.write_bytes(cookie);
  w.end_prefixed(inner);
  w.end_prefixed(outer);
}

void write_u16_list(ByteWriter& w, uint16_t type, std::span<const uint16_t> list) {
  w.write_u16(type);
  auto outer = w.begin_prefixed16();
  auto inner = w.begin_prefixed16();
  for (uint16_t v : list) w.write_u16(v);
  w.end_prefixed(inner);
  w.end_prefixed(outer);
}

void write_use_srtp(ByteWriter& w, std::span<const uint16_t> profiles) {
  w.write_u16(static_cast<uint16_t>(ExtensionType::use_srtp));
  auto outer = w.begin_prefixed16();
  auto list = w.begin_prefixed16();
  for (uint16_t p : profiles) w.write_u16(p);
  w.end_prefixed(list);
  w.write_u8(0);  // srtp_mki: empty
  w.end_prefixed(outer);
}
}  // namespace

const Suite* find_suite(uint16_t id) {
  for (const Suite& s : kSuites)
    if (s.id == id) return &s;
  return nullptr;
}

// ---- ClientHello (RFC 8446 §4.1.2, RFC 9147 §5.3) ----

Result<ClientHello> parse_client_hello(Bytes body) {
  ByteReader r(body);
  ClientHello ch;
  uint16_t legacy_version = 0;
  ByteReader session_id, cookie, suites, compression;
  ENSURE(r.read_u16(legacy_version) && r.read_bytes(kRandomSize, ch.random) && r.read_prefixed8(session_id) &&
             session_id.remaining() <= kMaxSessionId && r.read_prefixed8(cookie) && r.read_prefixed16(suites) &&
             suites.remaining() % 2 == 0 && r.read_prefixed8(compression),
         kHello);
  ch.session_id = session_id.rest();
  ch.cookie = cookie.rest();
  for (uint16_t s = 0; suites.read_u16(s);) ch.cipher_suites.push(s);
  bool null_compression = false;
  for (uint8_t m = 0; compression.read_u8(m);) null_compression |= m == 0;
  ENSURE(null_compression, kCompression);
  if (r.at_end()) return ch;  // no extensions: a pre-1.3 client offering nothing we read here
  const Bytes block = r.rest();
  ByteReader ext_reader(block);
  auto ext = parse_extensions(ext_reader);  // the extensions 1.2 knows too
  if (!ext.ok()) return ext.error();
  ch.ext = *ext;
  TRY(for_each_extension(block, [&](uint16_t type, Bytes data) -> Status {
    if (type == kExtSupportedVersions) {
      auto v = read_client_supported_versions(data);
      if (!v.ok()) return v.error();
      ch.versions = *v;
      ch.has_versions = true;
    } else if (type == kExtKeyShare) {
      auto k = read_client_key_shares(data);
      if (!k.ok()) return k.error();
      ch.key_shares = *k;
      ch.has_key_share = true;
    } else if (type == kExtCookie) {
      TRY(read_cookie(data, ch.retry_cookie));
      ch.has_retry_cookie = true;
    }
    return ok_status();
  }));
  return ch;
}

void write_client_hello(ByteWriter& w, const ClientHelloOffer& o) {
  w.write_u16(kVersionDtls12Wire);  // legacy_version (RFC 9147 §5.3)
  w.write_bytes(o.random);
  w.write_u8(0);  // legacy_session_id: empty (no middlebox compatibility mode in DTLS, RFC 9147 §5)
  w.write_u8(0);  // legacy_cookie: empty
  auto suites = w.begin_prefixed16();
  for (uint16_t s : o.cipher_suites) w.write_u16(s);
  w.end_prefixed(suites);
  w.write_u8(1);
  w.write_u8(0);  // legacy_compression_methods = {null}
  auto block = w.begin_prefixed16();
  w.write_u16(kExtSupportedVersions);
  auto sv = w.begin_prefixed16();
  write_client_supported_versions(w, o.versions);
  w.end_prefixed(sv);
  w.write_u16(kExtKeyShare);
  auto ks = w.begin_prefixed16();
  write_client_key_shares(w, o.key_shares);
  w.end_prefixed(ks);
  write_u16_list(w, static_cast<uint16_t>(ExtensionType::supported_groups), o.groups);
  write_u16_list(w, static_cast<uint16_t>(ExtensionType::signature_algorithms), o.signature_algorithms);
  if (!o.srtp_profiles.empty()) write_use_srtp(w, o.srtp_profiles);
  w.end_prefixed(block);
}

// ---- ServerHello (RFC 8446 §4.1.3) ----

Result<ServerHello> parse_server_hello(Bytes body) {
  ByteReader r(body);
  ServerHello sh;
  uint16_t legacy_version = 0;
  ByteReader session_id;
  uint8_t compression = 0;
  ENSURE(r.read_u16(legacy_version) && r.read_bytes(kRandomSize, sh.random) && r.read_prefixed8(session_id) &&
             session_id.remaining() <= kMaxSessionId && r.read_u16(sh.cipher_suite) && r.read_u8(compression),
         kHello);
  ENSURE(compression == 0, kCompression);
  sh.session_id = session_id.rest();
  if (r.at_end()) return sh;  // no extensions: not a DTLS 1.3 ServerHello
  TRY(for_each_extension(r.rest(), [&](uint16_t type, Bytes data) -> Status {
    if (type == kExtSupportedVersions) {
      auto v = read_selected_version(data);
      if (!v.ok()) return v.error();
      sh.selected_version = *v;
      sh.has_version = true;
    } else if (type == kExtKeyShare) {
      sh.key_share = data;
      sh.has_key_share = true;
    } else if (type == kExtCookie) {
      TRY(read_cookie(data, sh.retry_cookie));
      sh.has_retry_cookie = true;
    }
    return ok_status();
  }));
  return sh;
}

void write_server_hello(ByteWriter& w, Bytes random, Bytes session_id, uint16_t cipher_suite,
                        const KeyShareEntry& share) {
  w.write_u16(kVersionDtls12Wire);
  w.write_bytes(random);
  auto sid = w.begin_prefixed8();
  w.write_bytes(session_id);
  w.end_prefixed(sid);
  w.write_u16(cipher_suite);
  w.write_u8(0);
  auto block = w.begin_prefixed16();
  w.write_u16(kExtSupportedVersions);
  auto sv = w.begin_prefixed16();
  write_selected_version(w, kVersionDtls13);
  w.end_prefixed(sv);
  w.write_u16(kExtKeyShare);
  auto ks = w.begin_prefixed16();
  write_server_key_share(w, share);
  w.end_prefixed(ks);
  w.end_prefixed(block);
}

// ---- HelloRetryRequest (RFC 8446 §4.1.4) ----

void write_hello_retry_request(ByteWriter& w, const RetryRequest& hrr) {
  w.write_u16(kVersionDtls12Wire);
  w.write_bytes(Bytes(kHelloRetryRequestRandom, sizeof kHelloRetryRequestRandom));
  auto sid = w.begin_prefixed8();
  w.write_bytes(hrr.session_id);
  w.end_prefixed(sid);
  w.write_u16(hrr.cipher_suite);
  w.write_u8(0);
  auto block = w.begin_prefixed16();
  w.write_u16(kExtSupportedVersions);
  auto sv = w.begin_prefixed16();
  write_selected_version(w, kVersionDtls13);
  w.end_prefixed(sv);
  if (hrr.has_group) {
    w.write_u16(kExtKeyShare);
    auto ks = w.begin_prefixed16();
    write_hrr_selected_group(w, hrr.group);
    w.end_prefixed(ks);
  }
  if (!hrr.cookie.empty()) write_cookie(w, hrr.cookie);
  w.end_prefixed(block);
}

Status write_retried_client_hello(ByteWriter& w, Bytes client_hello1, const KeyShareEntry& share, Bytes cookie) {
  ByteReader r(client_hello1);
  Bytes fixed_skip;
  ByteReader session_id, legacy_cookie, suites, compression;
  ENSURE(r.read_bytes(2 + kRandomSize, fixed_skip) && r.read_prefixed8(session_id) && r.read_prefixed8(legacy_cookie) &&
             r.read_prefixed16(suites) && r.read_prefixed8(compression),
         kHello);
  w.write_bytes(client_hello1.first(client_hello1.size() - r.remaining()));  // the fixed fields, verbatim
  auto block = w.begin_prefixed16();
  TRY(for_each_extension(r.rest(), [&](uint16_t type, Bytes data) -> Status {
    if (type == kExtCookie) return ok_status();  // replaced by the new one, at the end
    w.write_u16(type);
    auto ext = w.begin_prefixed16();
    if (type == kExtKeyShare) write_client_key_shares(w, std::span<const KeyShareEntry>(&share, 1));
    else w.write_bytes(data);
    w.end_prefixed(ext);
    return ok_status();
  }));
  if (!cookie.empty()) write_cookie(w, cookie);
  w.end_prefixed(block);
  return ok_status();
}

// ---- EncryptedExtensions (RFC 8446 §4.3.1, RFC 5764 §4.1.1) ----

Result<EncryptedExtensions> parse_encrypted_extensions(Bytes body) {
  ByteReader r(body);
  ENSURE(r.remaining() >= 2, kEncryptedExtensions);
  ByteReader ext_reader(body);
  auto ext = parse_extensions(ext_reader);
  if (!ext.ok()) return ext.error();
  EncryptedExtensions ee;
  if (ext->has_srtp) {
    ENSURE(ext->srtp_profiles.count == 1, kSrtpChoice);
    ee.has_srtp = true;
    ee.srtp_profile = ext->srtp_profiles.items[0];
    ee.srtp_mki = ext->srtp_mki;
  }
  TRY(for_each_extension(body, [](uint16_t, Bytes) { return ok_status(); }));  // duplicates of any kind
  return ee;
}

void write_encrypted_extensions(ByteWriter& w, uint16_t srtp_profile) {
  auto block = w.begin_prefixed16();
  if (srtp_profile != 0) write_use_srtp(w, std::span<const uint16_t>(&srtp_profile, 1));
  w.end_prefixed(block);
}

// ---- CertificateRequest (RFC 8446 §4.3.2) ----

Result<CertificateRequest> parse_certificate_request(Bytes body) {
  ByteReader r(body);
  CertificateRequest cr;
  ByteReader context;
  ENSURE(r.read_prefixed8(context), kCertRequest);
  cr.context = context.rest();
  const Bytes block = r.rest();
  auto ext = parse_extensions(r);
  if (!ext.ok()) return ext.error();
  ENSURE(ext->has_signature_algorithms, kNoSigAlgs);
  cr.signature_algorithms = ext->signature_algorithms;
  TRY(for_each_extension(block, [](uint16_t, Bytes) { return ok_status(); }));
  return cr;
}

void write_certificate_request(ByteWriter& w, std::span<const uint16_t> schemes) {
  w.write_u8(0);  // certificate_request_context: empty (not post-handshake)
  auto block = w.begin_prefixed16();
  write_u16_list(w, static_cast<uint16_t>(ExtensionType::signature_algorithms), schemes);
  w.end_prefixed(block);
}

// ---- Certificate (RFC 8446 §4.4.2) ----

Result<CertificateMessage> parse_certificate_message(Bytes body) {
  ByteReader r(body);
  CertificateMessage m;
  ByteReader context, list;
  ENSURE(r.read_prefixed8(context) && r.read_prefixed24(list) && r.at_end(), kCertificate);
  m.context = context.rest();
  bool first = true;
  while (!list.at_end()) {
    ByteReader cert, extensions;
    ENSURE(list.read_prefixed24(cert) && !cert.at_end() && list.read_prefixed16(extensions), kCertificate);
    if (first) m.end_entity = cert.rest();  // the rest of a chain is not used (the fingerprint is the trust)
    first = false;
  }
  return m;
}

void write_certificate_message(ByteWriter& w, Bytes context, Bytes der) {
  auto ctx = w.begin_prefixed8();
  w.write_bytes(context);
  w.end_prefixed(ctx);
  auto list = w.begin_prefixed24();
  auto cert = w.begin_prefixed24();
  w.write_bytes(der);
  w.end_prefixed(cert);
  w.write_u16(0);  // no CertificateEntry extensions
  w.end_prefixed(list);
}

// ---- CertificateVerify (RFC 8446 §4.4.3) ----

Result<CertificateVerify> parse_certificate_verify(Bytes body) {
  ByteReader r(body);
  CertificateVerify cv;
  ByteReader sig;
  ENSURE(r.read_u16(cv.scheme) && r.read_prefixed16(sig) && r.at_end(), kVerify);
  cv.signature = sig.rest();
  return cv;
}

void write_certificate_verify(ByteWriter& w, uint16_t scheme, Bytes signature) {
  w.write_u16(scheme);
  auto sig = w.begin_prefixed16();
  w.write_bytes(signature);
  w.end_prefixed(sig);
}

std::size_t certificate_verify_content(Signer signer, Bytes transcript_hash, uint8_t out[kMaxSignedContent]) {
  static constexpr char kServer[] = "TLS 1.3, server CertificateVerify";
  static constexpr char kClient[] = "TLS 1.3, client CertificateVerify";
  std::memset(out, 0x20, 64);
  std::memcpy(out + 64, signer == Signer::server ? kServer : kClient, 33);
  out[64 + 33] = 0;
  const std::size_t n = transcript_hash.size() <= crypto::kMaxDigestSize ? transcript_hash.size() : 0;
  std::memcpy(out + 98, transcript_hash.data(), n);
  return 98 + n;
}

// ---- KeyUpdate (RFC 8446 §4.6.3) ----

Result<KeyUpdateRequest> parse_key_update(Bytes body) {
  ENSURE(body.size() == 1, kKeyUpdate);
  ENSURE(body[0] <= 1, kKeyUpdateValue);
  return static_cast<KeyUpdateRequest>(body[0]);
}

}  // namespace keyway::dtls::v13
