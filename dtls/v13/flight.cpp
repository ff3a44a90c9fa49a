// SPDX-License-Identifier: Apache-2.0
// DTLS 1.3 flights: selective retransmission by ACK (RFC 9147 §7).
#include "keyway/dtls/v13/flight.hpp"

#include <cstring>

namespace keyway::dtls::v13 {

namespace {
constexpr Error kFull = make_error(Layer::dtls, Code::capacity, "dtls13 flight: no room for the message");
constexpr std::size_t kMinUsefulPiece = 64;  // below this, start a new datagram instead
}  // namespace

void Flight::init(MutableBytes buffer, std::span<SentRecord> log) {
  buf_ = buffer;
  sent_ = log;
  clear();
}

void Flight::clear() {
  used_ = 0;
  count_ = 0;
  sent_count_ = 0;
  cursor_ = 0;
  cursor_offset_ = 0;
  sending_ = false;
}

Status Flight::add(MessageType type, uint16_t msg_seq, uint8_t epoch, std::size_t body_len) {
  ENSURE(count_ < kMaxMessages && body_len <= buf_.size() - used_, kFull);
  Message& m = msgs_[count_++];
  m = Message{};
  m.type = static_cast<uint8_t>(type);
  m.epoch = epoch;
  m.msg_seq = msg_seq;
  m.offset = static_cast<uint16_t>(used_);
  m.length = static_cast<uint16_t>(body_len);
  used_ = static_cast<uint32_t>(used_ + body_len);
  return ok_status();
}

Status Flight::replace_with_last(MessageType type, uint16_t msg_seq, uint8_t epoch, std::size_t body_len) {
  ENSURE(body_len <= buf_.size() - used_, kFull);
  std::memmove(buf_.data(), buf_.data() + used_, body_len);
  clear();
  return add(type, msg_seq, epoch, body_len);
}

bool Flight::all_acked() const {
  for (std::size_t i = 0; i < count_; ++i)
    if (!msgs_[i].acked) return false;
  return true;
}

void Flight::acknowledge_all() {
  for (std::size_t i = 0; i < count_; ++i) msgs_[i].acked = true;
  sending_ = false;
}

bool Flight::acknowledge(const RecordNumber& rn) {
  for (std::size_t i = 0; i < sent_count_; ++i) {
    if (sent_[i].rn != rn) continue;
    const bool fresh = !sent_[i].acked;
    sent_[i].acked = true;
    Message& m = msgs_[sent_[i].index];
    bool whole = m.sent_whole;
    for (std::size_t j = 0; j < sent_count_ && whole; ++j)
      if (sent_[j].index == sent_[i].index && !sent_[j].acked) whole = false;
    if (whole) m.acked = true;
    return fresh;
  }
  return false;
}

void Flight::begin_transmission() {
  sent_count_ = 0;  // records of earlier transmissions are no longer tracked
  for (std::size_t i = 0; i < count_; ++i) msgs_[i].sent_whole = false;
  cursor_ = 0;
  cursor_offset_ = 0;
  skip_acked();
  sending_ = cursor_ < count_;
}

void Flight::skip_acked() {
  while (cursor_ < count_ && msgs_[cursor_].acked) ++cursor_;
}

bool Flight::next_piece(std::size_t room, bool datagram_empty, Piece& out) {
  if (!sending_) return false;
  const Message& m = msgs_[cursor_];
  const uint32_t left = m.length - cursor_offset_;
  if (room == 0 && left > 0) return false;
  if (!datagram_empty && left > room && room < kMinUsefulPiece) return false;
  out.index = cursor_;
  out.offset = cursor_offset_;
  out.length = left < room ? left : static_cast<uint32_t>(room);
  cursor_offset_ += out.length;
  if (cursor_offset_ >= m.length) {
    ++cursor_;
    cursor_offset_ = 0;
    skip_acked();
    sending_ = cursor_ < count_;
  }
  return true;
}

void Flight::record_sent(const Piece& p, const RecordNumber& rn) {
  if (p.offset + p.length >= msgs_[p.index].length) msgs_[p.index].sent_whole = true;
  if (sent_count_ < sent_.size()) {
    sent_[sent_count_++] = SentRecord{rn, static_cast<uint8_t>(p.index), false};
  } else {
    msgs_[p.index].sent_whole = false;  // untracked: only a retransmission or the next flight covers it
  }
}

}  // namespace keyway::dtls::v13
