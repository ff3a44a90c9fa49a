// SPDX-License-Identifier: Apache-2.0
#include "tests/support/call_driver.hpp"

#include <algorithm>

namespace keyway::sim {

void CallDriver::add(int node, peer::Connection* conn, const ice::SocketAddr& addr) {
  slots_.push_back(Slot{node, conn, addr, Timestamp::never()});
}

CallDriver::Slot* CallDriver::slot(int node) {
  for (Slot& s : slots_)
    if (s.node == node) return &s;
  return nullptr;
}

CallDriver::Slot* CallDriver::slot_at(const ice::SocketAddr& addr, int except_node) {
  for (Slot& s : slots_)
    if (s.node != except_node && s.addr == addr) return &s;
  return nullptr;
}

Timestamp CallDriver::step(Timestamp now) {
  advance_to(now);
  deliver_due();
  Timestamp next = Timestamp::never();
  for (Slot& s : slots_) {
    s.conn->handle_timeout(now_);
    drain(s);
    if (on_tick) next = earliest(next, on_tick(s.node));
  }
  for (const Slot& s : slots_) next = earliest(next, s.deadline);
  return earliest(next, net_.next_delivery());
}

void CallDriver::deliver_due() {
  while (auto d = net_.receive(now_)) {
    if (on_deliver) on_deliver(*d);
    if (wire) {
      wire(*d);
      continue;
    }
    Slot* from = slot(d->from);
    Slot* to = slot(d->to);
    if (!from || !to) continue;
    std::size_t n = std::min(d->bytes.size(), sizeof rx_buf_);
    std::copy_n(d->bytes.begin(), n, rx_buf_);
    (void)to->conn->handle_datagram(now_, MutableBytes(rx_buf_, n), from->addr, to->addr);
    drain(*to);  // media events point into rx_buf_: consume them now
  }
}

void CallDriver::receive(int node, MutableBytes datagram, const ice::SocketAddr& from) {
  Slot* s = slot(node);
  if (!s) return;
  if (datagram.data() != rx_buf_) {
    std::size_t n = std::min(datagram.size(), sizeof rx_buf_);
    std::copy_n(datagram.begin(), n, rx_buf_);
    datagram = MutableBytes(rx_buf_, n);
  }
  (void)s->conn->handle_datagram(now_, datagram, from, s->addr);
  drain(*s);
}

void CallDriver::transmit(int node, const peer::Transmit& t) {
  if (on_transmit) on_transmit(node, t);
  Slot* to = slot_at(t.to, node);
  if (!to) {
    if (on_unrouted) on_unrouted(node, t);
    return;
  }
  if (drop_sent && drop_sent(node, t.bytes)) return;
  const LinkStats& st = net_.stats(node, to->node);
  uint64_t gone_before = st.lost + st.too_big;
  net_.send(now_, node, to->node, t.bytes.data(), t.bytes.size());
  if (on_sent) on_sent(node, t, st.lost + st.too_big != gone_before);
}

void CallDriver::drain(Slot& s) {
  uint8_t scratch[2048];
  for (int guard = 0; guard < kMaxOutputsPerPoll; ++guard) {
    peer::Output o = s.conn->poll_output(now_, scratch);
    if (o.kind == peer::Output::Kind::timeout) {
      s.deadline = o.deadline;
      return;
    }
    if (o.kind == peer::Output::Kind::transmit) {
      transmit(s.node, o.transmit);
      continue;
    }
    if (on_event) on_event(s.node, o.event);
  }
}

}  // namespace keyway::sim
