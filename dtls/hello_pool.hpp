// SPDX-License-Identifier: Apache-2.0
// Fragmented ClientHellos before the cookie, for dtls::Listener (issue 18).
//
// Browsers' DTLS 1.3 ClientHellos are 1.4-1.5 KB (an X25519MLKEM768 share
// is 1,216 bytes) and come in several records at small MTUs. A cookie is
// checked, or made, only from a whole hello: the 1.3 cookie carries
// Hash(ClientHello1), which the transcript restarts from (RFC 8446 §4.4.1,
// RFC 9147 §5.1), so a first fragment cannot be answered with it. RFC 9147
// §5.5 has a receiver buffer the fragments of the message it expects.
//
// So the fragments are held here, but not per client: a pool of a few
// hellos, allocated once, one hello per address, the oldest giving way to a
// new one. A flood of fragments (spoofed addresses, hellos never completed)
// only churns the pool: memory stays what the configuration says (RFC 6347
// §4.2.1, RFC 9147 §5.1: no state per client before the cookie). What it
// costs under such a flood is the fragmented hellos themselves, which are
// evicted before they complete; whole hellos are never held.
//
//   slot:  address | msg_seq, length | bytes received | Reassembler (body + bitmap)
//
// A complete hello is written as one epoch-0 record with one whole
// fragment, numbered as the record that completed it, and leaves the pool:
// the Listener then treats it as a hello that came whole.
#pragma once

#include <cstddef>
#include <cstdint>

#include "keyway/dtls/handshake_header.hpp"
#include "keyway/dtls/reassembler.hpp"
#include "keyway/lib/bytes.hpp"

namespace keyway::dtls {

class HelloPool {
 public:
  static constexpr std::size_t kMaxAddress = 32;

  HelloPool() = default;
  ~HelloPool();
  HelloPool(const HelloPool&) = delete;
  HelloPool& operator=(const HelloPool&) = delete;

  // Room for `slots` hellos of at most `max_body` bytes each, allocated now
  // and only now. False (and no pool: every fragment refused) when slots is
  // 0 or the heap refuses.
  bool init(std::size_t slots, std::size_t max_body);

  struct Added {
    // The whole hello as one record, in the pool's own buffer (valid until
    // the next add()); empty while fragments are missing or when refused.
    MutableBytes record;
    // What the client sent for it: the bytes of every datagram that brought
    // a fragment (an answer must not be larger, RFC 9147 §5.1).
    std::size_t datagram_bytes = 0;
    bool held = false;     // buffered, waiting for more
    bool evicted = false;  // another address's hello made way for it
  };
  // A fragment of a ClientHello from `from`, in a datagram of datagram_size
  // bytes, in the epoch-0 record numbered record_seq.
  Added add(Bytes from, uint64_t record_seq, const HandshakeFragment& f, std::size_t datagram_size);

  std::size_t held() const;
  std::size_t bytes() const { return bytes_; }  // allocated at init

 private:
  struct Slot {
    bool used = false;
    uint64_t order = 0;  // arrival order of the hello: the smallest is the oldest
    uint8_t address[kMaxAddress] = {};
    std::size_t address_len = 0;
    uint16_t msg_seq = 0;
    uint32_t length = 0;
    std::size_t datagram_bytes = 0;
    Reassembler reassembler;
  };
  Slot* slot_for(Bytes from, const HandshakeFragment& f, bool& evicted);

  Slot* slots_ = nullptr;
  std::size_t count_ = 0;
  std::size_t max_body_ = 0;
  uint8_t* memory_ = nullptr;  // the slots' reassembly pools, then the output record
  std::size_t bytes_ = 0;
  MutableBytes record_;
  uint64_t order_ = 0;
};

}  // namespace keyway::dtls
