// SPDX-License-Identifier: Apache-2.0
// Peer certificate acceptance (issue 12, defects 2 and 3): an acceptance
// names the certificate it accepts, is void once the peer certificate
// changes, and gates application data as it gates the exporter.
#include <doctest/doctest.h>

#include <vector>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/dtls/messages.hpp"
#include "tests/dtls/script.hpp"

using namespace keyway;
using namespace keyway::dtls;
using keyway::test::Identities;
using keyway::test::Script;

namespace {

constexpr uint64_t kForgedSeq = 100;  // record numbers the script's own records never use

std::vector<uint8_t> der_of(const Identity& id) {
  return std::vector<uint8_t>(id.certificate_der().begin(), id.certificate_der().end());
}

std::vector<uint8_t> certificate_body(Bytes der) {
  std::vector<uint8_t> body(der.size() + 6);
  ByteWriter w(body);
  write_certificate_message(w, der);
  REQUIRE(!w.failed());
  body.resize(w.size());
  return body;
}

std::vector<uint8_t> record(const test::Captured& m, uint64_t seq, const std::vector<uint8_t>* body = nullptr) {
  return test::plain_record(ContentType::handshake, 0, seq,
                            test::handshake_message(m.hs_type, m.msg_seq, body ? *body : m.body));
}

int count(const std::vector<Event>& evs, EventKind t) {
  int n = 0;
  for (const auto& e : evs) n += e.kind == t ? 1 : 0;
  return n;
}

bool exports(Endpoint& ep) {
  uint8_t out[60];
  return ep.export_keying_material("EXTRACTOR-dtls_srtp", out).ok();
}

}  // namespace

// Defect 2. A man in the middle holds the real server's certificate A (it is
// public) but not its key; his own certificate B he can sign with. He sends
// A in a flight 4 whose ServerKeyExchange (signed with B's key) fails, so the
// client discards that flight (RFC 6347 §4.1.2.7) but has already reported A,
// and the application, seeing the certificate it expected, accepts. Then he
// sends his own flight 4 with B, correctly signed. With a sticky acceptance
// flag the handshake completed with B and the exporter handed out keys shared
// with him. An acceptance names A, so B needs an acceptance of its own.
TEST_CASE("dtls acceptance: accepting certificate A does not accept B that replaced it") {
  Identities ids;  // ids.server plays the man in the middle (certificate B)
  Identity real;   // certificate A: the server the application expects
  SeededRng rng(5);
  REQUIRE(real.generate(rng, "server", test::kScriptUnixNow).ok());
  std::vector<uint8_t> a = der_of(real), b = der_of(ids.server);
  REQUIRE(a != b);

  Script s(ids);
  s.advance(1);  // the server (the man in the middle) answered the ClientHello with flight 4
  const auto& flight4 = s.to(0);  // SH, Cert(B), SKE, CR, SHD
  std::vector<uint8_t> cert_a = certificate_body(a);
  s.deliver_foreign(0, record(flight4[0], kForgedSeq));
  s.deliver_foreign(0, record(flight4[1], kForgedSeq + 1, &cert_a));
  REQUIRE(count(s.events(0), EventKind::peer_certificate) == 1);
  REQUIRE(s.client().peer_certificate().size() == a.size());
  REQUIRE(s.client().accept_peer_certificate(a).ok());  // the application accepts A
  s.deliver_foreign(0, record(flight4[2], kForgedSeq + 2));  // signed by B's key: not A's
  REQUIRE(s.client().stats().flights_discarded == 1);

  s.advance(Script::kSteps);  // the man in the middle's own flight 4, certificate B
  REQUIRE(s.client().is_established());
  CHECK(Bytes(s.client().peer_certificate()).size() == b.size());
  // Keys and data must wait for an acceptance that names B.
  CHECK_FALSE(exports(s.client()));
  uint8_t out[256];
  const uint8_t hello[] = {'h', 'i'};
  CHECK_FALSE(s.client().send_application_data(hello, out).ok());
  // Accepting A again is refused: A is not this handshake's certificate.
  CHECK_FALSE(s.client().accept_peer_certificate(a).ok());
  CHECK(count(s.events(0), EventKind::peer_certificate) == 2);  // A, then B
  REQUIRE(s.client().accept_peer_certificate(b).ok());  // the application's own decision
  CHECK(exports(s.client()));
}

// Defect 2, the event. Events are queued and read later: the certificate
// event for A, still queued when B replaced A, was read with B in it (and a
// second event for B followed), so "the certificate of this event" was
// whatever the endpoint held at poll time. A certificate event now shows the
// certificate it announced; one whose certificate was replaced before it was
// read is withdrawn (that certificate is no longer part of the handshake).
TEST_CASE("dtls acceptance: a certificate event shows the certificate it announced") {
  Identities ids;
  Identity real;
  SeededRng rng(5);
  REQUIRE(real.generate(rng, "server", test::kScriptUnixNow).ok());
  std::vector<uint8_t> a = der_of(real), b = der_of(ids.server);
  Script s(ids);
  s.advance(1);
  const auto& flight4 = s.to(0);
  std::vector<uint8_t> cert_a = certificate_body(a);
  Timestamp now = Timestamp::from_micros(1000000);
  auto feed = [&](std::vector<uint8_t> d) { s.client().handle_datagram(now, d); };  // nothing polled in between
  feed(record(flight4[0], kForgedSeq));
  feed(record(flight4[1], kForgedSeq + 1, &cert_a));
  feed(record(flight4[2], kForgedSeq + 2));  // fails: flight discarded
  feed(flight4[0].datagram);                 // the flight again, with B
  feed(flight4[1].datagram);
  REQUIRE(s.client().stats().flights_discarded == 1);
  uint8_t scratch[2048];
  std::vector<std::vector<uint8_t>> shown;
  for (int guard = 0; guard < 50; ++guard) {
    Output o = s.client().poll_output(now, scratch);
    if (o.kind == Output::Kind::timeout) break;
    if (o.kind == Output::Kind::event && o.event.kind == EventKind::peer_certificate)
      shown.emplace_back(o.event.data.begin(), o.event.data.end());
  }
  REQUIRE(shown.size() == 1);
  CHECK(shown[0] == b);
}

// Defect 3. Only the exporter waited for the acceptance: application data
// went out to, and came in from, a peer whose certificate nobody had
// accepted. Both directions now wait for it, as the exporter does.
TEST_CASE("dtls acceptance: application data waits for the peer certificate to be accepted") {
  Identities ids;
  Script s(ids);
  s.advance(Script::kSteps);
  REQUIRE(s.client().is_established());
  REQUIRE(s.server().is_established());
  REQUIRE(s.server().accept_peer_certificate(der_of(ids.client)).ok());
  uint8_t out[256];
  const uint8_t hello[] = {'h', 'i'};
  CHECK_FALSE(s.client().send_application_data(hello, out).ok());  // the client accepted nothing
  auto sealed = s.server().send_application_data(hello, out);
  REQUIRE(sealed.ok());
  std::size_t before = s.events(0).size();
  s.deliver_foreign(0, std::vector<uint8_t>(sealed->begin(), sealed->end()));
  CHECK(count(std::vector<Event>(s.events(0).begin() + static_cast<long>(before), s.events(0).end()),
              EventKind::application_data) == 0);
  // Accepted: data flows both ways.
  REQUIRE(s.client().accept_peer_certificate(der_of(ids.server)).ok());
  CHECK(s.client().send_application_data(hello, out).ok());
  auto again = s.server().send_application_data(hello, out);
  REQUIRE(again.ok());
  before = s.events(0).size();
  s.deliver_foreign(0, std::vector<uint8_t>(again->begin(), again->end()));
  CHECK(count(std::vector<Event>(s.events(0).begin() + static_cast<long>(before), s.events(0).end()),
              EventKind::application_data) == 1);
}
