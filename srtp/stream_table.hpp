// SPDX-License-Identifier: Apache-2.0
// Per-SSRC SRTP/SRTCP state (RFC 3711 §3.2.3: a crypto context per SSRC
// under one master key), in a table whose capacity is fixed at init.
//
// All memory (the stream records and their replay bitmaps) is allocated
// once in init(); finding, inserting and removing streams never allocates.
// Lookup is a linear scan that tries the last stream used first: sessions
// carry a handful of SSRCs, and media arrives in runs from one of them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "keyway/lib/result.hpp"
#include "keyway/srtp/replay.hpp"

namespace keyway::srtp {

struct Stream {
  uint32_t ssrc = 0;
  bool in_use = false;
  // SRTP: the highest packet index protected (outbound) or accepted (inbound).
  bool rtp_started = false;
  uint64_t rtp_highest = 0;
  uint32_t initial_roc = 0;  // ROC for the first packet (set_roc before any packet)
  // SRTCP, outbound: the index the next packet gets (libsrtp and pion send 1 first).
  uint32_t srtcp_next = 1;
  // Replay windows (RFC 3711 §3.3.2) for SRTP and SRTCP. Outbound sessions
  // use the SRTP one to refuse protecting an index twice, and have no SRTCP
  // one (empty: StreamTable::init with rtcp_windows false).
  ReplayWindow rtp_replay;
  ReplayWindow rtcp_replay;
};

class StreamTable {
 public:
  StreamTable() = default;
  ~StreamTable();
  StreamTable(const StreamTable&) = delete;
  StreamTable& operator=(const StreamTable&) = delete;

  // Allocates room for max_streams streams with replay windows of
  // window_size bits (a multiple of 64): SRTP and, when rtcp_windows, SRTCP.
  // May be called again to reset.
  [[nodiscard]] Status init(std::size_t max_streams, std::size_t window_size, bool rtcp_windows = true);

  Stream* find(uint32_t ssrc) {
    if (capacity_ != 0 && streams_[last_].in_use && streams_[last_].ssrc == ssrc) return &streams_[last_];
    return find_slow(ssrc);
  }
  const Stream* find(uint32_t ssrc) const { return const_cast<StreamTable*>(this)->find(ssrc); }
  // Adds a fresh stream; fails with Code::capacity when the table is full.
  [[nodiscard]] Result<Stream*> insert(uint32_t ssrc);
  [[nodiscard]] Status remove(uint32_t ssrc);

  bool full() const { return count_ == capacity_; }
  std::size_t size() const { return count_; }
  std::size_t capacity() const { return capacity_; }

 private:
  Stream* find_slow(uint32_t ssrc);
  void release();
  uint64_t* window_words(std::size_t slot) const;  // the slot's windows, SRTP then SRTCP

  // 32-bit counts (issue 13: two tables in every call): init() refuses more;
  // a window is at most kMaxReplayWindow / 64 = 512 words (32 bytes a table, not 40).
  uint64_t* block_ = nullptr;  // the one allocation: capacity_ streams, then their windows' words
  Stream* streams_ = nullptr;  // its start
  uint32_t capacity_ = 0;
  uint32_t count_ = 0;
  mutable uint32_t last_ = 0;
  uint16_t words_per_window_ = 0;
  uint8_t windows_per_stream_ = 2;
};

}  // namespace keyway::srtp
