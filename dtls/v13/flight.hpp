// SPDX-License-Identifier: Apache-2.0
// A DTLS 1.3 outgoing flight and what the peer acknowledged of it (RFC 9147
// §5.8, §7).
//
//   messages:  [ServerHello e0][EncryptedExtensions e2][CertificateRequest e2]...
//   sent log:  record (epoch, seq) -> message, for the latest transmission
//
// The message bytes and the log of sent records live where the owner puts
// them (init): the handshake's flights in the handshake state, the KeyUpdate
// of an established association in a few bytes of the Endpoint.
//
// Each message is cut into records (one fragment per record) as it is
// sent. An ACK names records; a message is acknowledged once every record
// of its latest transmission is. A retransmission sends only the messages
// not acknowledged (RFC 9147 §7.1), and the peer's next flight acknowledges
// the whole flight implicitly (§7.2... §5.8.1).
#pragma once

#include <cstdint>
#include <span>

#include "keyway/dtls/reassembler.hpp"
#include "keyway/dtls/v13/ack.hpp"
#include "keyway/dtls/v13/messages.hpp"
#include "keyway/lib/bytes.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::dtls::v13 {

class Flight {
 public:
  static constexpr std::size_t kMaxMessages = 6;    // the server's flight: SH EE CR Cert CV Fin
  static constexpr std::size_t kBufferSize = 6144;  // a handshake flight: room for an RSA certificate
  static constexpr std::size_t kMaxRecords = 32;    // records of a handshake flight's transmission

  struct Message {
    uint8_t type = 0;
    uint8_t epoch = 0;
    uint16_t msg_seq = 0;
    uint16_t offset = 0;  // of the body in the buffer
    uint16_t length = 0;
    bool sent_whole = false;  // every byte went out in the latest transmission
    bool acked = false;
  };
  // One record to write: bytes [offset, offset + length) of message `index`.
  struct Piece {
    std::size_t index = 0;
    uint32_t offset = 0;
    uint32_t length = 0;
  };

  struct SentRecord {
    RecordNumber rn;
    uint8_t index = 0;
    bool acked = false;
  };

  // Message bytes go to `buffer`, the records of a transmission to `log`
  // (both outlive the Flight's use of them); clears the flight.
  void init(MutableBytes buffer, std::span<SentRecord> log);
  void clear();
  // Write a body into body_space(), then add() it.
  MutableBytes body_space() { return buf_.subspan(used_); }
  [[nodiscard]] Status add(MessageType type, uint16_t msg_seq, uint8_t epoch, std::size_t body_len);
  // The body written in body_space() (while the old messages were still
  // held, e.g. read from them) becomes the only message of a new flight.
  [[nodiscard]] Status replace_with_last(MessageType type, uint16_t msg_seq, uint8_t epoch, std::size_t body_len);
  std::size_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  const Message& message(std::size_t i) const { return msgs_[i]; }
  Bytes body(std::size_t i) const { return Bytes(buf_.data() + msgs_[i].offset, msgs_[i].length); }
  Bytes last_body() const { return body(count_ - 1); }

  bool all_acked() const;
  void acknowledge_all();                     // the peer's next flight arrived
  bool acknowledge(const RecordNumber& rn);   // one record number of an ACK; true: one of ours, new

  // Starts a (re)transmission of the messages not acknowledged.
  void begin_transmission();
  bool sending() const { return sending_; }
  // The next piece when `room` body bytes fit in the record; false when the
  // transmission is over, or when the datagram already holds records and
  // the next piece would have to be cut smaller than it need be.
  bool next_piece(std::size_t room, bool datagram_empty, Piece& out);
  void record_sent(const Piece& p, const RecordNumber& rn);

 private:
  void skip_acked();

  // Counts in the few bits they need (an established association holds one Flight).
  MutableBytes buf_;
  std::span<SentRecord> sent_;
  Message msgs_[kMaxMessages];
  uint32_t cursor_offset_ = 0;
  uint32_t used_ = 0;
  uint8_t count_ = 0;
  uint8_t sent_count_ = 0;  // at most kMaxRecords
  uint8_t cursor_ = 0;      // message being sent
  bool sending_ = false;
};

// Handshake reliability (RFC 9147 §5.8, §7): our flight and the peer's
// messages in reassembly. In the handshake state during the handshake; after
// it, in an Endpoint's KeyUpdate storage while a KeyUpdate is under way.
struct Reliability {
  Flight flight;
  Reassembler reassembler;
};

}  // namespace keyway::dtls::v13
