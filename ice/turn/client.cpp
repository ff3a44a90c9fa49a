// SPDX-License-Identifier: Apache-2.0
// The TURN client's life cycle: start, peers, timers, output and wrapping
// of relayed data. Requests are built in client_requests.cpp, responses and
// relayed data are read in client_responses.cpp.
#include "keyway/ice/turn/client.hpp"

#include "keyway/ice/turn/channel_data.hpp"

namespace keyway::ice::turn {
namespace {
constexpr Error err(Code code, const char* detail) { return make_error(Layer::ice, code, detail); }
constexpr Error kTooManyPeers = err(Code::capacity, "turn: more peers than the client holds (8)");
constexpr Error kNotAllocated = err(Code::bad_state, "turn: no allocation (yet) to relay through");
constexpr Error kNoPermission = err(Code::bad_state, "turn: no permission for this peer yet (RFC 8656 §9)");
constexpr Error kNotIdle = err(Code::bad_state, "turn: start() called twice, or on an unconfigured client");
constexpr Error kTimeout = err(Code::timeout, "turn: the server did not answer (RFC 8489 §6.2.1: 7 transmissions, 39.5 s)");
constexpr Error kPeerTimeout = err(Code::timeout, "turn: CreatePermission/ChannelBind got no answer (RFC 8489 §6.2.1)");
constexpr Error kNoRoom = err(Code::buffer_too_small, "turn: Send indication does not fit in the buffer");
}  // namespace

Client::Client() = default;

Client::Client(const ClientConfig& config, Rng& rng) : Client() {
  config_ = config;
  rng_ = &rng;
  config_status_ = credentials_.set_user(config.username, config.password);
  config_.username = config_.password = {};  // copied; the caller's strings need not outlive this
  if (config_.transport == Transport::tcp) config_.retransmit.reliable = true;
}

Status Client::start(Timestamp now) {
  clamp_time(now_, now);
  TRY(config_status_);
  ENSURE(rng_ != nullptr && state_ == State::idle, kNotIdle);
  state_ = State::allocating;
  request_ = Request::allocate;
  allocation_.start(now_, *rng_);
  allocation_.challenges = 0;
  return ok_status();
}

Client::Peer* Client::find_peer(const SocketAddr& addr) {
  for (Peer& p : peers_)
    if (p.used && p.addr == addr) return &p;
  return nullptr;
}

const Client::Peer* Client::find_peer(const SocketAddr& addr) const {
  for (const Peer& p : peers_)
    if (p.used && p.addr == addr) return &p;
  return nullptr;
}

Status Client::add_peer(Timestamp now, const SocketAddr& peer) {
  clamp_time(now_, now);
  if (find_peer(peer) != nullptr) return ok_status();
  for (Peer& p : peers_) {
    if (p.used) continue;
    p = Peer{};
    p.used = true;
    p.addr = peer;
    // A channel number stays with its peer; a new peer gets a new number
    // (RFC 8656 §12: a channel cannot move to another peer for 10 minutes).
    p.channel = next_channel_;
    next_channel_ = next_channel_ == kMaxChannel ? kMinChannel : static_cast<uint16_t>(next_channel_ + 1);
    if (state_ == State::allocated) {
      p.permission.start(now_, *rng_);
      p.permission.challenges = 0;
    }
    return ok_status();
  }
  return kTooManyPeers;
}

void Client::start_peer_permissions(Timestamp now) {
  for (Peer& p : peers_) {
    if (!p.used || p.permission.active() || p.permitted) continue;
    p.permission.start(now, *rng_);
    p.permission.challenges = 0;
  }
}

bool Client::can_send_to(const SocketAddr& peer) const {
  const Peer* p = find_peer(peer);
  return state_ == State::allocated && p != nullptr && p->permitted;
}

void Client::close(Timestamp now) {
  clamp_time(now_, now);
  for (Peer& p : peers_) {
    p.permission.stop();
    p.bind.stop();
    p.permission_refresh_at = p.channel_refresh_at = Timestamp::never();
  }
  refresh_at_ = Timestamp::never();
  if (state_ == State::allocated) {
    state_ = State::closing;
    request_ = Request::deallocate;
    allocation_.start(now_, *rng_);
    allocation_.challenges = 0;
    return;
  }
  if (state_ == State::closing || state_ == State::closed || state_ == State::failed) return;
  allocation_.stop();
  state_ = State::closed;
  emit(Event{.kind = Event::Kind::closed});
}

void Client::fail(const Error& e) {
  state_ = State::failed;
  allocation_.stop();
  refresh_at_ = Timestamp::never();
  for (Peer& p : peers_) p = Peer{};
  emit(Event{.kind = Event::Kind::failed, .error = e});
}

void Client::emit(const Event& e) { (void)events_.push(e); }

void Client::handle_timeout(Timestamp now) {
  clamp_time(now_, now);
  if (allocation_.expired(now_)) {
    if (request_ == Request::deallocate) {
      allocation_.stop();
      state_ = State::closed;
      emit(Event{.kind = Event::Kind::closed});
    } else {
      fail(kTimeout);
    }
    return;
  }
  if (state_ != State::allocated) return;
  if (refresh_at_ <= now_ && !allocation_.active()) {  // RFC 8656 §8: refresh before expiry
    request_ = Request::refresh;
    refresh_at_ = Timestamp::never();
    allocation_.start(now_, *rng_);
    allocation_.challenges = 0;
  }
  for (Peer& p : peers_) {
    if (!p.used) continue;
    if (p.permission.expired(now_) || p.bind.expired(now_)) {
      emit(Event{.kind = Event::Kind::peer_failed, .peer = p.addr, .channel = p.channel, .error = kPeerTimeout});
      p = Peer{};
      continue;
    }
    if (p.permission_refresh_at <= now_ && !p.permission.active()) {  // RFC 8656 §9: before 300 s
      p.permission_refresh_at = Timestamp::never();
      p.permission.start(now_, *rng_);
      p.permission.challenges = 0;
    }
    if (p.channel_refresh_at <= now_ && !p.bind.active()) {  // RFC 8656 §12: before 600 s
      p.channel_refresh_at = Timestamp::never();
      p.bind.start(now_, *rng_);
      p.bind.challenges = 0;
    }
  }
}

Timestamp Client::deadline() const {
  Timestamp d = allocation_.deadline();
  if (state_ == State::allocated && !allocation_.active()) d = earliest(d, refresh_at_);
  for (const Peer& p : peers_) {
    if (!p.used) continue;
    d = earliest(d, p.permission.deadline());
    d = earliest(d, p.bind.deadline());
    if (!p.permission.active()) d = earliest(d, p.permission_refresh_at);
    if (!p.bind.active()) d = earliest(d, p.channel_refresh_at);
  }
  return d;
}

Output Client::poll_output(Timestamp now, MutableBytes scratch) {
  clamp_time(now_, now);
  Output out;
  if (!events_.empty()) {
    out.kind = Output::Kind::event;
    out.event = events_.pop();
    return out;
  }
  auto send = [&](Transaction& t, Result<Bytes> bytes) {
    if (!bytes.ok()) {  // the caller's buffer is too small: nothing goes out, the timer still runs
      t.sent(now_, config_.retransmit);
      return false;
    }
    if (t.transmissions() > 0) ++stats_.retransmissions;
    t.sent(now_, config_.retransmit);
    out.kind = Output::Kind::transmit;
    out.transmit = Transmit{config_.local, config_.server, *bytes};
    return true;
  };
  if (allocation_.due(now_) && send(allocation_, build_allocation_request(scratch))) return out;
  for (Peer& p : peers_) {
    if (!p.used) continue;
    if (p.permission.due(now_) && send(p.permission, build_permission(p, scratch))) return out;
    if (p.bind.due(now_) && send(p.bind, build_channel_bind(p, scratch))) return out;
  }
  out.kind = Output::Kind::timeout;
  out.deadline = deadline();
  return out;
}

Result<Transmit> Client::wrap(Timestamp now, const SocketAddr& peer, Bytes data, MutableBytes out) {
  clamp_time(now_, now);
  ENSURE(state_ == State::allocated, kNotAllocated);
  const Peer* p = find_peer(peer);
  ENSURE(p != nullptr && p->permitted, kNoPermission);
  Transmit t{config_.local, config_.server, {}};
  if (p->bound) {  // RFC 8656 §12.5: 4 bytes of header, padded over TCP
    auto cd = write_channel_data(out, p->channel, data, config_.transport == Transport::tcp);
    TRY(cd);
    t.bytes = *cd;
  } else {  // RFC 8656 §11.1: a Send indication, no integrity
    stun::TransactionId id;
    rng_->fill(id.bytes);
    stun::Builder b(out, stun::message_type(stun::kMethodSend, stun::Class::indication), id);
    b.add_xor_address(stun::attr::kXorPeerAddress, peer);
    b.add_bytes(stun::attr::kData, data);
    auto bytes = b.finish();
    ENSURE(bytes.ok(), kNoRoom);
    t.bytes = *bytes;
  }
  stats_.relayed_bytes_sent += data.size();
  return t;
}

}  // namespace keyway::ice::turn
