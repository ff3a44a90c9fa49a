// Handshake message reassembly (RFC 6347 §4.2.3), by byte offset.
//
//   message_seq:  next  next+1  next+2  ...      (kSlots messages buffered)
//                 [####..##]  [######]  [ ]
//   each slot:    body bytes + one bit per byte received
//
// Fragments may overlap and a retransmission may cut a message differently,
// so we track bytes, not fragment boundaries. Type and total length must
// agree across a message's fragments; a message larger than the configured
// maximum, or a seq beyond the buffered window, is refused. Fragments of
// already-delivered messages are reported as `old` so the endpoint can
// detect a peer retransmission (RFC 6347 §4.2.4).
#pragma once

#include <cstdint>

#include "dtls/handshake_header.hpp"
#include "lib/result.hpp"

namespace keyway::dtls {

class Reassembler {
 public:
  static constexpr std::size_t kSlots = 4;
  static constexpr std::size_t kMaxMessage = 6144;  // bytes of one message body

  enum class Added { stored, old, ignored };

  // Next message_seq expected; clears all slots.
  void reset(uint16_t next_seq);
  uint16_t next_seq() const { return next_seq_; }

  // Stores a fragment. Errors are protocol violations (inconsistent type or
  // length, oversized message); stale or far-future fragments are ignored.
  [[nodiscard]] Result<Added> add(const HandshakeFragment& f);

  // The next in-order message if it is complete.
  bool ready() const;
  uint8_t ready_type() const { return slots_[index(next_seq_)].type; }
  Bytes ready_body() const;
  // Consumes the ready message and moves to next_seq + 1.
  void advance();

  // Bytes held (for the memory report).
  std::size_t buffered_bytes() const;

 private:
  struct Slot {
    bool used = false;
    uint8_t type = 0;
    uint32_t length = 0;
    uint32_t received = 0;   // distinct bytes received
    uint8_t body[kMaxMessage];
    uint8_t bitmap[kMaxMessage / 8];
  };
  static std::size_t index(uint16_t seq) { return seq % kSlots; }
  void clear(Slot& s);

  Slot slots_[kSlots];
  uint16_t next_seq_ = 0;
};

}  // namespace keyway::dtls
