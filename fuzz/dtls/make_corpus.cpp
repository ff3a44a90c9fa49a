// SPDX-License-Identifier: Apache-2.0
// Writes the seed corpora of the dtls fuzz targets: a deterministic
// client<->server handshake with the fuzz configuration (fuzz_endpoint.hpp),
// recorded datagram by datagram. Usage: make_dtls_corpus fuzz/corpus
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "keyway/dtls/handshake_header.hpp"
#include "keyway/dtls/listener.hpp"
#include "keyway/dtls/record.hpp"
#include "keyway/dtls/v13/messages.hpp"
#include "fuzz/dtls/fuzz_endpoint.hpp"
#include "keyway/lib/fuzzing.hpp"
#include "tests/support/dtls13_messages.hpp"
#include "tests/support/listener_client.hpp"

using namespace keyway;
using Datagram = std::vector<uint8_t>;

static void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) { std::perror(path.c_str()); return; }
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

static std::vector<uint8_t> steps(const std::vector<Datagram>& ds) {
  std::vector<uint8_t> out;
  for (const auto& d : ds) {
    out.push_back(0);
    out.push_back(static_cast<uint8_t>(d.size() >> 8));
    out.push_back(static_cast<uint8_t>(d.size()));
    out.insert(out.end(), d.begin(), d.end());
  }
  return out;
}

static std::vector<Datagram> pump(dtls::Endpoint& ep, Timestamp now) { return test::transmits(ep, now, 256); }

// A whole session between the two fuzz endpoints: the handshake (with a
// HelloVerifyRequest if server_cookies), application data both ways (the
// targets echo it), close_notify. Returns whether both sides established.
// offer_dtls13: both offer DTLS 1.3 (the dtls13_endpoint target's seeds).
static bool record_session(bool server_cookies, std::vector<Datagram>& from_client, std::vector<Datagram>& from_server,
                           bool offer_dtls13 = false) {
  SeededRng crng(fuzz::fuzz_seed(dtls::Role::client));
  SeededRng srng(fuzz::fuzz_seed(dtls::Role::server));
  auto client = fuzz::make_endpoint(dtls::Role::client, crng, false, offer_dtls13);
  auto server = fuzz::make_endpoint(dtls::Role::server, srng, server_cookies, offer_dtls13);
  Timestamp now = Timestamp::from_micros(1000000);
  for (int round = 0; round < 10; ++round) {
    for (auto& d : pump(*client, now)) { from_client.push_back(d); (void)server->handle_datagram(now, d); }
    for (auto& d : pump(*server, now)) { from_server.push_back(d); (void)client->handle_datagram(now, d); }
  }
  std::fprintf(stderr, "client %s, server %s\n", client->is_established() ? "established" : "NOT established",
               server->is_established() ? "established" : "NOT established");
  const bool established = client->is_established() && server->is_established();
  static const uint8_t ping[] = {'p', 'i', 'n', 'g'};
  uint8_t sealed[64];
  if (auto rec = client->send_application_data(ping, sealed); rec.ok()) {
    from_client.emplace_back(rec->begin(), rec->end());
    Datagram copy = from_client.back();  // decrypted in place: the corpus keeps the sealed bytes
    (void)server->handle_datagram(now, copy);
  }
  if (auto rec = server->send_application_data(ping, sealed); rec.ok()) {
    from_server.emplace_back(rec->begin(), rec->end());
    Datagram copy = from_server.back();
    (void)client->handle_datagram(now, copy);
  }
  for (auto& d : pump(*client, now)) { from_client.push_back(d); (void)server->handle_datagram(now, d); }
  for (auto& d : pump(*server, now)) { from_server.push_back(d); (void)client->handle_datagram(now, d); }
  client->close();
  server->close();
  for (auto& d : pump(*client, now)) from_client.push_back(d);
  for (auto& d : pump(*server, now)) from_server.push_back(d);
  return established;
}

// One plaintext record holding one whole handshake message, the record's
// sequence number its message_seq.
static Datagram hello_record(uint8_t type, const Datagram& body, uint16_t msg_seq) {
  return test::hello_record(type, body, msg_seq, msg_seq);
}

// Issue 18, HelloRetryRequest seeds:
//   dtls13_handshake/server_retry: a ClientHello1 with no share (supported_groups
//     x25519, secp256r1), then ClientHello2 with an x25519 share;
//   dtls13_handshake/client_retry: a HelloRetryRequest for secp256r1, then a second one;
//   listener/dtls13_retry_cookie: flags 3 (cookies, DTLS 1.3): a negotiating
//     client's ClientHello1, its ClientHello2 with the cookie, its later flights.
static void write_retry_seeds(const std::string& root) {
  SeededRng rng(7);
  uint8_t random[32];
  rng.fill(random);
  const uint16_t suites[] = {0x1301, 0x1302, 0x1303};
  const uint16_t groups[] = {0x001D, 0x0017};
  const uint16_t schemes[] = {0x0403, 0x0804};
  const uint16_t profiles[] = {0x0007};
  const Datagram ch1 = test::client_hello_body({.random = Bytes(random, sizeof random),
                                                 .cipher_suites = suites,
                                                 .versions = dtls::v13::OfferedVersions{true, false},
                                                 .groups = groups,
                                                 .signature_algorithms = schemes,
                                                 .srtp_profiles = profiles},
                                                1024);
  Datagram ch2(1024);
  uint8_t share[32];
  rng.fill(share);
  ByteWriter w2(ch2);
  (void)dtls::v13::write_retried_client_hello(
      w2, ch1, dtls::v13::KeyShareEntry{crypto::NamedGroup::x25519, Bytes(share, sizeof share)}, Bytes());
  ch2.resize(w2.size());
  Datagram server = {7};
  for (uint8_t b : steps({hello_record(1, ch1, 0), hello_record(1, ch2, 1)})) server.push_back(b);
  write_file(root + "/dtls13_handshake/server_retry", server);

  const Datagram body = test::retry_request_body(crypto::NamedGroup::secp256r1);
  Datagram client = {8};
  for (uint8_t b : steps({hello_record(2, body, 0), hello_record(2, body, 1)})) client.push_back(b);
  write_file(root + "/dtls13_handshake/client_retry", client);

  // The listener target's construction (fuzz/dtls/listener.cpp), flags 3.
  SeededRng lrng(fuzz::fuzz_seed(dtls::Role::server));
  dtls::ListenerConfig lc = test::listener13_config(fuzz::fuzz_config(dtls::Role::server, lrng));
  lc.capacity = 3;
  lc.max_pending = 2;
  dtls::Listener listener(lc);
  SeededRng crng(fuzz::fuzz_seed(dtls::Role::client));
  dtls::Config cc = fuzz::fuzz_config(dtls::Role::client, crng);
  cc.offer_dtls13 = true;
  test::ListenerClient c(cc, {0, 1, 2, 3, 4, 5});
  Timestamp now = Timestamp::from_micros(1000000);
  for (int round = 0; round < 6; ++round) c.round(listener, now);
  std::fprintf(stderr, "listener 1.3 seed: %zu datagrams, hello_retry_sent=%llu, client %s\n", c.sent.size(),
               static_cast<unsigned long long>(listener.stats().hello_retry_sent),
               c.ep.is_established() ? "established" : "NOT established");
  Datagram seed = {3};
  for (uint8_t b : steps(c.sent)) seed.push_back(b);
  write_file(root + "/listener/dtls13_retry_cookie", seed);
}

int main(int argc, char** argv) {
  if (argc < 2) { std::fprintf(stderr, "usage: %s CORPUS_ROOT\n", argv[0]); return 2; }
  std::string root = argv[1];
  if (argc > 2 && std::string(argv[2]) == "--retry13") {  // only the HelloRetryRequest seeds
    write_retry_seeds(root);
    return 0;
  }
  std::vector<Datagram> from_client, from_server, hvr_client, hvr_server;
  bool established = record_session(false, from_client, from_server);
  // The client target also sees a HelloVerifyRequest (its config has no say in that).
  established = record_session(true, hvr_client, hvr_server) && established;
  // DTLS 1.3 by negotiation: the first byte names the role (0 server, 1 client).
  std::vector<Datagram> c13, s13;
  established = record_session(false, c13, s13, true) && established;
  auto with_role = [](uint8_t role, std::vector<uint8_t> rest) {
    rest.insert(rest.begin(), role);
    return rest;
  };
  const char* suffix = kFuzzing ? "_nullcipher" : "";
  write_file(root + "/dtls13_endpoint/server_handshake" + suffix, with_role(0, steps(c13)));
  write_file(root + "/dtls13_endpoint/client_handshake" + suffix, with_role(1, steps(s13)));
  if constexpr (kFuzzing) {
    // lib/fuzzing.hpp: records after ChangeCipherSpec are plaintext with an
    // ignored tag, so these flights reach Finished and application data in
    // fuzzing builds (and are simply rejected in production ones).
    write_file(root + "/dtls_server/handshake_nullcipher", steps(from_client));
    write_file(root + "/dtls_client/handshake_nullcipher", steps(from_server));
    write_file(root + "/dtls_client/handshake_hvr_nullcipher", steps(hvr_server));
    return established ? 0 : 1;
  }
  write_file(root + "/dtls_server/handshake", steps(from_client));
  write_file(root + "/dtls_server/hello_only", steps({from_client.front()}));
  write_file(root + "/dtls13_endpoint/server_hello_only", with_role(0, steps({c13.front()})));
  auto timeouts13 = with_role(1, {});
  for (int t : {0x80 | 100, 0x80 | 127, 0x80 | 127}) timeouts13.push_back(static_cast<uint8_t>(t));
  write_file(root + "/dtls13_endpoint/client_timeouts", timeouts13);
  auto with_timeouts = steps({from_client.front()});
  for (int t : {0x80 | 100, 0x80 | 127, 0x80 | 127}) with_timeouts.push_back(static_cast<uint8_t>(t));
  write_file(root + "/dtls_server/hello_then_timeouts", with_timeouts);
  write_file(root + "/dtls_client/handshake", steps(from_server));
  write_file(root + "/dtls_client/handshake_hvr", steps(hvr_server));
  std::vector<uint8_t> timeouts = {0x80 | 100, 0x80 | 127, 0x80 | 127, 0x80 | 127};
  write_file(root + "/dtls_client/timeouts", timeouts);
  // Record and message corpora come from the same datagrams.
  int n = 0;
  std::vector<uint8_t> fragments;
  for (const auto* list : {&from_client, &from_server}) {
    for (const auto& d : *list) {
      write_file(root + "/record/datagram_" + std::to_string(n++), d);
      ByteReader r(d);
      while (!r.at_end()) {
        auto rec = dtls::read_record(r);
        if (!rec.ok() || rec->epoch != 0 || rec->type != 22) continue;
        fragments.insert(fragments.end(), rec->fragment.begin(), rec->fragment.end());
        ByteReader fr(rec->fragment);
        auto f = dtls::read_handshake_fragment(fr);
        if (!f.ok() || f->frag_offset != 0 || f->body.size() != f->length) continue;
        static const uint8_t selector[21] = {0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 3, 4, 5, 9, 7, 6, 0, 0, 0, 9};
        std::vector<uint8_t> msg = {selector[f->type % 21]};
        msg.insert(msg.end(), f->body.begin(), f->body.end());
        write_file(root + "/handshake_message/type_" + std::to_string(f->type), msg);
      }
    }
  }
  write_file(root + "/reassembler/handshake_fragments", fragments);
  return established ? 0 : 1;
}
