// SPDX-License-Identifier: Apache-2.0
// What the TURN client reads from its server: responses to its requests
// (matched by transaction id), Data indications and ChannelData. Only the
// server's address is listened to; a response must carry integrity that
// verifies under the long-term key once credentials are in use (RFC 8489
// §9.2.5), bar the 401/438 challenges that cannot.
#include "keyway/ice/turn/client.hpp"

#include "keyway/ice/turn/channel_data.hpp"

namespace keyway::ice::turn {
namespace {
constexpr Error err(Code code, const char* detail) { return make_error(Layer::ice, code, detail); }
constexpr Error kNoRelayed = err(Code::malformed, "turn: Allocate success without a valid XOR-RELAYED-ADDRESS");
constexpr Error kRefused = err(Code::auth_failed,
                               "turn: 401 Unauthorized: the server refused the username or password (RFC 8489 §9.2)");
constexpr uint8_t kMaxChallenges = 3;

Received discarded() { return Received{Verdict::discarded, {}, {}}; }
}  // namespace

Error error_for_code(uint16_t code) {
  switch (code) {
    case 300: return err(Code::unsupported, "turn: 300 Try Alternate (redirection is not supported)");
    case 400: return err(Code::malformed, "turn: 400 Bad Request");
    case 401: return kRefused;
    case 403: return err(Code::auth_failed, "turn: 403 Forbidden");
    case 420: return err(Code::unsupported, "turn: 420 Unknown Attribute");
    case 437: return err(Code::bad_state, "turn: 437 Allocation Mismatch");
    case 438: return err(Code::auth_failed, "turn: 438 Stale Nonce (repeatedly)");
    case 440: return err(Code::unsupported, "turn: 440 Address Family not Supported");
    case 441: return err(Code::auth_failed, "turn: 441 Wrong Credentials");
    case 442: return err(Code::unsupported, "turn: 442 Unsupported Transport Protocol");
    case 443: return err(Code::invalid_argument, "turn: 443 Peer Address Family Mismatch");
    case 486: return err(Code::capacity, "turn: 486 Allocation Quota Reached");
    case 500: return err(Code::internal, "turn: 500 Server Error");
    case 508: return err(Code::capacity, "turn: 508 Insufficient Capacity");
    default: return err(Code::handshake_failure, "turn: the server answered with an error code");
  }
}

Received Client::handle_datagram(Timestamp now, Bytes datagram, const SocketAddr& from) {
  clamp_time(now_, now);
  Received r = discarded();
  if (from == config_.server && state_ != State::idle) {
    if (looks_like_channel_data(datagram)) {
      r = handle_channel_data(datagram);
    } else if (stun::Message::looks_like_stun(datagram)) {
      auto m = stun::Message::parse(datagram);
      if (m.ok()) r = handle_stun(now_, *m);
    }
  }
  if (r.verdict == Verdict::discarded) ++stats_.discarded;
  return r;
}

Received Client::handle_channel_data(Bytes datagram) {
  auto cd = parse_channel_data(datagram);
  if (!cd.ok() || state_ != State::allocated) return discarded();
  for (const Peer& p : peers_) {
    // Bound, or our ChannelBind for it went out and its answer has not come
    // back (lost, or behind this packet): the server relays on a channel only
    // once it bound it to the peer we named (RFC 8656 §12.2).
    bool requested = p.bind.active() && p.bind.transmissions() > 0;
    if (!p.used || !(p.bound || requested) || p.channel != cd->channel) continue;
    stats_.relayed_bytes_received += cd->data.size();
    return Received{Verdict::accepted, p.addr, cd->data};
  }
  return discarded();  // RFC 8656 §12.6: a channel nobody asked for
}

// RFC 8656 §11.4: XOR-PEER-ADDRESS and DATA, from a peer we gave permission.
Received Client::handle_data_indication(const stun::Message& m) {
  auto peer = m.xor_address(stun::attr::kXorPeerAddress);
  const stun::Attribute* data = m.find(stun::attr::kData);
  if (state_ != State::allocated || !peer.ok() || data == nullptr) return discarded();
  const Peer* p = find_peer(*peer);
  if (p == nullptr || !p->permitted) return discarded();
  stats_.relayed_bytes_received += data->value.size();
  return Received{Verdict::accepted, p->addr, data->value};
}

Received Client::handle_stun(Timestamp now, const stun::Message& m) {
  stun::Class cls = m.message_class();
  if (cls == stun::Class::indication && m.method() == stun::kMethodData) return handle_data_indication(m);
  if (cls != stun::Class::success && cls != stun::Class::error) return discarded();
  // RFC 8489 §7.3.3: unknown comprehension-required attributes void a response.
  if (m.unknown_required(stun::attr::turn_known_required).count > 0) return discarded();
  if (allocation_.active() && allocation_.transmissions() > 0 && allocation_.id() == m.transaction_id())
    return Received{on_allocation_response(now, m), {}, {}};
  for (Peer& p : peers_) {
    if (!p.used) continue;
    if (p.permission.active() && p.permission.id() == m.transaction_id())
      return Received{on_peer_response(now, p, false, m), {}, {}};
    if (p.bind.active() && p.bind.id() == m.transaction_id()) return Received{on_peer_response(now, p, true, m), {}, {}};
  }
  return discarded();
}

// Integrity: required once credentials are in use; a server that never
// challenged (no credentials configured) is taken at its word.
bool Client::authentic(const stun::Message& m) const {
  if (!credentials_.ready()) return true;
  return credentials_.verify(m).ok();
}

bool Client::retry_with_challenge(Timestamp now, const stun::Message& m, Transaction& t) {
  auto code = m.error_code();
  if (!code.ok() || t.challenges >= kMaxChallenges) return false;
  // §9.2.5: a 401 to a request that already carried credentials means they are wrong.
  if (code->code == stun::error_code::kUnauthorized && credentials_.ready()) return false;
  if (code->code != stun::error_code::kUnauthorized && code->code != stun::error_code::kStaleNonce) return false;
  if (!credentials_.take_challenge(m).ok()) return false;
  if (code->code == stun::error_code::kStaleNonce) ++stats_.stale_nonces;
  uint8_t challenges = t.challenges;
  t.start(now, *rng_);  // §9.2.4: a new transaction, now with credentials
  t.challenges = static_cast<uint8_t>(challenges + 1);
  return true;
}

Verdict Client::on_allocation_response(Timestamp now, const stun::Message& m) {
  uint16_t want = request_ == Request::allocate ? stun::kMethodAllocate : stun::kMethodRefresh;
  if (m.method() != want) return Verdict::discarded;
  if (m.message_class() == stun::Class::error) {
    auto code = m.error_code();
    if (!code.ok()) return Verdict::discarded;
    if (retry_with_challenge(now, m, allocation_)) return Verdict::accepted;
    bool challenge = code->code == stun::error_code::kUnauthorized || code->code == stun::error_code::kStaleNonce;
    // An error that carries integrity must verify; 401/438 cannot carry it.
    if (!challenge && m.has(stun::attr::kMessageIntegrity) && !authentic(m)) return Verdict::discarded;
    if (request_ == Request::deallocate) {  // 437 included: the allocation is gone either way
      allocation_.stop();
      state_ = State::closed;
      emit(Event{.kind = Event::Kind::closed});
      return Verdict::accepted;
    }
    fail(error_for_code(code->code));
    return Verdict::fatal;
  }
  if (!authentic(m)) return Verdict::discarded;
  allocation_.stop();
  auto lifetime_s = m.u32(stun::attr::kLifetime);
  Duration lifetime = lifetime_s.ok() ? Duration::seconds(*lifetime_s) : config_.lifetime;
  Duration margin = config_.refresh_margin < lifetime / 2 ? config_.refresh_margin : lifetime / 2;
  switch (request_) {
    case Request::allocate: {
      auto relayed = m.xor_address(stun::attr::kXorRelayedAddress);
      if (!relayed.ok()) {
        fail(kNoRelayed);
        return Verdict::fatal;
      }
      auto mapped = m.xor_address(stun::attr::kXorMappedAddress);
      relayed_ = *relayed;
      mapped_ = mapped.ok() ? *mapped : SocketAddr{};
      state_ = State::allocated;
      ++stats_.allocations;
      refresh_at_ = now + (lifetime - margin);
      emit(Event{.kind = Event::Kind::allocated, .relayed = relayed_, .mapped = mapped_, .lifetime = lifetime});
      start_peer_permissions(now);
      return Verdict::accepted;
    }
    case Request::refresh:
      ++stats_.refreshes;
      refresh_at_ = now + (lifetime - margin);
      emit(Event{.kind = Event::Kind::refreshed, .lifetime = lifetime});
      return Verdict::accepted;
    case Request::deallocate:
      state_ = State::closed;
      emit(Event{.kind = Event::Kind::closed});
      return Verdict::accepted;
  }
  return Verdict::accepted;
}

Verdict Client::on_peer_response(Timestamp now, Peer& p, bool is_bind, const stun::Message& m) {
  Transaction& t = is_bind ? p.bind : p.permission;
  uint16_t want = is_bind ? stun::kMethodChannelBind : stun::kMethodCreatePermission;
  if (m.method() != want) return Verdict::discarded;
  if (m.message_class() == stun::Class::error) {
    auto code = m.error_code();
    if (!code.ok()) return Verdict::discarded;
    if (retry_with_challenge(now, m, t)) return Verdict::accepted;
    bool challenge = code->code == stun::error_code::kUnauthorized || code->code == stun::error_code::kStaleNonce;
    if (!challenge && m.has(stun::attr::kMessageIntegrity) && !authentic(m)) return Verdict::discarded;
    if (code->code == stun::error_code::kAllocationMismatch) {  // the allocation itself is gone
      fail(error_for_code(code->code));
      return Verdict::fatal;
    }
    emit(Event{.kind = Event::Kind::peer_failed, .peer = p.addr, .channel = p.channel, .error = error_for_code(code->code)});
    p = Peer{};
    return Verdict::accepted;
  }
  if (!authentic(m)) return Verdict::discarded;
  t.stop();
  if (is_bind) {
    p.bound = p.permitted = true;  // RFC 8656 §12.2: a binding installs the permission too
    p.channel_refresh_at = now + config_.channel_refresh;
    ++stats_.channel_binds;
    emit(Event{.kind = Event::Kind::channel_bound, .peer = p.addr, .channel = p.channel});
    return Verdict::accepted;
  }
  p.permitted = true;
  p.permission_refresh_at = now + config_.permission_refresh;
  ++stats_.permissions;
  emit(Event{.kind = Event::Kind::permission_created, .peer = p.addr});
  if (config_.bind_channels && !p.bound && !p.bind.active()) {
    p.bind.start(now, *rng_);
    p.bind.challenges = 0;
  }
  return Verdict::accepted;
}

}  // namespace keyway::ice::turn
