// SPDX-License-Identifier: Apache-2.0
#include "keyway/dtls/hello_pool.hpp"

#include <cstring>
#include <new>

#include "keyway/dtls/constants.hpp"
#include "keyway/dtls/record.hpp"
#include "keyway/lib/crypto/ct.hpp"

namespace keyway::dtls {

HelloPool::~HelloPool() {
  delete[] slots_;
  crypto::wipe_and_free(memory_, bytes_);
}

bool HelloPool::init(std::size_t slots, std::size_t max_body) {
  if (slots == 0 || max_body == 0) return false;
  const std::size_t per_slot = Reassembler::footprint(max_body);
  const std::size_t record = kRecordHeaderSize + kHandshakeHeaderSize + max_body;
  slots_ = new (std::nothrow) Slot[slots];
  memory_ = new (std::nothrow) uint8_t[slots * per_slot + record];
  if (slots_ == nullptr || memory_ == nullptr) {
    delete[] slots_;
    delete[] memory_;
    slots_ = nullptr;
    memory_ = nullptr;
    return false;
  }
  count_ = slots;
  max_body_ = max_body;
  bytes_ = slots * per_slot + record;
  for (std::size_t i = 0; i < slots; ++i) slots_[i].reassembler.init(MutableBytes(memory_ + i * per_slot, per_slot), max_body);
  record_ = MutableBytes(memory_ + slots * per_slot, record);
  return true;
}

std::size_t HelloPool::held() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < count_; ++i) n += slots_[i].used ? 1 : 0;
  return n;
}

// The slot of this address's hello: its own (started over if this is
// another hello), a free one, or the oldest one's.
HelloPool::Slot* HelloPool::slot_for(Bytes from, const HandshakeFragment& f, bool& evicted) {
  Slot* free_slot = nullptr;
  Slot* oldest = nullptr;
  Slot* mine = nullptr;
  for (std::size_t i = 0; i < count_; ++i) {
    Slot& s = slots_[i];
    if (!s.used) {
      if (free_slot == nullptr) free_slot = &s;
      continue;
    }
    if (s.address_len == from.size() && std::memcmp(s.address, from.data(), from.size()) == 0) mine = &s;
    if (oldest == nullptr || s.order < oldest->order) oldest = &s;
  }
  if (mine != nullptr && mine->msg_seq == f.msg_seq && mine->length == f.length) return mine;
  Slot* s = mine != nullptr ? mine : free_slot != nullptr ? free_slot : oldest;
  evicted = mine == nullptr && free_slot == nullptr;
  s->used = true;
  s->order = ++order_;
  std::memcpy(s->address, from.data(), from.size());
  s->address_len = from.size();
  s->msg_seq = f.msg_seq;
  s->length = f.length;
  s->datagram_bytes = 0;
  s->reassembler.reset(f.msg_seq);
  return s;
}

HelloPool::Added HelloPool::add(Bytes from, uint64_t record_seq, const HandshakeFragment& f, std::size_t datagram_size) {
  Added out;
  if (count_ == 0 || from.size() > kMaxAddress || f.length > max_body_) return out;
  Slot* s = slot_for(from, f, out.evicted);
  auto added = s->reassembler.add(f);
  if (!added.ok() || *added != Reassembler::Added::stored) {
    s->used = false;  // contradicting fragments: this hello starts over with its next copy
    return out;
  }
  s->datagram_bytes += datagram_size;
  if (!s->reassembler.ready()) {
    out.held = true;
    return out;
  }
  // Whole: one epoch-0 record carrying the hello as one fragment.
  const Bytes body = s->reassembler.ready_body();
  uint8_t header[kHandshakeHeaderSize];
  ByteWriter hw(MutableBytes(header, sizeof header));
  write_handshake_header(hw, f.type, f.length, f.msg_seq, 0, f.length);
  ByteWriter w(record_);
  w.write_u8(static_cast<uint8_t>(ContentType::handshake));
  w.write_u16(kVersionDtls12);
  w.write_u16(0);  // epoch 0
  w.write_u48(record_seq);
  w.write_u16(static_cast<uint16_t>(sizeof header + body.size()));
  w.write_bytes(Bytes(header, sizeof header));
  w.write_bytes(body);
  s->used = false;
  if (w.failed()) return out;
  out.record = MutableBytes(record_.data(), w.size());
  out.datagram_bytes = s->datagram_bytes;
  return out;
}

}  // namespace keyway::dtls
