// SPDX-License-Identifier: Apache-2.0
// Issue 18, the learner's view: `keyway explain` on the hellos of a real
// keyway DTLS 1.3 handshake through dtls::Listener (ClientHello1, the
// stateless HelloRetryRequest with its cookie, ClientHello2, ServerHello).
// Before this change the 1.3 extensions keyway reads (supported_versions,
// key_share, cookie) were labelled "skipped by keyway", the HelloRetryRequest
// was shown as a plain ServerHello, its cookie as "70 bytes of
// extension_data", the 1.3 suites as "not offered by keyway", and every
// key_exchange as "DTLS 1.2 ignores it". Now each names keyway's 1.3 reader,
// key_share is decoded per message (client list, server share, HRR
// selected_group), the cookie per keyway's layout, and the other RFC 8446
// §4.2 extensions a browser sends are named and decoded.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "keyway/dtls/listener.hpp"
#include "keyway/dtls/v13/hello_extensions.hpp"
#include "tests/dtls/fixture.hpp"
#include "tools/explain/explain.hpp"

namespace keyway::explain {
namespace {

bool has(const std::string& out, std::string_view part) { return out.find(part) != std::string::npos; }
#define CHECK_HAS(out, text) CHECK_MESSAGE(has(out, text), "missing \"" << (text) << "\" in:\n" << (out))

struct Datagram {
  bool to_server;
  std::vector<uint8_t> bytes;
};

// Sends what `ep` has, recording it; `deliver` takes each datagram.
template <class Deliver>
void pump(dtls::Endpoint& ep, Timestamp now, bool to_server, std::vector<Datagram>& seen, Deliver deliver) {
  uint8_t scratch[2048];
  for (int guard = 0; guard < 64; ++guard) {
    dtls::Output o = ep.poll_output(now, scratch);
    if (o.kind == dtls::Output::Kind::timeout) return;
    if (o.kind == dtls::Output::Kind::event) {
      if (o.event.kind == dtls::EventKind::peer_certificate) (void)ep.accept_peer_certificate(o.event.data);
      continue;
    }
    seen.push_back({to_server, std::vector<uint8_t>(o.transmit.begin(), o.transmit.end())});
    std::vector<uint8_t> copy = seen.back().bytes;
    deliver(copy);
  }
}

// A keyway 1.3 client and dtls::Listener (its stateless HelloRetryRequest
// cookie, RFC 9147 §5.1), every datagram recorded in order.
std::vector<Datagram> listener_handshake13(test::Fixture& fx) {
  fx.client.offer_dtls13 = true;
  dtls::ListenerConfig lc;
  lc.server = fx.server;
  lc.server.offer_dtls13 = true;
  lc.cookie_exchange = true;
  dtls::Listener listener(lc);
  dtls::Endpoint client(fx.client);
  dtls::Endpoint* server = nullptr;
  const std::vector<uint8_t> from = {127, 0, 0, 1, 0x13, 0x88};
  std::vector<Datagram> seen;
  Timestamp now = Timestamp::from_micros(1000000);
  uint8_t reply[2048];
  for (int round = 0; round < 16 && !(client.is_established() && server && server->is_established()); ++round) {
    pump(client, now, true, seen, [&](std::vector<uint8_t>& d) {
      if (server != nullptr) return (void)server->handle_datagram(now, MutableBytes(d.data(), d.size()));
      dtls::Dispatch r = listener.handle_datagram(now, Bytes(from.data(), from.size()), MutableBytes(d.data(), d.size()), reply);
      if (r.kind == dtls::Dispatch::Kind::hello_verify) {
        seen.push_back({false, std::vector<uint8_t>(r.transmit.begin(), r.transmit.end())});
        std::vector<uint8_t> back = seen.back().bytes;
        (void)client.handle_datagram(now, MutableBytes(back.data(), back.size()));
      } else if (r.kind == dtls::Dispatch::Kind::endpoint) {
        server = r.endpoint;
      }
    });
    if (server != nullptr)
      pump(*server, now, false, seen,
           [&](std::vector<uint8_t>& d) { (void)client.handle_datagram(now, MutableBytes(d.data(), d.size())); });
    now = now + Duration::millis(10);
  }
  REQUIRE(client.is_established());
  REQUIRE(client.version() == dtls::v13::kVersionDtls13);
  return seen;
}

std::string explain_all(const std::vector<Datagram>& seen) {
  Explainer ex(Options{});
  std::string out;
  for (const Datagram& d : seen) ex.datagram(Bytes(d.bytes.data(), d.bytes.size()), d.to_server ? "c > s" : "s > c", out);
  return out;
}

}  // namespace

TEST_CASE("explain: a keyway DTLS 1.3 handshake through dtls::Listener, its hellos decoded by keyway's 1.3 readers") {
  test::Fixture fx;
  std::vector<Datagram> seen = listener_handshake13(fx);
  REQUIRE(seen.size() >= 4);
  REQUIRE(seen[0].to_server);
  REQUIRE(!seen[1].to_server);  // the HelloRetryRequest
  const std::string out = explain_all(seen);
  INFO(out);
  CHECK(!has(out, "refuses it"));
  // ClientHello1 and 2: the three 1.3 extensions name their 1.3 readers.
  CHECK_HAS(out, "extension supported_versions (43), 5 bytes  [RFC 8446 §4.2.1, RFC 9147 §5.3 | "
                 "dtls::v13::read_client_supported_versions (the 1.2 engine skips it)]");
  CHECK_HAS(out, "DTLS 1.3 (0xfefc)");
  CHECK_HAS(out, "extension key_share (51), 38 bytes  [RFC 8446 §4.2.8 | dtls::v13::read_client_key_shares (the 1.2 "
                 "engine skips it)]");
  CHECK_HAS(out, "client_shares length 36");
  CHECK_HAS(out, "key_exchange: the client's x25519 (0x001d) public key");
  CHECK_HAS(out, "TLS_AES_128_GCM_SHA256 (0x1301, DTLS 1.3 only)");
  CHECK(!has(out, "not offered by keyway"));
  CHECK(!has(out, "DTLS 1.2 ignores it"));
  CHECK(!has(out, "(43), 5 bytes  [RFC 8446 §4.2.1, RFC 9147 §5.3 | skipped by keyway"));
  CHECK(!has(out, "(51), 38 bytes  [RFC 8446 §4.2.8 | skipped by keyway"));
  // The HelloRetryRequest: named as one, its cookie in keyway's layout.
  CHECK_HAS(out, "dtls::v13::parse_server_hello accepts it: a HelloRetryRequest (DTLS 1.3; RFC 8446 §4.1.4, RFC 9147 §5.1)");
  CHECK_HAS(out, "random = SHA-256(\"HelloRetryRequest\"): marks this ServerHello as a HelloRetryRequest");
  CHECK_HAS(out, "selected_version DTLS 1.3 (0xfefc)  [RFC 8446 §4.2.1, RFC 9147 §5.3 | dtls::v13::read_selected_version");
  CHECK_HAS(out, "extension cookie (44), 70 bytes  [RFC 8446 §4.2.2, RFC 9147 §5.1 | dtls::v13::parse_server_hello]");
  CHECK_HAS(out, "cookie length 68 (the client echoes it in its next ClientHello)");
  CHECK_HAS(out, "the layout of keyway's dtls::Listener (dtls/v13/retry.hpp)");
  CHECK_HAS(out, "cipher suite chosen for this hello: TLS_AES_128_GCM_SHA256 (0x1301, DTLS 1.3 only)  [RFC 8446 §4.2.2, "
                 "RFC 9147 §5.1 | dtls::v13::open_retry_cookie]");
  CHECK_HAS(out, "group: none asked for (the hello's share fits)");
  CHECK_HAS(out, "Hash(ClientHello1): the transcript starts from it");
  CHECK_HAS(out, "HMAC-SHA256 over the fields before and the client's address");
  // ClientHello2 echoes it; the ServerHello's share.
  CHECK_HAS(out, "cookie length 68 (echoed from the HelloRetryRequest)  [RFC 8446 §4.2.2, RFC 9147 §5.1 | "
                 "dtls::v13::parse_client_hello (the 1.2 engine skips it)]");
  CHECK_HAS(out, "dtls::v13::parse_server_hello accepts it: DTLS 1.3 chosen (supported_versions)");
  CHECK_HAS(out, "server_share: key share for x25519 (0x001d)  [RFC 8446 §4.2.8 | dtls::v13::read_server_key_share]");
  CHECK_HAS(out, "key_exchange: the server's x25519 (0x001d) public key; ECDHE with the client's share");
}

TEST_CASE("explain: a HelloRetryRequest that asks for another group (key_share: selected_group)") {
  test::Fixture fx;
  fx.server.groups.push(0x0017);  // the server speaks secp256r1 only; the client's share is x25519
  std::vector<Datagram> seen = listener_handshake13(fx);
  const std::string out = explain_all(seen);
  INFO(out);
  CHECK(!has(out, "refuses it"));
  CHECK_HAS(out, "extension key_share (51), 2 bytes  [RFC 8446 §4.2.8 | dtls::v13::read_hrr_selected_group]");
  CHECK_HAS(out, "selected_group secp256r1 (0x0017): the client's next ClientHello must carry a share of this group");
  CHECK_HAS(out, "group asked for in key_share: secp256r1 (0x0017)");
  CHECK_HAS(out, "key_exchange: the client's secp256r1 (0x0017) public key");
  CHECK_HAS(out, "key_exchange length 65");
  CHECK_HAS(out, "server_share: key share for secp256r1 (0x0017)");
}

// The RFC 8446 §4.2 extensions keyway neither sends nor reads, as browsers
// send them: named (IANA) and decoded, and labelled as skipped; and a 1.3
// draft code point (Debian 12's NSS offers DTLS 1.3 as 0x7F2B, draft 43).
TEST_CASE("explain: psk_key_exchange_modes, signature_algorithms_cert, record_size_limit, post_handshake_auth, a draft version") {
  std::vector<uint8_t> body = {0xFE, 0xFD};
  for (int i = 0; i < 32; ++i) body.push_back(7);
  const std::vector<uint8_t> rest = {0, 0, 0, 2, 0x13, 0x01, 1, 0};  // session_id, cookie, one suite, null compression
  body.insert(body.end(), rest.begin(), rest.end());
  const std::vector<uint8_t> ext = {
      0, 45, 0, 2, 1, 1,                    // psk_key_exchange_modes: psk_dhe_ke
      0, 50, 0, 6, 0, 4, 4, 3, 8, 4,        // signature_algorithms_cert: ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256
      0, 28, 0, 2, 0x40, 0x01,              // record_size_limit 16385
      0, 49, 0, 0,                          // post_handshake_auth
      0, 47, 0, 2, 0, 0,                    // certificate_authorities (opaque here)
      0, 43, 0, 5, 4, 0x7F, 0x2B, 0xFE, 0xFD,  // supported_versions as NSS 3.87 sends it: DTLS 1.3 draft 43, 1.2
  };
  body.push_back(0);
  body.push_back(static_cast<uint8_t>(ext.size()));
  body.insert(body.end(), ext.begin(), ext.end());
  std::vector<uint8_t> d = {22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0};
  const std::size_t n = body.size();
  d.push_back(static_cast<uint8_t>((12 + n) >> 8));
  d.push_back(static_cast<uint8_t>(12 + n));
  const std::vector<uint8_t> hs = {1, 0, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n), 0, 0, 0, 0, 0,
                                   0, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  d.insert(d.end(), hs.begin(), hs.end());
  d.insert(d.end(), body.begin(), body.end());
  Explainer ex(Options{});
  std::string out;
  ex.datagram(Bytes(d.data(), d.size()), "c > s", out);
  INFO(out);
  CHECK_HAS(out, "extension psk_key_exchange_modes (45), 2 bytes  [RFC 8446 §4.2.9 | skipped by keyway");
  CHECK_HAS(out, "psk_dhe_ke (1)");
  CHECK_HAS(out, "extension signature_algorithms_cert (50), 6 bytes  [RFC 8446 §4.2.3 | skipped by keyway");
  CHECK_HAS(out, "supported_signature_algorithms (for certificates) length 4 (2 entries)");
  CHECK_HAS(out, "rsa_pss_rsae_sha256 (0x0804)");
  CHECK_HAS(out, "RecordSizeLimit 16385: the largest plaintext record the sender accepts");
  CHECK_HAS(out, "extension post_handshake_auth (49), 0 bytes  [RFC 8446 §4.2.6");
  CHECK_HAS(out, "extension certificate_authorities (47), 2 bytes  [RFC 8446 §4.2.4");
  CHECK_HAS(out, "TLS_AES_128_GCM_SHA256 (0x1301, DTLS 1.3 only)");
  CHECK_HAS(out, "(D)TLS 1.3 draft 43 (0x7f2b: a pre-RFC code point, skipped by keyway)");
}

}  // namespace keyway::explain
