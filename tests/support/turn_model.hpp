// SPDX-License-Identifier: Apache-2.0
// A small TURN server model (RFC 8656) for tests in virtual time: long-term
// credentials with 401/438, Allocate/Refresh/CreatePermission/ChannelBind,
// Send indications and ChannelData towards peers (recorded), Data
// indications and ChannelData from peers (built on demand). It answers
// whatever it gets at once; the test decides what is lost. Not a server:
// one client, no expiry enforcement beyond counting, heap freely.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "keyway/ice/stun/builder.hpp"
#include "keyway/ice/stun/message.hpp"
#include "keyway/ice/turn/channel_data.hpp"
#include "keyway/lib/crypto/sha.hpp"

namespace keyway::test {

class TurnModel {
 public:
  SocketAddr addr = SocketAddr::v4(127, 0, 0, 1, 3478);
  SocketAddr relayed = SocketAddr::v4(127, 0, 0, 1, 49152);
  std::string realm = "keyway.test";
  std::string nonce = "nonce-1";
  std::string user = "alice";
  std::string pass = "s3cret";
  uint32_t lifetime = 600;
  bool offer_sha256 = false;         // nonce cookie + PASSWORD-ALGORITHMS {SHA-256, MD5}
  uint16_t allocate_error = 0;       // answer an authenticated Allocate with this code
  uint16_t permission_error = 0;     // answer CreatePermission with this code
  int stale_next = 0;                // answer this many authenticated requests with 438 + a new nonce
  bool check_integrity = true;

  // What it saw.
  int allocates = 0, refreshes = 0, permissions = 0, channel_binds = 0, stale_sent = 0;
  bool deallocated = false;
  bool saw_sha256 = false;
  std::vector<uint32_t> requested_lifetimes;
  std::map<uint16_t, SocketAddr> channels;
  std::vector<std::pair<SocketAddr, std::vector<uint8_t>>> to_peers;  // relayed data, in order
  int send_indications = 0, channel_data = 0;

  // The response to one datagram from the client (empty: none).
  std::vector<uint8_t> handle(Bytes in, const SocketAddr& client) {
    if (ice::turn::looks_like_channel_data(in)) {
      auto cd = ice::turn::parse_channel_data(in);
      if (cd.ok() && channels.count(cd->channel)) {
        ++channel_data;
        to_peers.emplace_back(channels[cd->channel], std::vector<uint8_t>(cd->data.begin(), cd->data.end()));
      }
      return {};
    }
    auto m = ice::stun::Message::parse(in);
    if (!m.ok()) return {};
    if (m->message_class() == ice::stun::Class::indication && m->method() == ice::stun::kMethodSend) {
      auto peer = m->xor_address(ice::stun::attr::kXorPeerAddress);
      const auto* data = m->find(ice::stun::attr::kData);
      if (peer.ok() && data != nullptr) {
        ++send_indications;
        to_peers.emplace_back(*peer, std::vector<uint8_t>(data->value.begin(), data->value.end()));
      }
      return {};
    }
    if (m->message_class() != ice::stun::Class::request) return {};
    return answer(*m, client);
  }

  // Relayed data from a peer, as the server sends it to the client.
  std::vector<uint8_t> data_indication(const SocketAddr& peer, Bytes data) {
    std::vector<uint8_t> out(data.size() + 64);
    ice::stun::TransactionId id{};
    id.bytes[0] = 7;
    ice::stun::Builder b(out, ice::stun::message_type(ice::stun::kMethodData, ice::stun::Class::indication), id);
    b.add_xor_address(ice::stun::attr::kXorPeerAddress, peer);
    b.add_bytes(ice::stun::attr::kData, data);
    out.resize(b.finish()->size());
    return out;
  }
  std::vector<uint8_t> channel_data_from(const SocketAddr& peer, Bytes data, bool pad = false) {
    for (auto& [ch, p] : channels) {
      if (!(p == peer)) continue;
      std::vector<uint8_t> out(data.size() + 8);
      auto w = ice::turn::write_channel_data(out, ch, data, pad);
      out.resize(w->size());
      return out;
    }
    return {};
  }

  std::vector<uint8_t> key() const {
    std::string material = user + ":" + realm + ":" + pass;
    std::vector<uint8_t> k(offer_sha256 ? 32 : 16);
    auto in = Bytes(reinterpret_cast<const uint8_t*>(material.data()), material.size());
    if (offer_sha256) crypto::hash(crypto::HashAlg::sha256, in, k);
    else crypto::md5(in, k.data());
    return k;
  }

 private:
  std::string current_nonce() const {
    return offer_sha256 ? "obMatJos2gAAA" + nonce : nonce;  // 'g' = 100000b: bit 0 "Password algorithms"
  }

  std::vector<uint8_t> error(const ice::stun::Message& m, uint16_t code, bool challenge) {
    std::vector<uint8_t> out(512);
    ice::stun::Builder b(out, ice::stun::message_type(m.method(), ice::stun::Class::error), m.transaction_id());
    b.add_error_code(code, "model");
    if (challenge) {
      b.add_text(ice::stun::attr::kRealm, realm);
      b.add_text(ice::stun::attr::kNonce, current_nonce());
      if (offer_sha256) {
        const uint8_t algs[] = {0, 2, 0, 0, 0, 1, 0, 0};  // SHA-256, MD5 (RFC 8489 §14.11)
        b.add_bytes(ice::stun::attr::kPasswordAlgorithms, Bytes(algs, sizeof algs));
      }
    }
    b.add_fingerprint();
    out.resize(b.finish()->size());
    return out;
  }

  bool authenticated(const ice::stun::Message& m) {
    auto u = m.text(ice::stun::attr::kUsername);
    auto n = m.text(ice::stun::attr::kNonce);
    if (!u.ok() || !n.ok() || std::string(*u) != user) return false;
    if (std::string(*n) != current_nonce()) return false;
    if (!check_integrity) return true;
    auto k = key();
    if (offer_sha256) {
      saw_sha256 = m.has(ice::stun::attr::kMessageIntegritySha256) && m.has(ice::stun::attr::kPasswordAlgorithm);
      return m.verify_integrity_sha256(crypto::HmacSha256(k)).ok();
    }
    return m.verify_integrity(crypto::HmacSha1(k)).ok();
  }

  std::vector<uint8_t> success(const ice::stun::Message& m, const SocketAddr& client, bool with_lifetime,
                               uint32_t life) {
    std::vector<uint8_t> out(512);
    ice::stun::Builder b(out, ice::stun::message_type(m.method(), ice::stun::Class::success), m.transaction_id());
    if (m.method() == ice::stun::kMethodAllocate) {
      b.add_xor_address(ice::stun::attr::kXorRelayedAddress, relayed);
      b.add_xor_address(ice::stun::attr::kXorMappedAddress, client);
    }
    if (with_lifetime) b.add_u32(ice::stun::attr::kLifetime, life);
    auto k = key();
    if (offer_sha256) b.add_message_integrity_sha256(crypto::HmacSha256(k));
    else b.add_message_integrity(crypto::HmacSha1(k));
    b.add_fingerprint();
    out.resize(b.finish()->size());
    return out;
  }

  std::vector<uint8_t> answer(const ice::stun::Message& m, const SocketAddr& client) {
    if (!m.has(ice::stun::attr::kMessageIntegrity) && !m.has(ice::stun::attr::kMessageIntegritySha256))
      return error(m, 401, true);
    if (!authenticated(m)) return error(m, 401, true);
    if (stale_next > 0) {
      --stale_next;
      ++stale_sent;
      nonce += "x";
      return error(m, 438, true);
    }
    switch (m.method()) {
      case ice::stun::kMethodAllocate: {
        if (allocate_error != 0) return error(m, allocate_error, false);
        ++allocates;
        auto life = m.u32(ice::stun::attr::kLifetime);
        if (life.ok()) requested_lifetimes.push_back(*life);
        return success(m, client, true, lifetime);
      }
      case ice::stun::kMethodRefresh: {
        auto life = m.u32(ice::stun::attr::kLifetime);
        if (life.ok() && *life == 0) {
          deallocated = true;
          return success(m, client, true, 0);
        }
        ++refreshes;
        return success(m, client, true, lifetime);
      }
      case ice::stun::kMethodCreatePermission:
        if (permission_error != 0) return error(m, permission_error, false);
        ++permissions;
        return success(m, client, false, 0);
      case ice::stun::kMethodChannelBind: {
        auto ch = m.u32(ice::stun::attr::kChannelNumber);
        auto peer = m.xor_address(ice::stun::attr::kXorPeerAddress);
        if (!ch.ok() || !peer.ok()) return error(m, 400, false);
        channels[static_cast<uint16_t>(*ch >> 16)] = *peer;
        ++channel_binds;
        return success(m, client, false, 0);
      }
      default:
        return error(m, 400, false);
    }
  }
};

}  // namespace keyway::test
