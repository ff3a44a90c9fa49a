// SPDX-License-Identifier: Apache-2.0
// The DTLS 1.3 ACK message (RFC 9147 §7): content type 26, sent in its own
// record, listing the record numbers of the handshake records received.
//
//   struct { uint64 epoch; uint64 sequence_number; } RecordNumber;  (RFC 9147 §4)
//   struct { RecordNumber record_numbers<0..2^16-1>; } ACK;
#pragma once

#include <compare>
#include <cstdint>
#include <span>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/result.hpp"

namespace keyway::dtls::v13 {

struct RecordNumber {
  uint64_t epoch = 0;
  uint64_t sequence_number = 0;
  friend auto operator<=>(const RecordNumber&, const RecordNumber&) = default;
};

constexpr std::size_t kRecordNumberSize = 16;
constexpr std::size_t kMaxAckRecordNumbers = 0xFFFF / kRecordNumberSize;  // 4095 fit the uint16 length

// Writes an ACK body. The sender lists them in increasing order (RFC 9147
// §7); this writes them as given. Fails when there are more than
// kMaxAckRecordNumbers or w has no room (w.failed()).
void write_ack(ByteWriter& w, std::span<const RecordNumber> record_numbers);

// Reads an ACK body into out and returns how many record numbers it held.
// Fails on a length that is not a multiple of 16, bytes after the list, or
// more record numbers than out holds (the caller bounds what it keeps).
// The order is not checked: a peer's unsorted ACK is still understood.
[[nodiscard]] Result<std::size_t> read_ack(Bytes body, std::span<RecordNumber> out);

}  // namespace keyway::dtls::v13
