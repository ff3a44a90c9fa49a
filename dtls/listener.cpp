// SPDX-License-Identifier: Apache-2.0
// Listener: stateless cookies, then one server Endpoint per verified peer
// address in a fixed table (RFC 6347 §4.2.1; for DTLS 1.3 RFC 9147 §5.1).
#include "keyway/dtls/listener.hpp"

#include <cstring>
#include <new>

#include "keyway/dtls/handshake_header.hpp"
#include "keyway/dtls/hello_verify.hpp"
#include "keyway/dtls/record.hpp"
#include "keyway/dtls/v13/retry.hpp"

namespace keyway::dtls {

struct Listener::Slot {
  bool used = false;
  uint64_t order = 0;  // creation order: the smallest pending one is the oldest
  uint8_t address[kMaxAddress] = {};
  std::size_t address_len = 0;
  uint8_t random[kRandomSize] = {};  // of the hello that created it (cookies on)
  alignas(Endpoint) unsigned char storage[sizeof(Endpoint)];
  Endpoint& ep() { return *std::launder(reinterpret_cast<Endpoint*>(storage)); }
  const Endpoint& ep() const { return *std::launder(reinterpret_cast<const Endpoint*>(storage)); }
};

Listener::Listener(const ListenerConfig& config) : config_(config) {
  capacity_ = config_.capacity == 0 ? 1 : config_.capacity;
  if (config_.max_pending == 0) config_.max_pending = 1;
  if (config_.max_pending > capacity_) config_.max_pending = capacity_;
  slots_ = new Slot[capacity_];  // the only allocation, once
  if (config_.cookie_exchange && config_.server.rng) cookies_.init(*config_.server.rng, config_.cookie_secret_period);
  if (config_.cookie_exchange) (void)hellos_.init(config_.hello_reassembly_slots, config_.max_fragmented_hello);
}

Listener::~Listener() {
  for (std::size_t i = 0; i < capacity_; ++i) remove(i);
  delete[] slots_;
}

Endpoint* Listener::endpoint_at(std::size_t i) {
  return i < capacity_ && slots_[i].used ? &slots_[i].ep() : nullptr;
}

Bytes Listener::address_at(std::size_t i) const {
  return i < capacity_ && slots_[i].used ? Bytes(slots_[i].address, slots_[i].address_len) : Bytes{};
}

void Listener::remove(std::size_t i) {
  if (i >= capacity_ || !slots_[i].used) return;
  slots_[i].ep().~Endpoint();
  slots_[i].used = false;
}

bool Listener::ended(const Slot& s) {
  if (!s.used) return false;
  HandshakeState st = s.ep().state();
  return st == HandshakeState::failed || st == HandshakeState::closed;
}

bool Listener::is_pending(const Slot& s) {
  if (!s.used) return false;
  HandshakeState st = s.ep().state();
  return st != HandshakeState::established && st != HandshakeState::failed && st != HandshakeState::closed;
}

std::size_t Listener::active() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < capacity_; ++i) n += slots_[i].used ? 1 : 0;
  return n;
}

std::size_t Listener::pending() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < capacity_; ++i) n += is_pending(slots_[i]) ? 1 : 0;
  return n;
}

std::size_t Listener::table_bytes() const { return capacity_ * sizeof(Slot); }

Listener::Slot* Listener::find(Bytes from) {
  for (std::size_t i = 0; i < capacity_; ++i) {
    Slot& s = slots_[i];
    if (s.used && s.address_len == from.size() && std::memcmp(s.address, from.data(), from.size()) == 0) return &s;
  }
  return nullptr;
}

Listener::Slot* Listener::make_room() {
  // RFC 6347 §4.2.1 (denial of service): bound the handshakes in progress;
  // the oldest pending one makes way for the new peer.
  if (pending() >= config_.max_pending) {
    std::size_t oldest = capacity_;
    for (std::size_t i = 0; i < capacity_; ++i)
      if (is_pending(slots_[i]) && (oldest == capacity_ || slots_[i].order < slots_[oldest].order)) oldest = i;
    remove(oldest);
    ++stats_.pending_dropped;
  }
  for (std::size_t i = 0; i < capacity_; ++i)
    if (!slots_[i].used) return &slots_[i];
  // Reuse a slot whose association ended.
  for (std::size_t i = 0; i < capacity_; ++i) {
    if (ended(slots_[i])) {
      remove(i);
      return &slots_[i];
    }
  }
  return nullptr;  // full of established associations
}

Dispatch Listener::handle_datagram(Timestamp now, Bytes from, MutableBytes datagram, MutableBytes scratch) {
  ++stats_.datagrams;
  if (config_.cookie_exchange) {
    cookies_.rotate(now);  // RFC 6347 §4.2.1: the secret changes periodically
    stats_.cookie_secret_changes = cookies_.rotations();
  }
  Slot* s = find(from);
  if (s != nullptr && ended(*s)) {  // a new hello may start over from this address
    remove(static_cast<std::size_t>(s - slots_));
    s = nullptr;
  }
  ByteReader r(datagram);
  auto rec = read_record(r);
  ByteReader hr(rec.ok() ? rec->fragment : Bytes{});
  auto f = read_handshake_fragment(hr);
  bool hello = rec.ok() && rec->epoch == 0 && rec->type == static_cast<uint8_t>(ContentType::handshake) && f.ok() &&
               f->type == static_cast<uint8_t>(HandshakeType::client_hello);
  // RFC 6347 §4.2.8: a ClientHello to an established association may start a
  // new one, which replaces it only once the peer returned a valid cookie.
  bool restart = s != nullptr && s->ep().is_established() && hello && config_.cookie_exchange;
  if (s != nullptr && !restart) {
    s->ep().handle_datagram(now, datagram);
    return Dispatch{Dispatch::Kind::endpoint, {}, &s->ep()};
  }
  // Only an initial ClientHello may create anything.
  if (from.size() > kMaxAddress || !hello) {
    ++stats_.dropped;
    return Dispatch{};
  }
  if (!config_.cookie_exchange) return create(now, from, datagram, Bytes{});
  // A cookie can only be made or checked on a whole hello: fragments wait
  // in the pool (dtls/hello_pool.hpp).
  if (f->frag_offset != 0 || f->body.size() != f->length)
    return hello_fragment(now, *rec, *f, from, datagram.size(), scratch, restart ? s : nullptr);
  return whole_hello(now, *rec, *f, from, datagram, scratch, restart ? s : nullptr, datagram.size());
}

// A fragment of a ClientHello: held until the hello is whole, which then
// goes on as if it had come in one record (RFC 9147 §5.5).
Dispatch Listener::hello_fragment(Timestamp now, const Record& rec, const HandshakeFragment& f, Bytes from,
                                  std::size_t datagram_size, MutableBytes scratch, Slot* restart) {
  HelloPool::Added a = hellos_.add(from, rec.seq, f, datagram_size);
  stats_.hellos_evicted += a.evicted ? 1 : 0;
  if (a.held) ++stats_.hello_fragments_held;
  if (a.record.empty()) {
    if (!a.held) ++stats_.dropped;
    return Dispatch{};
  }
  ++stats_.hellos_reassembled;
  ByteReader r(a.record);
  auto whole = read_record(r);
  ByteReader hr(whole.ok() ? whole->fragment : Bytes{});
  auto wf = read_handshake_fragment(hr);
  if (!whole.ok() || !wf.ok()) {
    ++stats_.dropped;
    return Dispatch{};
  }
  return whole_hello(now, *whole, *wf, from, a.record, scratch, restart, a.datagram_bytes);
}

// A whole ClientHello (`received`: the bytes of the datagrams it came in).
Dispatch Listener::whole_hello(Timestamp now, const Record& rec, const HandshakeFragment& f, Bytes from,
                               MutableBytes datagram, MutableBytes scratch, Slot* restart, std::size_t received) {
  auto ch = parse_client_hello(f.body);
  // A late copy of the hello that made the association is not a new one.
  if (!ch.ok() || (restart && std::memcmp(restart->random, ch->random.data(), sizeof restart->random) == 0)) {
    ++stats_.dropped;
    return Dispatch{};
  }
  if (profile::kDtls13 && config_.server.offer_dtls13) {
    Dispatch d = hello13(now, rec, f, from, datagram, scratch, restart, received);
    if (d.kind != Dispatch::Kind::endpoint || d.endpoint != nullptr) return d;
  }
  if (!cookie12_valid(from, *ch)) {
    if (!ch->cookie.empty()) ++stats_.bad_cookies;
    return hello_verify(rec, from, *ch, scratch);
  }
  if (restart) remove(static_cast<std::size_t>(restart - slots_));
  return create(now, from, datagram, ch->random);
}

// RFC 6347 §4.2.1: a cookie of the current secret or of the previous one.
bool Listener::cookie12_valid(Bytes from, const ClientHello& ch) const {
  for (std::size_t i = 0; cookies_.accepted(i) != nullptr; ++i)
    if (cookies_.accepted(i)->check(from, ch.random, ch.session_id, ch.cipher_suites, ch.cookie)) return true;
  return false;
}

Dispatch Listener::hello_verify(const Record& rec, Bytes from, const ClientHello& ch, MutableBytes scratch) {
  ByteWriter w(scratch);
  write_hello_verify_record(w, cookies_.current(), from, ch, rec.seq);  // hello_verify.hpp
  if (w.failed()) {
    ++stats_.dropped;
    return Dispatch{};
  }
  ++stats_.hello_verify_sent;
  return Dispatch{Dispatch::Kind::hello_verify, w.written(), nullptr};
}

// RFC 9147 §5.1: the 1.3 cookie travels in a HelloRetryRequest. A cookie
// that does not verify (forged, another address's, another key's) is
// dropped: answering it would let anyone make us send.
Dispatch Listener::hello13(Timestamp now, const Record& rec, const HandshakeFragment& f, Bytes from,
                           MutableBytes datagram, MutableBytes scratch, Slot* restart, std::size_t received) {
  auto ch = v13::parse_client_hello(f.body);
  if (!ch.ok() || !ch->has_versions || !ch->versions.dtls13) return Dispatch{Dispatch::Kind::endpoint, {}, nullptr};
  if (ch->has_retry_cookie) {
    // The current secret's or the previous one's (RFC 9147 §5.1); the
    // Endpoint reads the cookie again with the same jar.
    v13::RetryCookie c;
    const CookieJar* jar = nullptr;
    for (std::size_t i = 0; f.msg_seq == 1 && jar == nullptr && cookies_.accepted(i) != nullptr; ++i)
      if (v13::open_retry_cookie(*cookies_.accepted(i), from, ch->retry_cookie, c)) jar = cookies_.accepted(i);
    if (jar == nullptr) {
      ++stats_.bad_cookies;
      ++stats_.dropped;
      return Dispatch{};
    }
    if (restart != nullptr) remove(static_cast<std::size_t>(restart - slots_));
    return create(now, from, datagram, ch->random, jar);
  }
  ByteWriter w(scratch);
  if (!v13::write_stateless_retry_record(w, cookies_.current(), from, f.body, *ch, config_.server.groups, rec.seq))
    return Dispatch{Dispatch::Kind::endpoint, {}, nullptr};  // no 1.3 suite or group: a 1.2 hello
  // An unauthenticated hello never draws a larger reply (amplification):
  // all its datagrams together, when it came in several.
  if (w.size() > received) {
    ++stats_.dropped;
    return Dispatch{};
  }
  ++stats_.hello_retry_sent;
  return Dispatch{Dispatch::Kind::hello_verify, w.written(), nullptr};
}

Dispatch Listener::create(Timestamp now, Bytes from, MutableBytes datagram, Bytes random, const CookieJar* jar) {
  Slot* s = make_room();
  if (s == nullptr) {
    ++stats_.dropped;
    return Dispatch{};
  }
  std::memcpy(s->address, from.data(), from.size());
  s->address_len = from.size();
  s->order = ++created_order_;
  std::memset(s->random, 0, sizeof s->random);
  if (random.size() == sizeof s->random) std::memcpy(s->random, random.data(), sizeof s->random);
  Config c = config_.server;
  c.role = Role::server;
  c.cookie_exchange = false;  // the Listener verified the address already
  c.retry_cookies = config_.cookie_exchange ? (jar ? jar : &cookies_.current()) : nullptr;  // a 1.3 ClientHello2 brings its cookie
  c.peer_address = Bytes(s->address, s->address_len);
  new (s->storage) Endpoint(c);
  s->used = true;
  ++stats_.endpoints_created;
  s->ep().handle_datagram(now, datagram);
  return Dispatch{Dispatch::Kind::endpoint, {}, &s->ep()};
}

}  // namespace keyway::dtls
