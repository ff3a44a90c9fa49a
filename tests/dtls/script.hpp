// SPDX-License-Identifier: Apache-2.0
// A scripted, deterministic client <-> server handshake (issue 7): every
// record is its own datagram, delivered one step at a time, so a test can
// stop either endpoint at any point of the handshake and inject a record.
// Two runs with the same seeds produce the same bytes (and the same keys), so
// a completed "twin" run can seal epoch-1 records with this session's keys.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/dtls/handshake_header.hpp"
#include "keyway/dtls/record.hpp"
#include "keyway/lib/rng.hpp"

namespace keyway::dtls {
// Test-only access to an endpoint's epoch-1 write keys, to seal records the
// public API never produces.
struct EndpointAccess {
  static std::vector<uint8_t> seal(Endpoint& ep, ContentType type, Bytes payload, uint64_t seq, uint16_t epoch = 1) {
    std::vector<uint8_t> out(payload.size() + kMaxRecordOverhead);
    ByteWriter w(out);
    ep.write_.cipher.seal(w, type, epoch, seq, payload);
    out.resize(w.size());
    return out;
  }
};
}  // namespace keyway::dtls

namespace keyway::test {

constexpr int64_t kScriptUnixNow = 1790000000;

struct Identities {
  dtls::Identity client;
  dtls::Identity server;
  Identities() {
    SeededRng rng(99);
    REQUIRE(client.generate(rng, "client", kScriptUnixNow).ok());
    REQUIRE(server.generate(rng, "server", kScriptUnixNow).ok());
  }
};

inline std::vector<uint8_t> plain_record(dtls::ContentType type, uint16_t epoch, uint64_t seq, Bytes payload) {
  std::vector<uint8_t> out(payload.size() + dtls::kRecordHeaderSize);
  ByteWriter w(out);
  dtls::write_plain_record(w, type, dtls::kVersionDtls12, seq, payload);
  out[3] = static_cast<uint8_t>(epoch >> 8);
  out[4] = static_cast<uint8_t>(epoch);
  return out;
}

// Handshake header + unfragmented body.
inline std::vector<uint8_t> handshake_message(uint8_t type, uint16_t msg_seq, Bytes body) {
  std::vector<uint8_t> out(body.size() + dtls::kHandshakeHeaderSize);
  ByteWriter w(out);
  auto len = static_cast<uint32_t>(body.size());
  dtls::write_handshake_header(w, type, len, msg_seq, 0, len);
  w.write_bytes(body);
  return out;
}

// One record as the script captured it.
struct Captured {
  std::vector<uint8_t> datagram;  // the record alone
  uint8_t content = 0;
  uint16_t epoch = 0;
  uint8_t hs_type = 0xFF;         // epoch-0 handshake records only
  uint16_t msg_seq = 0;
  std::vector<uint8_t> body;      // epoch-0 handshake body
};

class Script {
 public:
  // The handshake's deliveries in order: {to (0 client, 1 server), index}.
  //  S<-CH | C<-SH,Cert,SKE,CR,SHD | S<-Cert,CKE,CV,CCS,Fin | C<-CCS,Fin
  static constexpr int kSteps = 13;

  Script(Identities& ids, bool require_client_cert = true) : client_rng_(11), server_rng_(22) {
    dtls::Config c, s;
    c.role = dtls::Role::client;
    c.identity = &ids.client;
    c.rng = &client_rng_;
    c.mtu = 1500;
    s.role = dtls::Role::server;
    s.identity = &ids.server;
    s.rng = &server_rng_;
    s.mtu = 1500;
    s.cookie_exchange = false;
    s.require_client_certificate = require_client_cert;
    for (uint16_t p : {uint16_t{0x0007}, uint16_t{0x0001}}) {
      c.srtp_profiles.push(p);
      s.srtp_profiles.push(p);
    }
    ep_[0] = std::make_unique<dtls::Endpoint>(c);
    ep_[1] = std::make_unique<dtls::Endpoint>(s);
    collect(0);
  }

  dtls::Endpoint& client() { return *ep_[0]; }
  dtls::Endpoint& server() { return *ep_[1]; }
  dtls::Endpoint& side(int i) { return *ep_[i]; }
  const std::vector<Captured>& to(int side) const { return queue_[side]; }
  std::vector<dtls::Event>& events(int side) { return events_[side]; }
  int steps_done() const { return done_; }

  // Runs deliveries until `steps` of them are done.
  void advance(int steps) {
    static constexpr int kTo[kSteps] = {1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0};
    while (done_ < steps && done_ < kSteps) {
      int to = kTo[done_];
      std::size_t& next = next_[to];
      if (next >= queue_[to].size()) return;  // the receiver stalled: callers check states
      deliver(to, queue_[to][next++].datagram);
      ++done_;
    }
  }

  // Delivers a datagram and collects what the receiver sends and reports.
  // Returns the number of datagrams it sent.
  // The endpoint decrypts in place: it gets a copy, alive until the next delivery.
  std::size_t deliver(int to, const std::vector<uint8_t>& datagram) {
    ep_[to]->handle_datagram(now_, copy_in(datagram));
    return collect(to);
  }
  // Same, but what the receiver sends in reaction is kept apart (so the
  // script's own records stay aligned).
  std::vector<std::vector<uint8_t>> deliver_foreign(int to, const std::vector<uint8_t>& datagram) {
    ep_[to]->handle_datagram(now_, copy_in(datagram));
    std::vector<std::vector<uint8_t>> sent;
    poll(to, &sent);
    return sent;
  }

 private:
  // The datagram being delivered (decrypted in place); sized once, so that
  // delivering allocates nothing (the flood tests count allocations).
  std::vector<uint8_t> rx_ = std::vector<uint8_t>(1 << 17);
  MutableBytes copy_in(const std::vector<uint8_t>& datagram) {
    REQUIRE(datagram.size() <= rx_.size());
    std::copy(datagram.begin(), datagram.end(), rx_.begin());
    return MutableBytes(rx_.data(), datagram.size());
  }
  std::size_t collect(int from) { return poll(from, nullptr); }

  std::size_t poll(int from, std::vector<std::vector<uint8_t>>* aside) {
    uint8_t scratch[2048];
    std::size_t sent = 0;
    for (int guard = 0; guard < 100; ++guard) {
      dtls::Output out = ep_[from]->poll_output(now_, scratch);
      if (out.kind == dtls::Output::Kind::timeout) break;
      if (out.kind == dtls::Output::Kind::event) {
        events_[from].push_back(out.event);
        continue;
      }
      ++sent;
      std::vector<uint8_t> d(out.transmit.begin(), out.transmit.end());
      if (aside) aside->push_back(d);
      else split(1 - from, d);
    }
    return sent;
  }

  // One Captured per record (per fragment for plaintext handshake records).
  void split(int to, const std::vector<uint8_t>& datagram) {
    ByteReader r(datagram);
    while (!r.at_end()) {
      const uint8_t* start = r.position();
      auto rec = dtls::read_record(r);
      REQUIRE(rec.ok());
      Captured c;
      c.datagram.assign(start, r.position());
      c.content = rec->type;
      c.epoch = rec->epoch;
      if (rec->type == static_cast<uint8_t>(dtls::ContentType::handshake) && rec->epoch == 0) {
        ByteReader hr(rec->fragment);
        auto f = dtls::read_handshake_fragment(hr);
        REQUIRE(f.ok());
        REQUIRE(hr.at_end());                    // one message per record at this MTU
        REQUIRE(f->body.size() == f->length);    // unfragmented
        c.hs_type = f->type;
        c.msg_seq = f->msg_seq;
        c.body.assign(f->body.begin(), f->body.end());
      }
      queue_[to].push_back(std::move(c));
    }
  }

  SeededRng client_rng_;
  SeededRng server_rng_;
  std::unique_ptr<dtls::Endpoint> ep_[2];
  std::vector<Captured> queue_[2];
  std::size_t next_[2] = {0, 0};
  std::vector<dtls::Event> events_[2];
  int done_ = 0;
  Timestamp now_ = Timestamp::from_micros(1000000);
};

}  // namespace keyway::test
