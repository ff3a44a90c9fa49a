#include "dtls/reassembler.hpp"

#include <cstring>

namespace keyway::dtls {

namespace {
constexpr Error kTooBig = make_error(Layer::dtls, Code::capacity, "dtls reassembly: handshake message larger than the configured maximum");
constexpr Error kInconsistent = make_error(Layer::dtls, Code::illegal_parameter, "dtls reassembly: fragments of one message disagree on type or length");
}  // namespace

void Reassembler::clear(Slot& s) {
  s.used = false;
  s.type = 0;
  s.length = 0;
  s.received = 0;
}

void Reassembler::reset(uint16_t next_seq) {
  for (auto& s : slots_) clear(s);
  next_seq_ = next_seq;
}

Result<Reassembler::Added> Reassembler::add(const HandshakeFragment& f) {
  uint16_t delta = static_cast<uint16_t>(f.msg_seq - next_seq_);
  if (delta >= 0x8000) return Added::old;      // before next_seq: a retransmission
  if (delta >= kSlots) return Added::ignored;  // too far ahead to buffer
  ENSURE(f.length <= kMaxMessage, kTooBig);
  Slot& s = slots_[index(f.msg_seq)];
  if (!s.used) {
    s.used = true;
    s.type = f.type;
    s.length = f.length;
    s.received = 0;
    std::memset(s.bitmap, 0, sizeof s.bitmap);
  } else if (s.type != f.type || s.length != f.length) {
    return kInconsistent;
  }
  for (std::size_t i = 0; i < f.body.size(); ++i) {
    std::size_t at = f.frag_offset + i;
    uint8_t bit = static_cast<uint8_t>(1u << (at % 8));
    if (s.bitmap[at / 8] & bit) continue;  // overlap: first copy wins
    s.bitmap[at / 8] = static_cast<uint8_t>(s.bitmap[at / 8] | bit);
    s.body[at] = f.body[i];
    ++s.received;
  }
  return Added::stored;
}

bool Reassembler::ready() const {
  const Slot& s = slots_[index(next_seq_)];
  return s.used && s.received == s.length;
}

Bytes Reassembler::ready_body() const {
  const Slot& s = slots_[index(next_seq_)];
  return Bytes(s.body, s.length);
}

void Reassembler::advance() {
  clear(slots_[index(next_seq_)]);
  ++next_seq_;
}

std::size_t Reassembler::buffered_bytes() const {
  std::size_t n = 0;
  for (const auto& s : slots_)
    if (s.used) n += s.length;
  return n;
}

}  // namespace keyway::dtls
