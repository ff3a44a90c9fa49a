// SPDX-License-Identifier: Apache-2.0
// Timestamp and Duration: injected monotonic time, in microseconds.
// The core never reads a clock (architecture.md, "The sans-IO shape").
#pragma once

#include <cstdint>
#include <limits>

namespace keyway {

class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration micros(int64_t us) { return Duration(us); }
  static constexpr Duration millis(int64_t ms) { return Duration(ms * 1000); }
  static constexpr Duration seconds(int64_t s) { return Duration(s * 1000000); }
  constexpr int64_t as_micros() const { return us_; }
  constexpr int64_t as_millis() const { return us_ / 1000; }
  constexpr auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration o) const { return Duration(us_ + o.us_); }
  constexpr Duration operator-(Duration o) const { return Duration(us_ - o.us_); }
  constexpr Duration operator*(int64_t k) const { return Duration(us_ * k); }
  constexpr Duration operator/(int64_t k) const { return Duration(us_ / k); }

 private:
  constexpr explicit Duration(int64_t us) : us_(us) {}
  int64_t us_ = 0;
};

class Timestamp {
 public:
  constexpr Timestamp() = default;
  static constexpr Timestamp from_micros(uint64_t us) { return Timestamp(us); }
  static constexpr Timestamp zero() { return Timestamp(0); }
  // "No deadline": later than every real instant (ngtcp2's UINT64_MAX).
  static constexpr Timestamp never() { return Timestamp(std::numeric_limits<uint64_t>::max()); }
  constexpr uint64_t as_micros() const { return us_; }
  constexpr bool is_never() const { return us_ == std::numeric_limits<uint64_t>::max(); }
  constexpr auto operator<=>(const Timestamp&) const = default;
  constexpr Timestamp operator+(Duration d) const {
    if (is_never()) return *this;
    int64_t v = static_cast<int64_t>(us_) + d.as_micros();
    return Timestamp(v < 0 ? 0 : static_cast<uint64_t>(v));
  }
  constexpr Duration operator-(Timestamp o) const {
    return Duration::micros(static_cast<int64_t>(us_) - static_cast<int64_t>(o.us_));
  }

 private:
  constexpr explicit Timestamp(uint64_t us) : us_(us) {}
  uint64_t us_ = 0;
};

constexpr Timestamp earliest(Timestamp a, Timestamp b) { return a < b ? a : b; }

}  // namespace keyway
