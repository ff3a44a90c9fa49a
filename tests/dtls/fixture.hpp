// Two identities and matching client/server configurations for in-process
// DTLS tests (seeded RNGs: deterministic).
#pragma once

#include <doctest/doctest.h>

#include "dtls/endpoint.hpp"
#include "lib/rng.hpp"

namespace keyway::test {

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

}  // namespace keyway::test
