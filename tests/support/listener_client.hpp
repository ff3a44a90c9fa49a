// SPDX-License-Identifier: Apache-2.0
// A client dtls::Endpoint talking to a dtls::Listener from one address, in
// virtual time, with nothing lost (tests/dtls flood_test and v13_retry_test,
// fuzz/dtls/make_corpus's Listener seed): each round the client's datagrams
// go to the Listener, and back come its stateless reply (HelloVerifyRequest,
// RFC 6347 §4.2.1, or a HelloRetryRequest with a cookie, RFC 9147 §5.1) or
// what the association a datagram reached sends then. No doctest: fuzz/
// includes it too.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/dtls/listener.hpp"

namespace keyway::test {

using Datagrams = std::vector<std::vector<uint8_t>>;

// Every datagram `ep` (a dtls::Endpoint or a dtls::v13::Endpoint) sends
// until its timeout (at most `max`).
template <class AnyEndpoint>
Datagrams transmits(AnyEndpoint& ep, Timestamp now, int max = 64) {
  Datagrams out;
  uint8_t scratch[2048];
  for (int i = 0; i < max; ++i) {
    dtls::Output o = ep.poll_output(now, scratch);
    if (o.kind == dtls::Output::Kind::timeout) break;
    if (o.kind == dtls::Output::Kind::transmit) out.emplace_back(o.transmit.begin(), o.transmit.end());
  }
  return out;
}

// A Listener that offers DTLS 1.3 with stateless cookies (HelloRetryRequest
// for 1.3 clients, HelloVerifyRequest for 1.2 ones), its server's
// configuration from `server`.
inline dtls::ListenerConfig listener13_config(const dtls::Config& server) {
  dtls::ListenerConfig lc;
  lc.server = server;
  lc.server.offer_dtls13 = true;
  lc.cookie_exchange = true;
  return lc;
}

// The association at address `from`, or null.
inline dtls::Endpoint* association(dtls::Listener& l, const std::vector<uint8_t>& from) {
  for (std::size_t i = 0; i < l.capacity(); ++i) {
    Bytes a = l.address_at(i);
    if (a.size() == from.size() && std::equal(a.begin(), a.end(), from.begin())) return l.endpoint_at(i);
  }
  return nullptr;
}

struct ListenerClient {
  dtls::Endpoint ep;
  std::vector<uint8_t> from;
  Datagrams sent;                // every datagram the client sent
  Datagrams* keep_replies = nullptr;  // if set, the Listener's stateless replies go here

  ListenerClient(const dtls::Config& c, std::vector<uint8_t> addr) : ep(c), from(std::move(addr)) {}

  // One round: the client's datagrams, one at a time, to the Listener, the
  // answers back. (A datagram at a time and nothing kept unless asked: the
  // flood tests print the heap in use, which the allocations here move.)
  void round(dtls::Listener& l, Timestamp now) {
    uint8_t scratch[2048], reply[2048];
    for (int guard = 0; guard < 64; ++guard) {
      dtls::Output out = ep.poll_output(now, scratch);
      if (out.kind == dtls::Output::Kind::timeout) break;
      if (out.kind != dtls::Output::Kind::transmit) continue;
      sent.emplace_back(out.transmit.begin(), out.transmit.end());
      std::vector<uint8_t> datagram = sent.back();  // records are decrypted in place
      dtls::Dispatch d = l.handle_datagram(now, from, datagram, reply);
      if (d.kind == dtls::Dispatch::Kind::hello_verify) {
        if (keep_replies != nullptr) keep_replies->emplace_back(d.transmit.begin(), d.transmit.end());
        std::vector<uint8_t> back(d.transmit.begin(), d.transmit.end());
        (void)ep.handle_datagram(now, back);
      }
      if (d.kind != dtls::Dispatch::Kind::endpoint) continue;
      for (int g2 = 0; g2 < 64; ++g2) {
        dtls::Output o = d.endpoint->poll_output(now, reply);
        if (o.kind == dtls::Output::Kind::timeout) break;
        if (o.kind == dtls::Output::Kind::transmit) {
          std::vector<uint8_t> back(o.transmit.begin(), o.transmit.end());
          (void)ep.handle_datagram(now, back);
        }
      }
    }
  }
};

}  // namespace keyway::test
