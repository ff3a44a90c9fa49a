// SPDX-License-Identifier: Apache-2.0
#include "keyway/dtls/reassembler.hpp"

#include <cstring>
#include <new>

#include "keyway/lib/crypto/ct.hpp"

namespace keyway::dtls {

namespace {
constexpr Error kTooBig = make_error(Layer::dtls, Code::capacity, "dtls reassembly: handshake message larger than the configured maximum");
constexpr Error kInconsistent = make_error(Layer::dtls, Code::illegal_parameter, "dtls reassembly: fragments of one message disagree on type or length");
}  // namespace

void Reassembler::init(MutableBytes pool, std::size_t max_message) {
  init_growing(pool, pool.size(), max_message, nullptr, nullptr);
}

void Reassembler::init_growing(MutableBytes pool, std::size_t max_pool, std::size_t max_message, Grow grow, void* owner) {
  pool_ = pool;
  max_pool_ = max_pool < pool.size() ? pool.size() : max_pool;
  grow_ = grow;
  owner_ = owner;
  max_message_ = max_message;
  reset(0);
}

// A larger pool for pool_used_ + need bytes, if the owner can give one.
bool Reassembler::grow_to(std::size_t total) {
  if (grow_ == nullptr || total > max_pool_) return false;
  MutableBytes bigger = grow_(owner_, total);
  if (bigger.size() < total) return false;
  pool_ = bigger;
  return true;
}

void Reassembler::reset(uint16_t next_seq) {
  for (auto& s : slots_) s = Slot{};
  pool_used_ = 0;
  next_seq_ = next_seq;
}

// Moves the buffered messages to the front of the pool, in pool order.
void Reassembler::compact() {
  std::size_t cursor = 0;
  bool moved[kSlots] = {};
  for (std::size_t round = 0; round < kSlots; ++round) {
    Slot* lowest = nullptr;
    std::size_t which = 0;
    for (std::size_t i = 0; i < kSlots; ++i)
      if (slots_[i].used && !moved[i] && (!lowest || slots_[i].offset < lowest->offset)) {
        lowest = &slots_[i];
        which = i;
      }
    if (!lowest) break;
    std::size_t size = footprint(lowest->length);
    if (size != 0) std::memmove(pool_.data() + cursor, pool_.data() + lowest->offset, size);
    lowest->offset = cursor;
    cursor += size;
    moved[which] = true;
  }
  pool_used_ = cursor;
}

// Finds `need` bytes for message `seq`; the next in-order message may evict
// buffered future ones.
bool Reassembler::make_room(std::size_t need, uint16_t seq) {
  if (pool_used_ + need <= pool_.size()) return true;
  compact();
  if (pool_used_ + need <= pool_.size() || grow_to(pool_used_ + need)) return true;
  if (seq != next_seq_) return false;
  for (auto& s : slots_) s.used = false;  // future messages: the peer will resend them
  pool_used_ = 0;
  return need <= pool_.size() || grow_to(need);
}

void Reassembler::copy_in(Slot& s, const HandshakeFragment& f) {
  uint8_t* body = pool_.data() + s.offset;
  uint8_t* bitmap = body + s.length;
  for (std::size_t i = 0; i < f.body.size(); ++i) {
    std::size_t at = f.frag_offset + i;
    uint8_t bit = static_cast<uint8_t>(1u << (at % 8));
    if (bitmap[at / 8] & bit) continue;  // overlap: first copy wins
    bitmap[at / 8] = static_cast<uint8_t>(bitmap[at / 8] | bit);
    body[at] = f.body[i];
    ++s.received;
  }
}

MutableBytes Reassembler::grow_heap_pool(uint8_t*& pool, std::size_t& size, std::size_t at_least, std::size_t max) {
  std::size_t grown = size * 2;
  grown = grown < at_least ? at_least : grown;
  grown = grown > max ? max : grown;
  if (grown < at_least) return {};
  auto* fresh = new (std::nothrow) uint8_t[grown];
  if (fresh == nullptr) return {};
  if (size != 0) std::memcpy(fresh, pool, size);
  crypto::wipe_and_free(pool, size);
  pool = fresh;
  size = grown;
  return MutableBytes(fresh, grown);
}

Result<Reassembler::Added> Reassembler::add(const HandshakeFragment& f) {
  uint16_t delta = static_cast<uint16_t>(f.msg_seq - next_seq_);
  if (delta >= 0x8000) return Added::old;      // before next_seq: a retransmission
  if (delta >= kSlots) return Added::ignored;  // too far ahead to buffer
  ENSURE(f.length <= max_message_ && footprint(f.length) <= max_pool_, kTooBig);
  Slot& s = slots_[index(f.msg_seq)];
  if (s.used && (s.type != f.type || s.length != f.length)) {
    // Unauthenticated, so either may be a damaged copy (a flipped
    // message_seq puts a message in another's slot). A whole message in one
    // fragment replaces what it contradicts, or that slot would be blocked
    // for good; a partial one is refused.
    if (f.frag_offset != 0 || f.body.size() != f.length) return kInconsistent;
    s.used = false;  // its pool bytes are reclaimed by compact()
  }
  if (!s.used) {
    bool any = false;
    for (const auto& o : slots_) any = any || o.used;
    if (!any) pool_used_ = 0;
    std::size_t need = footprint(f.length);
    if (!make_room(need, f.msg_seq)) return Added::ignored;
    s = Slot{true, f.type, f.length, 0, pool_used_};
    pool_used_ += need;
    // An empty message takes no pool bytes, and a growing pool may still be
    // empty (no buffer at all): nothing to clear then.
    if (need > s.length) std::memset(pool_.data() + s.offset + s.length, 0, need - s.length);
  }
  copy_in(s, f);
  return Added::stored;
}

bool Reassembler::ready() const {
  const Slot& s = slots_[index(next_seq_)];
  return s.used && s.received == s.length;
}

Bytes Reassembler::ready_body() const {
  const Slot& s = slots_[index(next_seq_)];
  return Bytes(pool_.data() + s.offset, s.length);
}

void Reassembler::advance() {
  slots_[index(next_seq_)].used = false;  // its bytes stay put until the next add()
  ++next_seq_;
}

bool Reassembler::holds_messages() const {
  for (const auto& s : slots_)
    if (s.used) return true;
  return false;
}

std::size_t Reassembler::buffered_bytes() const {
  std::size_t n = 0;
  for (const auto& s : slots_)
    if (s.used) n += s.length;
  return n;
}

}  // namespace keyway::dtls
