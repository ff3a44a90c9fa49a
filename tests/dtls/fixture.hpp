// SPDX-License-Identifier: Apache-2.0
// Two identities and matching client/server configurations for in-process
// DTLS tests (seeded RNGs: deterministic), and the completion check. Pairs
// run on the one DTLS pair harness, tests/support/dtls_pair.hpp (client = A,
// side 0; server = B, side 1).
#pragma once

#include <doctest/doctest.h>

#include <vector>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/lib/rng.hpp"
#include "tests/support/dtls_pair.hpp"

namespace keyway::test {

using Pair = sim::DtlsPair;
using Side = sim::DtlsSide;

constexpr int64_t kUnixNow = 1790000000;

struct Fixture {
  SeededRng client_rng{11};
  SeededRng server_rng{22};
  dtls::Identity client_id;
  dtls::Identity server_id;
  dtls::Config client;
  dtls::Config server;

  Fixture() {
    SeededRng id_rng(99);
    REQUIRE(client_id.generate(id_rng, "client", kUnixNow).ok());
    REQUIRE(server_id.generate(id_rng, "server", kUnixNow).ok());
    client.role = dtls::Role::client;
    client.identity = &client_id;
    client.rng = &client_rng;
    server.role = dtls::Role::server;
    server.identity = &server_id;
    server.rng = &server_rng;
    for (uint16_t p : {uint16_t{0x0007}, uint16_t{0x0001}}) {
      client.srtp_profiles.push(p);
      server.srtp_profiles.push(p);
    }
  }
};

// Both sides completed, certificates accepted, equal exporter output.
inline std::vector<uint8_t> exporter(dtls::Endpoint& ep, std::size_t len = 60) {
  std::vector<uint8_t> out(len);
  REQUIRE(ep.export_keying_material("EXTRACTOR-dtls_srtp", out).ok());
  return out;
}

// Accepts whatever certificate each side holds (the harness checks keys, not identities).
inline void accept_both(Pair& p) {
  for (Side* s : {&p.client(), &p.server()}) (void)s->ep->accept_peer_certificate(s->ep->peer_certificate());
}

inline void check_completed(Pair& p) {
  REQUIRE_MESSAGE(!p.client().failed, p.client().error.detail);
  REQUIRE_MESSAGE(!p.server().failed, p.server().error.detail);
  REQUIRE(p.client().complete);
  REQUIRE(p.server().complete);
  accept_both(p);
  CHECK(exporter(*p.client().ep) == exporter(*p.server().ep));
}

}  // namespace keyway::test
