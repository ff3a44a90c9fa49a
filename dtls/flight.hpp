// SPDX-License-Identifier: Apache-2.0
// An outgoing flight and its retransmission timer (RFC 6347 §4.2.4).
//
//                  +-----------+
//                  | PREPARING | <--------------------+
//                  +-----------+                      |
//                        | Buffer next flight         |
//                        V                            |
//                  +-----------+  Read retransmit     |
//      Timer ----->|  SENDING  |<-----------+        |
//     expires      +-----------+            |        |
//                        |                  |        |
//                        V                  |        |
//                  +-----------+            |        |
//                  |  WAITING  |------------+        |
//                  +-----------+  Receive next flight |
//                        |     --------------------->-+
//                        | Receive last flight
//                        V
//                  +-----------+
//                  | FINISHED  |   (keeps the last flight for the peer's retransmissions)
//                  +-----------+
//
// Messages are stored whole; each (re)transmission cuts them into records
// of at most `mtu` bytes per datagram, several records per datagram.
#pragma once

#include <cstdint>

#include "keyway/dtls/constants.hpp"
#include "keyway/dtls/record.hpp"
#include "keyway/lib/bytes.hpp"
#include "keyway/lib/result.hpp"
#include "keyway/lib/time.hpp"

namespace keyway::dtls {

class Flight {
 public:
  static constexpr std::size_t kMaxMessages = 8;
  // Buffer bytes a flight needs beyond our certificate: hello, key
  // exchange, signature, CertificateRequest, Finished and their headers.
  static constexpr std::size_t kBytesBesidesCertificate = 1024;

  // The buffer must outlive the flight.
  void init(MutableBytes buffer) { buf_ = buffer; clear(); }
  void clear();
  // Appending a handshake message: the caller writes its body into
  // body_space(), then add_handshake() with the body's length puts the
  // 12-byte header in front of it; last_message() is then the message
  // (header + body) as it enters the transcript.
  MutableBytes body_space();
  [[nodiscard]] Status add_handshake(uint16_t epoch, uint8_t type, uint16_t msg_seq, std::size_t body_len);
  [[nodiscard]] Status add_change_cipher_spec();
  bool empty() const { return count_ == 0; }

  // Restart transmission from the first message.
  void rewind() { cursor_msg_ = 0; cursor_off_ = 0; started_ = count_ > 0; }
  bool sending() const { return started_ && cursor_msg_ < count_; }
  // Writes the next datagram (records packed up to mtu). 0 when done.
  [[nodiscard]] Result<std::size_t> next_datagram(MutableBytes out, std::size_t mtu, WriteState& write);

  // The transcript form (12-byte header + body) of message i.
  Bytes message(std::size_t i) const;
  Bytes last_message() const { return message(count_ - 1); }

 private:
  struct Entry {
    bool ccs = false;
    uint16_t epoch = 0;
    uint8_t type = 0;
    uint16_t msg_seq = 0;
    std::size_t offset = 0;  // of the body in buf_
    std::size_t length = 0;
  };
  [[nodiscard]] Result<std::size_t> write_piece(ByteWriter& w, std::size_t room, WriteState& write);

  MutableBytes buf_;
  std::size_t used_ = 0;
  Entry entries_[kMaxMessages];
  std::size_t count_ = 0;
  std::size_t cursor_msg_ = 0;
  std::size_t cursor_off_ = 0;
  bool started_ = false;
};

// Retransmission timer policy (RFC 6347 §4.2.4.1: start at 1 s, double, cap at 60 s).
struct RetransmitTimer {
  Duration initial = Duration::seconds(1);
  Duration maximum = Duration::seconds(60);
  int max_retransmits = 7;
  int retransmits = 0;  // beside max_retransmits: 48 bytes, not 56 (issue 18)

  Duration current = Duration::seconds(1);
  Timestamp deadline = Timestamp::never();

  // When the peer's repetition last made us resend (never: not since this flight began).
  Timestamp last_early_resend = Timestamp::never();

  void arm_new_flight(Timestamp now) {
    current = initial;
    retransmits = 0;
    deadline = now + current;
    last_early_resend = Timestamp::never();
  }
  // RFC 6347 §4.2.4 lets a repeated peer flight draw ours again before the
  // timer fires. Anyone who can spoof the peer's address can repeat a 25-byte
  // record at will, so such resends are limited to one per current timeout.
  bool allow_early_resend(Timestamp now) {
    if (!last_early_resend.is_never() && now < last_early_resend + current) return false;
    last_early_resend = now;
    return true;
  }
  // Returns false when the retransmission budget is used up.
  bool backoff(Timestamp now) {
    if (retransmits >= max_retransmits) return false;
    ++retransmits;
    current = current * 2 > maximum ? maximum : current * 2;
    deadline = now + current;
    return true;
  }
  void stop() { deadline = Timestamp::never(); }
};

}  // namespace keyway::dtls
