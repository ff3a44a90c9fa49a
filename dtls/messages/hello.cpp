// SPDX-License-Identifier: Apache-2.0
// ClientHello, HelloVerifyRequest, ServerHello (RFC 5246 §7.4.1, RFC 6347 §4.2.1).
#include "keyway/dtls/constants.hpp"
#include "keyway/dtls/messages.hpp"

namespace keyway::dtls {

namespace {
constexpr Error kClientHello = make_error(Layer::dtls, Code::decode_error, "dtls client_hello: fixed fields are malformed");
constexpr Error kBadSuites = make_error(Layer::dtls, Code::decode_error, "dtls client_hello: cipher_suites list is empty or odd-sized");
constexpr Error kHvr = make_error(Layer::dtls, Code::decode_error, "dtls hello_verify_request: malformed");
constexpr Error kServerHello = make_error(Layer::dtls, Code::decode_error, "dtls server_hello: fixed fields are malformed");
constexpr Error kCompression = make_error(Layer::dtls, Code::illegal_parameter, "dtls server_hello: compression method is not null");
}  // namespace

Result<ClientHello> parse_client_hello(Bytes body) {
  ClientHello ch;
  ByteReader r(body);
  ByteReader sid, cookie, suites, comp;
  ENSURE(r.read_u16(ch.version) && r.read_bytes(32, ch.random) && r.read_prefixed8(sid) &&
             sid.remaining() <= 32 && r.read_prefixed8(cookie) && r.read_prefixed16(suites) &&
             r.read_prefixed8(comp),
         kClientHello);
  ENSURE(suites.remaining() >= 2 && suites.remaining() % 2 == 0, kBadSuites);
  ch.session_id = sid.rest();
  ch.cookie = cookie.rest();
  ch.cipher_suites = suites.rest();
  for (uint8_t m = 0; comp.read_u8(m);)
    if (m == kCompressionNull) ch.null_compression = true;
  auto ext = parse_extensions(r);
  if (!ext.ok()) return ext.error();
  ch.ext = *ext;
  return ch;
}

void write_client_hello(ByteWriter& w, const ClientHello& ch, const uint16_t* suites, std::size_t suite_count) {
  w.write_u16(ch.version);
  w.write_bytes(ch.random);
  auto sid = w.begin_prefixed8();
  w.write_bytes(ch.session_id);
  w.end_prefixed(sid);
  auto cookie = w.begin_prefixed8();
  w.write_bytes(ch.cookie);
  w.end_prefixed(cookie);
  auto list = w.begin_prefixed16();
  for (std::size_t i = 0; i < suite_count; ++i) w.write_u16(suites[i]);
  w.end_prefixed(list);
  w.write_u8(1);  // one compression method: null only
  w.write_u8(kCompressionNull);
  write_extensions(w, ch.ext);
}

Result<Bytes> parse_hello_verify_request(Bytes body) {
  ByteReader r(body);
  uint16_t version = 0;
  ByteReader cookie;
  ENSURE(r.read_u16(version) && r.read_prefixed8(cookie) && r.at_end(), kHvr);
  return cookie.rest();
}

void write_hello_verify_request(ByteWriter& w, Bytes cookie) {
  w.write_u16(kVersionDtls10);  // RFC 6347 §4.2.1: servers SHOULD use DTLS 1.0 here
  auto c = w.begin_prefixed8();
  w.write_bytes(cookie);
  w.end_prefixed(c);
}

Result<ServerHello> parse_server_hello(Bytes body) {
  ServerHello sh;
  ByteReader r(body);
  ByteReader sid;
  uint8_t compression = 0;
  ENSURE(r.read_u16(sh.version) && r.read_bytes(32, sh.random) && r.read_prefixed8(sid) &&
             sid.remaining() <= 32 && r.read_u16(sh.cipher_suite) && r.read_u8(compression),
         kServerHello);
  ENSURE(compression == kCompressionNull, kCompression);
  sh.session_id = sid.rest();
  auto ext = parse_extensions(r);
  if (!ext.ok()) return ext.error();
  sh.ext = *ext;
  return sh;
}

void write_server_hello(ByteWriter& w, const ServerHello& sh) {
  w.write_u16(sh.version);
  w.write_bytes(sh.random);
  auto sid = w.begin_prefixed8();
  w.write_bytes(sh.session_id);
  w.end_prefixed(sid);
  w.write_u16(sh.cipher_suite);
  w.write_u8(kCompressionNull);
  write_extensions(w, sh.ext);
}

}  // namespace keyway::dtls
