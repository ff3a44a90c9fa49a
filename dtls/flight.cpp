// SPDX-License-Identifier: Apache-2.0
#include "keyway/dtls/flight.hpp"

#include "keyway/dtls/handshake_header.hpp"

namespace keyway::dtls {

namespace {
constexpr Error kFull = make_error(Layer::dtls, Code::capacity, "dtls flight: outgoing flight exceeds its buffer");
constexpr Error kMtu = make_error(Layer::dtls, Code::invalid_argument, "dtls flight: MTU too small for one handshake fragment");
constexpr std::size_t kMaxRecordPayload = 1600;
}  // namespace

void Flight::clear() {
  used_ = 0;
  count_ = 0;
  cursor_msg_ = 0;
  cursor_off_ = 0;
  started_ = false;
}

MutableBytes Flight::body_space() {
  std::size_t start = used_ + kHandshakeHeaderSize;
  if (start >= buf_.size()) return {};
  return buf_.subspan(start);
}

Status Flight::add_handshake(uint16_t epoch, uint8_t type, uint16_t msg_seq, std::size_t body_len) {
  ENSURE(count_ < kMaxMessages && used_ + kHandshakeHeaderSize + body_len <= buf_.size(), kFull);
  ByteWriter w(buf_.subspan(used_, kHandshakeHeaderSize));
  write_handshake_header(w, type, static_cast<uint32_t>(body_len), msg_seq, 0, static_cast<uint32_t>(body_len));
  entries_[count_++] = Entry{false, epoch, type, msg_seq, used_ + kHandshakeHeaderSize, body_len};
  used_ += kHandshakeHeaderSize + body_len;
  return ok_status();
}

Status Flight::add_change_cipher_spec() {
  ENSURE(count_ < kMaxMessages, kFull);
  entries_[count_++] = Entry{true, 0, 0, 0, used_, 0};
  return ok_status();
}

Bytes Flight::message(std::size_t i) const {
  const Entry& e = entries_[i];
  return Bytes(buf_.data() + e.offset - kHandshakeHeaderSize, kHandshakeHeaderSize + e.length);
}

// Writes one record carrying (a piece of) the current message; returns the
// bytes of the message consumed.
Result<std::size_t> Flight::write_piece(ByteWriter& w, std::size_t room, WriteState& write) {
  const Entry& e = entries_[cursor_msg_];
  uint16_t epoch = e.ccs ? 0 : e.epoch;
  std::size_t overhead = kRecordHeaderSize + (epoch > 0 ? write.cipher.overhead() : 0);
  uint8_t plain[kMaxRecordPayload];
  ByteWriter p(plain);
  ContentType type = ContentType::handshake;
  std::size_t take = 0;
  if (e.ccs) {
    if (room < overhead + 1) return std::size_t{0};
    type = ContentType::change_cipher_spec;
    p.write_u8(kChangeCipherSpecByte);
  } else {
    std::size_t need = overhead + kHandshakeHeaderSize + (e.length > 0 ? 1 : 0);
    if (room < need) return std::size_t{0};
    std::size_t space = room - overhead - kHandshakeHeaderSize;
    if (space > kMaxRecordPayload - kHandshakeHeaderSize) space = kMaxRecordPayload - kHandshakeHeaderSize;
    take = e.length - cursor_off_ < space ? e.length - cursor_off_ : space;
    write_handshake_header(p, e.type, static_cast<uint32_t>(e.length), e.msg_seq, static_cast<uint32_t>(cursor_off_),
                           static_cast<uint32_t>(take));
    p.write_bytes(Bytes(buf_.data() + e.offset + cursor_off_, take));
  }
  uint64_t seq = write.next_seq[epoch]++;
  if (epoch == 0) write_plain_record(w, type, kVersionDtls12, seq, p.written());
  else write.cipher.seal(w, type, epoch, seq, p.written());
  return take;
}

Result<std::size_t> Flight::next_datagram(MutableBytes out, std::size_t mtu, WriteState& write) {
  if (!sending()) return std::size_t{0};
  std::size_t limit = mtu < out.size() ? mtu : out.size();
  ByteWriter w(out.first(limit));
  while (cursor_msg_ < count_) {
    const Entry& e = entries_[cursor_msg_];
    std::size_t before = w.size();
    auto took = write_piece(w, w.available(), write);
    if (!took.ok()) return took.error();
    if (w.size() == before) {  // nothing fitted
      ENSURE(before > 0, kMtu);
      break;
    }
    cursor_off_ += *took;
    if (e.ccs || cursor_off_ >= e.length) {
      ++cursor_msg_;
      cursor_off_ = 0;
    }
  }
  if (w.failed()) return kFull;
  return w.size();
}

}  // namespace keyway::dtls
