// SPDX-License-Identifier: Apache-2.0
// ACK encode and decode (RFC 9147 §7).
#include "keyway/dtls/v13/ack.hpp"

namespace keyway::dtls::v13 {

namespace {
constexpr Error kTruncated = make_error(Layer::dtls, Code::decode_error, "dtls13 ack: record_numbers length runs past the message");
constexpr Error kOddLength = make_error(Layer::dtls, Code::decode_error, "dtls13 ack: record_numbers length is not a multiple of 16");
constexpr Error kTrailing = make_error(Layer::dtls, Code::decode_error, "dtls13 ack: bytes after record_numbers");
constexpr Error kTooMany = make_error(Layer::dtls, Code::capacity, "dtls13 ack: more record numbers than the caller keeps");
}  // namespace

void write_ack(ByteWriter& w, std::span<const RecordNumber> record_numbers) {
  auto list = w.begin_prefixed16();
  for (const RecordNumber& n : record_numbers) {
    w.write_u64(n.epoch);
    w.write_u64(n.sequence_number);
  }
  w.end_prefixed(list);  // fails the writer past 4095 entries
}

Result<std::size_t> read_ack(Bytes body, std::span<RecordNumber> out) {
  ByteReader r(body);
  ByteReader list;
  if (!r.read_prefixed16(list)) return kTruncated;
  if (!r.at_end()) return kTrailing;
  if (list.remaining() % kRecordNumberSize != 0) return kOddLength;
  const std::size_t count = list.remaining() / kRecordNumberSize;
  if (count > out.size()) return kTooMany;
  for (std::size_t i = 0; i < count; ++i) {
    bool ok = list.read_u64(out[i].epoch) && list.read_u64(out[i].sequence_number);
    if (!ok) return kTruncated;  // cannot happen: the length was checked
  }
  return count;
}

}  // namespace keyway::dtls::v13
