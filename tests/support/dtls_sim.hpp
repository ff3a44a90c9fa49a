// SPDX-License-Identifier: Apache-2.0
// DtlsSim: the DtlsPair (tests/support/dtls_pair.hpp) set up the way the
// robustness runs of tests/robustness/ use it (issue 7): both sides with the
// four SRTP profiles, each checking the other's certificate against its
// fingerprint, cookies on or off, one MTU. Identities are made once per
// process (an ECDSA key pair and a certificate cost more than a handshake)
// and shared by every run.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/lib/rng.hpp"
#include "tests/support/dtls_pair.hpp"
#include "tests/support/netem.hpp"

namespace keyway::sim {

inline dtls::Identity& dtls_sim_identity(int which) {
  static std::unique_ptr<dtls::Identity> ids[2];
  auto& slot = ids[which & 1];
  if (!slot) {
    slot = std::make_unique<dtls::Identity>();
    SeededRng rng(0xD715 + static_cast<uint64_t>(which & 1));
    (void)slot->generate(rng, (which & 1) == 0 ? "sim-a" : "sim-b", 1'790'000'000);
  }
  return *slot;
}

struct DtlsSimOptions {
  uint64_t seed = 1;
  LinkConfig link{};
  bool a_is_client = true;
  bool cookie_exchange = true;
  std::size_t mtu = 1200;  // both endpoints' Config::mtu
  bool verbose = false;
  // Both sides offer DTLS 1.3 (dtls::Config::offer_dtls13, issue 18): they
  // speak 1.3 when the server has no 1.2 cookie round (cookie_exchange off).
  bool offer_dtls13 = false;
  // Sees (and may change) every datagram before it enters the network.
  std::function<void(int from, std::vector<uint8_t>& datagram)> tamper;
};

class DtlsSim : public DtlsPair {
 public:
  explicit DtlsSim(const DtlsSimOptions& opt)
      : DtlsPair(config(opt, 1, opt.a_is_client ? dtls::Role::client : dtls::Role::server),
                 config(opt, 2, opt.a_is_client ? dtls::Role::server : dtls::Role::client), opt.seed, opt.link) {
    verbose = opt.verbose;
    if (opt.tamper)
      tamper = [f = opt.tamper](int to, std::vector<uint8_t>& d) {
        f(to == 0 ? 2 : 1, d);  // the sending node
        return true;
      };
    for (DtlsSide* s : {&a(), &b()}) {
      // What an application does with the remote a=fingerprint (RFC 8122):
      // the peer's certificate must match before any key exists.
      auto peer_der = dtls_sim_identity(2 - s->node).certificate_der();
      s->ep->set_remote_fingerprint(dtls::fingerprint(dtls::FingerprintHash::sha256, peer_der));
      s->expected_peer_der.assign(peer_der.begin(), peer_der.end());
    }
  }

 private:
  static dtls::Config config(const DtlsSimOptions& opt, int node, dtls::Role role) {
    static const uint8_t kPeerAddress[6] = {127, 0, 0, 1, 0x9C, 0x41};
    static Printer printer;
    dtls::Config c;
    c.role = role;
    c.identity = &dtls_sim_identity(node - 1);
    c.rng = nullptr;  // the side's SeededRng
    c.mtu = opt.mtu;
    c.cookie_exchange = opt.cookie_exchange;
    c.offer_dtls13 = opt.offer_dtls13;
    c.peer_address = Bytes(kPeerAddress, sizeof kPeerAddress);
    if (opt.verbose) c.trace = &printer;
    for (uint16_t p : {uint16_t{0x0007}, uint16_t{0x0001}, uint16_t{0x0008}, uint16_t{0x0002}}) c.srtp_profiles.push(p);
    return c;
  }
  struct Printer final : TraceSink {
    void trace(Layer, const char* line) override { std::printf("             %s\n", line); }
  };
};

}  // namespace keyway::sim
