// SPDX-License-Identifier: Apache-2.0
// ByteReader / ByteWriter: the one bounds-checked way to touch wire bytes.
//
// Modelled on BoringSSL's CBS/CBB: a reader is a shrinking view; every read
// either succeeds completely or consumes nothing and returns false. A writer
// fills a caller-owned span, never grows, and keeps a sticky failed() flag so
// a whole message can be written and checked once at the end.
// All multi-byte integers are big-endian (network order).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace keyway {

using Bytes = std::span<const uint8_t>;
using MutableBytes = std::span<uint8_t>;

class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(Bytes data) : data_(data) {}

  std::size_t remaining() const { return data_.size(); }
  bool at_end() const { return data_.empty(); }
  Bytes rest() const { return data_; }
  const uint8_t* position() const { return data_.data(); }

  [[nodiscard]] bool read_u8(uint8_t& out) { return read_uint(1, out); }
  [[nodiscard]] bool read_u16(uint16_t& out) { return read_uint(2, out); }
  [[nodiscard]] bool read_u24(uint32_t& out) { return read_uint(3, out); }
  [[nodiscard]] bool read_u32(uint32_t& out) { return read_uint(4, out); }
  [[nodiscard]] bool read_u48(uint64_t& out) { return read_uint(6, out); }
  [[nodiscard]] bool read_u64(uint64_t& out) { return read_uint(8, out); }

  // Borrow the next n bytes as a view (no copy).
  [[nodiscard]] bool read_bytes(std::size_t n, Bytes& out) {
    if (n > data_.size()) return false;
    out = data_.first(n);
    data_ = data_.subspan(n);
    return true;
  }
  // Copy exactly out.size() bytes.
  [[nodiscard]] bool copy_bytes(MutableBytes out) {
    if (out.size() > data_.size()) return false;
    if (!out.empty()) std::memcpy(out.data(), data_.data(), out.size());
    data_ = data_.subspan(out.size());
    return true;
  }
  // A sub-reader over the next n bytes.
  [[nodiscard]] bool read_sub(std::size_t n, ByteReader& sub) {
    Bytes b;
    if (!read_bytes(n, b)) return false;
    sub = ByteReader(b);
    return true;
  }
  // Length-prefixed vectors (TLS "opaque x<0..2^8-1>" and friends).
  [[nodiscard]] bool read_prefixed8(ByteReader& sub) { return read_prefixed(1, sub); }
  [[nodiscard]] bool read_prefixed16(ByteReader& sub) { return read_prefixed(2, sub); }
  [[nodiscard]] bool read_prefixed24(ByteReader& sub) { return read_prefixed(3, sub); }

  [[nodiscard]] bool skip(std::size_t n) {
    if (n > data_.size()) return false;
    data_ = data_.subspan(n);
    return true;
  }
  // Look at the next byte without consuming it.
  [[nodiscard]] bool peek_u8(uint8_t& out) const {
    if (data_.empty()) return false;
    out = data_[0];
    return true;
  }

 private:
  template <typename T>
  bool read_uint(std::size_t n, T& out) {
    if (n > data_.size()) return false;
    uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | data_[i];
    out = static_cast<T>(v);
    data_ = data_.subspan(n);
    return true;
  }
  bool read_prefixed(std::size_t len_bytes, ByteReader& sub) {
    ByteReader copy = *this;
    uint64_t len = 0;
    if (!copy.read_uint(len_bytes, len)) return false;
    if (!copy.read_sub(static_cast<std::size_t>(len), sub)) return false;
    *this = copy;
    return true;
  }

  Bytes data_{};
};

class ByteWriter {
 public:
  // A mark remembers where a length prefix was reserved.
  struct Mark {
    std::size_t prefix_at = 0;
    std::size_t prefix_len = 0;
  };

  ByteWriter() = default;
  explicit ByteWriter(MutableBytes out) : out_(out) {}

  bool failed() const { return failed_; }
  std::size_t size() const { return len_; }
  std::size_t capacity() const { return out_.size(); }
  std::size_t available() const { return out_.size() - len_; }
  Bytes written() const { return Bytes(out_.data(), len_); }
  MutableBytes written_mutable() { return MutableBytes(out_.data(), len_); }

  void write_u8(uint8_t v) { write_uint(1, v); }
  void write_u16(uint16_t v) { write_uint(2, v); }
  void write_u24(uint32_t v) {
    if (v > 0xFFFFFFu) { failed_ = true; return; }
    write_uint(3, v);
  }
  void write_u32(uint32_t v) { write_uint(4, v); }
  void write_u48(uint64_t v) {
    if (v > 0xFFFFFFFFFFFFull) { failed_ = true; return; }
    write_uint(6, v);
  }
  void write_u64(uint64_t v) { write_uint(8, v); }
  void write_bytes(Bytes b) {
    if (!reserve(b.size())) return;
    if (!b.empty()) std::memmove(out_.data() + len_, b.data(), b.size());
    len_ += b.size();
  }
  void write_zeros(std::size_t n) {
    if (!reserve(n)) return;
    std::memset(out_.data() + len_, 0, n);
    len_ += n;
  }
  // Reserve n bytes to be filled in later (e.g. a MAC); returns the span.
  MutableBytes reserve_bytes(std::size_t n) {
    if (!reserve(n)) return {};
    MutableBytes s(out_.data() + len_, n);
    len_ += n;
    return s;
  }

  // Length prefixes: begin reserves the prefix, end fills it with the
  // number of bytes written since (and fails if it does not fit).
  Mark begin_prefixed8() { return begin_prefixed(1); }
  Mark begin_prefixed16() { return begin_prefixed(2); }
  Mark begin_prefixed24() { return begin_prefixed(3); }
  void end_prefixed(const Mark& m) {
    if (failed_) return;
    std::size_t body = len_ - m.prefix_at - m.prefix_len;
    uint64_t max = (uint64_t{1} << (8 * m.prefix_len)) - 1;
    if (body > max) { failed_ = true; return; }
    for (std::size_t i = 0; i < m.prefix_len; ++i)
      out_[m.prefix_at + i] = static_cast<uint8_t>(body >> (8 * (m.prefix_len - 1 - i)));
  }

  // Overwrite a big-endian value at an absolute offset already written.
  void patch_u16(std::size_t at, uint16_t v) {
    if (at + 2 > len_) { failed_ = true; return; }
    out_[at] = static_cast<uint8_t>(v >> 8);
    out_[at + 1] = static_cast<uint8_t>(v);
  }

 private:
  bool reserve(std::size_t n) {
    if (failed_ || n > out_.size() - len_) { failed_ = true; return false; }
    return true;
  }
  void write_uint(std::size_t n, uint64_t v) {
    if (!reserve(n)) return;
    for (std::size_t i = 0; i < n; ++i)
      out_[len_ + i] = static_cast<uint8_t>(v >> (8 * (n - 1 - i)));
    len_ += n;
  }
  Mark begin_prefixed(std::size_t n) {
    Mark m{len_, n};
    write_zeros(n);
    return m;
  }

  MutableBytes out_{};
  std::size_t len_ = 0;
  bool failed_ = false;
};

// Big-endian helpers for fixed offsets inside a buffer already known to be
// large enough (checked by the caller through a ByteReader first).
inline uint16_t load_be16(Bytes b, std::size_t at) {
  return static_cast<uint16_t>((b[at] << 8) | b[at + 1]);
}
inline uint32_t load_be32(Bytes b, std::size_t at) {
  return (uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) | (uint32_t{b[at + 2]} << 8) | b[at + 3];
}
inline void store_be16(MutableBytes b, std::size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}
inline void store_be32(MutableBytes b, std::size_t at, uint32_t v) {
  b[at] = static_cast<uint8_t>(v >> 24);
  b[at + 1] = static_cast<uint8_t>(v >> 16);
  b[at + 2] = static_cast<uint8_t>(v >> 8);
  b[at + 3] = static_cast<uint8_t>(v);
}

}  // namespace keyway
