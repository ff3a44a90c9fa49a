// SPDX-License-Identifier: Apache-2.0
// Handshake message reassembly (RFC 6347 §4.2.3), by byte offset.
//
//   message_seq:  next  next+1  next+2  ...      (kSlots messages buffered)
//                 [####..##]  [######]  [ ]
//   each slot:    body bytes + one bit per byte received, carved from one
//                 caller-supplied pool (Config.max_reassembly_bytes)
//
// Fragments may overlap and a retransmission may cut a message differently,
// so we track bytes, not fragment boundaries. Type and total length must
// agree across a message's fragments (a whole message in one fragment
// replaces a slot it contradicts); a message larger than the configured
// maximum, or a seq beyond the buffered window, is refused. When the pool
// is full, future messages give way to the next in-order one (the peer
// retransmits them). Fragments of already-delivered messages are reported
// as `old` so the endpoint can detect a peer retransmission (RFC 6347 §4.2.4).
//
// The pool may also grow (init_growing): it starts empty and the owner's
// callback gives a larger one, the bytes so far copied, whenever a message
// does not fit after compaction, up to a maximum; only past that maximum do
// future messages give way. A handshake of small messages then holds what
// it needs, not the configured maximum (issue 13).
#pragma once

#include <cstdint>

#include "keyway/dtls/handshake_header.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::dtls {

class Reassembler {
 public:
  static constexpr std::size_t kSlots = 4;

  enum class Added { stored, old, ignored };

  // Space needed to buffer one message of `length` body bytes.
  static constexpr std::size_t footprint(std::size_t length) { return length + (length + 7) / 8; }

  // The pool must outlive the reassembler; max_message bounds one body.
  void init(MutableBytes pool, std::size_t max_message);
  // A pool of `at_least` bytes or more (at most the maximum given to
  // init_growing) holding the current pool's bytes; empty if none.
  using Grow = MutableBytes (*)(void* owner, std::size_t at_least);
  // What a Grow callback does with its owner's heap pool: doubling (few
  // copies over a handshake), at least what is asked, never past `max`; the
  // old pool is copied, wiped and freed. Empty when `max` or the heap refuses.
  static MutableBytes grow_heap_pool(uint8_t*& pool, std::size_t& size, std::size_t at_least, std::size_t max);
  // Starts with `pool` (may be empty) and grows it through `grow` up to max_pool.
  void init_growing(MutableBytes pool, std::size_t max_pool, std::size_t max_message, Grow grow, void* owner);
  std::size_t pool_size() const { return pool_.size(); }
  // Next message_seq expected; clears all slots.
  void reset(uint16_t next_seq);
  uint16_t next_seq() const { return next_seq_; }

  // Stores a fragment. Errors are protocol violations (inconsistent type or
  // length, oversized message); stale or far-future fragments are ignored.
  [[nodiscard]] Result<Added> add(const HandshakeFragment& f);

  // The next in-order message if it is complete.
  bool ready() const;
  uint8_t ready_type() const { return slots_[index(next_seq_)].type; }
  // Stays valid until the next add() or reset().
  Bytes ready_body() const;
  // Consumes the ready message and moves to next_seq + 1.
  void advance();

  // Bytes held (for the memory report).
  std::size_t buffered_bytes() const;
  // Whether a message (or part of one) waits in a slot.
  bool holds_messages() const;

 private:
  struct Slot {
    bool used = false;
    uint8_t type = 0;
    uint32_t length = 0;
    uint32_t received = 0;   // distinct bytes received
    std::size_t offset = 0;  // of the body in the pool; the bitmap follows it
  };
  static std::size_t index(uint16_t seq) { return seq % kSlots; }
  bool make_room(std::size_t need, uint16_t seq);
  void compact();
  void copy_in(Slot& s, const HandshakeFragment& f);

  bool grow_to(std::size_t need);

  MutableBytes pool_;
  std::size_t max_pool_ = 0;  // the pool's size, or what it may grow to
  Grow grow_ = nullptr;
  void* owner_ = nullptr;
  std::size_t max_message_ = 0;
  std::size_t pool_used_ = 0;  // bump pointer; compacted when it runs out
  Slot slots_[kSlots];
  uint16_t next_seq_ = 0;
};

}  // namespace keyway::dtls
