// SPDX-License-Identifier: Apache-2.0
#include "keyway/srtp/stream_table.hpp"

#include <cstdint>
#include <new>
#include <type_traits>

namespace keyway::srtp {

namespace {
constexpr Error kFull = make_error(Layer::srtp, Code::capacity, "srtp: stream table full (max_streams SSRCs)");
constexpr Error kNoMemory = make_error(Layer::srtp, Code::capacity, "srtp: cannot allocate the stream table");
constexpr Error kUnknown = make_error(Layer::srtp, Code::unknown_stream, "srtp: no stream with this ssrc");
constexpr Error kExists = make_error(Layer::srtp, Code::invalid_argument, "srtp: a stream with this ssrc exists");
}  // namespace

StreamTable::~StreamTable() { release(); }

void StreamTable::release() {
  delete[] block_;  // the streams in it need no destructor (static_assert below)
  block_ = nullptr;
  streams_ = nullptr;
  capacity_ = count_ = last_ = 0;
}

// One heap block a table (issue 17: one allocation's overhead, not two, in
// each of a call's two tables): the streams, then their replay windows.
static_assert(std::is_trivially_destructible_v<Stream>);
static_assert(sizeof(Stream) % sizeof(uint64_t) == 0 && alignof(Stream) <= alignof(uint64_t));
constexpr std::size_t kStreamWords = sizeof(Stream) / sizeof(uint64_t);

uint64_t* StreamTable::window_words(std::size_t slot) const {
  return block_ + capacity_ * kStreamWords + slot * windows_per_stream_ * std::size_t{words_per_window_};
}

Status StreamTable::init(std::size_t max_streams, std::size_t window_size, bool rtcp_windows) {
  release();
  constexpr std::size_t kMaxWordsPerStream = kStreamWords + 2 * kMaxReplayWindow / 64;
  ENSURE(max_streams <= UINT32_MAX && max_streams <= SIZE_MAX / sizeof(uint64_t) / kMaxWordsPerStream &&
             window_size / 64 <= kMaxReplayWindow / 64,
         kNoMemory);
  words_per_window_ = static_cast<uint16_t>(window_size / 64);
  windows_per_stream_ = rtcp_windows ? uint8_t{2} : uint8_t{1};
  const std::size_t window_words = max_streams * windows_per_stream_ * std::size_t{words_per_window_};
  block_ = new (std::nothrow) uint64_t[max_streams * kStreamWords + window_words];
  ENSURE(block_ != nullptr, kNoMemory);
  for (std::size_t i = 0; i < max_streams; ++i) ::new (static_cast<void*>(block_ + i * kStreamWords)) Stream{};
  streams_ = std::launder(reinterpret_cast<Stream*>(block_));
  capacity_ = static_cast<uint32_t>(max_streams);
  return ok_status();
}

Stream* StreamTable::find_slow(uint32_t ssrc) {
  for (std::size_t i = 0; i < capacity_; ++i) {
    if (streams_[i].in_use && streams_[i].ssrc == ssrc) {
      last_ = static_cast<uint32_t>(i);
      return &streams_[i];
    }
  }
  return nullptr;
}

Result<Stream*> StreamTable::insert(uint32_t ssrc) {
  ENSURE(find(ssrc) == nullptr, kExists);
  for (std::size_t i = 0; i < capacity_; ++i) {
    Stream& s = streams_[i];
    if (s.in_use) continue;
    s = Stream{};
    s.ssrc = ssrc;
    s.in_use = true;
    uint64_t* base = window_words(i);
    s.rtp_replay = ReplayWindow({base, words_per_window_});
    if (windows_per_stream_ == 2) s.rtcp_replay = ReplayWindow({base + words_per_window_, words_per_window_});
    ++count_;
    last_ = static_cast<uint32_t>(i);
    return &s;
  }
  return kFull;
}

Status StreamTable::remove(uint32_t ssrc) {
  Stream* s = find(ssrc);
  ENSURE(s != nullptr, kUnknown);
  s->in_use = false;
  --count_;
  return ok_status();
}

}  // namespace keyway::srtp
