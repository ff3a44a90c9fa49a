// Two dtls::Endpoints joined by sim::Netem in virtual time (issue 7): the
// DTLS-alone harness of tests/robustness/. Node 1 is side A, node 2 side B;
// either may be the client. Deterministic from the seed; identities are made
// once per process (an ECDSA key pair and a certificate cost more than a
// handshake) and shared by every run.
#pragma once

#include <cstdint>
#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dtls/endpoint.hpp"
#include "lib/rng.hpp"
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
  // Sees (and may change) every datagram before it enters the network.
  std::function<void(int from, std::vector<uint8_t>& datagram)> tamper;
};

struct DtlsSide {
  int node = 0;
  SeededRng rng{1};
  std::unique_ptr<dtls::Endpoint> ep;
  bool complete = false, failed = false;
  Timestamp complete_at = Timestamp::never(), failed_at = Timestamp::never();
  Error error{};
  uint64_t bad_peer_certificate = 0;  // peer_certificate events with unexpected DER
  std::vector<std::vector<uint8_t>> app_data;
  Timestamp deadline = Timestamp::never();
  bool terminal() const { return complete || failed; }
  // Nothing more to do: complete, failed, or a server back to listening for
  // a ClientHello (it keeps no per-client state before the cookie round,
  // RFC 6347 §4.2.1, so a client that gave up leaves it simply idle).
  bool settled() const { return terminal() || (ep && ep->state() == dtls::HandshakeState::server_wait_client_hello); }
};

class DtlsSim {
 public:
  explicit DtlsSim(const DtlsSimOptions& opt) : opt_(opt), net_(opt.seed) {
    net_.configure_both(1, 2, opt.link);
    init(a_, 1, opt.a_is_client ? dtls::Role::client : dtls::Role::server);
    init(b_, 2, opt.a_is_client ? dtls::Role::server : dtls::Role::client);
  }

  DtlsSide& a() { return a_; }
  DtlsSide& b() { return b_; }
  DtlsSide& client() { return opt_.a_is_client ? a_ : b_; }
  DtlsSide& server() { return opt_.a_is_client ? b_ : a_; }
  Netem& net() { return net_; }
  Timestamp now() const { return now_; }
  static Timestamp start() { return Timestamp::from_micros(1'000'000); }

  // Runs until done() holds, nothing is left to happen (no deadline, nothing
  // in flight), or `limit` of virtual time passes. Returns done().
  template <typename Done>
  bool run_until(Done done, Duration limit) {
    Timestamp end = now_ + limit;
    for (;;) {
      drain(a_);
      drain(b_);
      if (done()) return true;
      Timestamp next = earliest(earliest(a_.deadline, b_.deadline), net_.next_delivery());
      if (next.is_never() || next > end) {
        stalled_ = next.is_never();
        if (!stalled_) now_ = end;
        return done();
      }
      if (next > now_) now_ = next;
      while (auto d = net_.receive(now_)) {
        DtlsSide& to = d->to == 1 ? a_ : b_;
        if (opt_.verbose) std::printf("%10.3f ms  node %d <- %4zu bytes\n", ms(), to.node, d->bytes.size());
        (void)to.ep->handle_datagram(now_, MutableBytes(d->bytes.data(), d->bytes.size()));  // decrypted in place
        drain(to);
      }
      for (DtlsSide* s : {&a_, &b_})
        if (s->deadline <= now_) s->ep->handle_timeout(now_);
    }
  }
  // Until both sides settled (the client complete or failed).
  bool run_handshake(Duration limit) {
    return run_until([&] { return a_.settled() && b_.settled(); }, limit);
  }
  // Nothing scheduled anymore: no timer, nothing in flight.
  bool stalled() const { return stalled_; }

  // Seals one application-data record and hands it to the network.
  bool send_application_data(DtlsSide& from, Bytes data) {
    uint8_t out[2048];
    auto record = from.ep->send_application_data(data, out);
    if (!record.ok()) return false;
    DtlsSide& peer = &from == &a_ ? b_ : a_;
    net_.send(now_, from.node, peer.node, record->data(), record->size());
    return true;
  }

 private:
  double ms() const { return static_cast<double>((now_ - start()).as_micros()) / 1000.0; }

  void init(DtlsSide& s, int node, dtls::Role role) {
    s.node = node;
    s.rng = SeededRng(opt_.seed * 2 + static_cast<uint64_t>(node) + 0x5EED0000ull);
    dtls::Config c;
    c.role = role;
    c.identity = &dtls_sim_identity(node - 1);
    c.rng = &s.rng;
    c.mtu = opt_.mtu;
    c.cookie_exchange = opt_.cookie_exchange;
    c.peer_address = Bytes(peer_addr_, sizeof peer_addr_);
    if (opt_.verbose) c.trace = &printer_;
    for (uint16_t p : {uint16_t{0x0007}, uint16_t{0x0001}, uint16_t{0x0008}, uint16_t{0x0002}}) c.srtp_profiles.push(p);
    s.ep = std::make_unique<dtls::Endpoint>(c);
    // What an application does with the remote a=fingerprint (RFC 8122):
    // the peer's certificate must match before any key exists.
    auto peer_der = dtls_sim_identity(2 - node).certificate_der();
    s.ep->set_remote_fingerprint(dtls::fingerprint(dtls::FingerprintHash::sha256, peer_der));
  }

  void drain(DtlsSide& s) {
    uint8_t scratch[2048];
    DtlsSide& peer = &s == &a_ ? b_ : a_;
    for (int guard = 0; guard < 10000; ++guard) {
      dtls::Output o = s.ep->poll_output(now_, scratch);
      if (o.kind == dtls::Output::Kind::timeout) {
        s.deadline = o.deadline;
        return;
      }
      if (o.kind == dtls::Output::Kind::transmit) {
        if (opt_.verbose) std::printf("%10.3f ms  node %d -> %4zu bytes\n", ms(), s.node, o.transmit.size());
        if (opt_.tamper) {
          std::vector<uint8_t> d(o.transmit.begin(), o.transmit.end());
          opt_.tamper(s.node, d);
          net_.send(now_, s.node, peer.node, d.data(), d.size());
        } else {
          net_.send(now_, s.node, peer.node, o.transmit.data(), o.transmit.size());
        }
        continue;
      }
      const dtls::Event& e = o.event;
      switch (e.kind) {
        case dtls::EventKind::peer_certificate: {
          // Already matched against the fingerprint; counted if it is not
          // byte for byte the peer's certificate (it never should be).
          auto want = dtls_sim_identity(peer.node - 1).certificate_der();
          if (e.data.size() != want.size() || !std::equal(want.begin(), want.end(), e.data.begin()))
            s.bad_peer_certificate++;
          break;
        }
        case dtls::EventKind::handshake_complete:
          s.complete = true;
          s.complete_at = now_;
          break;
        case dtls::EventKind::failure:
          s.failed = true;
          s.failed_at = now_;
          s.error = e.error;
          break;
        case dtls::EventKind::application_data: s.app_data.emplace_back(e.data.begin(), e.data.end()); break;
        default: break;
      }
    }
  }

  struct Printer final : TraceSink {
    void trace(Layer, const char* line) override { std::printf("             %s\n", line); }
  };
  Printer printer_;
  DtlsSimOptions opt_;
  Netem net_;
  DtlsSide a_, b_;
  Timestamp now_ = start();
  bool stalled_ = false;
  uint8_t peer_addr_[6] = {127, 0, 0, 1, 0x9C, 0x41};
};

}  // namespace keyway::sim
