// SPDX-License-Identifier: Apache-2.0
// Result<T> and Error: errors are values, never exceptions (style.md §2).
//
// An Error names the layer it came from, a category (Code) and a static
// detail string that says exactly what was wrong ("rtp header: csrc list
// runs past the end of the packet"). It never owns memory, so it can be
// returned from the steady-state packet path without allocating.
#pragma once

#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

#include "keyway/lib/profile.hpp"

namespace keyway {

enum class Layer : uint8_t { lib, crypto, srtp, dtls, sdp, ice, peer };

// Categories shared by every layer. Add a code here when a layer needs a
// category that none of these describes; keep the list short.
enum class Code : uint8_t {
  ok = 0,
  malformed,        // input violates the wire grammar
  truncated,        // input ends before a field it announces
  auth_failed,      // MAC / AEAD tag did not verify
  replayed,         // already seen (inside the replay window)
  too_old,          // older than the replay window
  unknown_stream,   // e.g. an SSRC with no context and auto-create off
  key_exhausted,    // key-usage limit reached (RFC 3711 §9.2)
  capacity,         // a configured bound would be exceeded
  buffer_too_small, // caller's buffer cannot hold the output
  unsupported,      // valid but not implemented / not negotiated
  invalid_argument, // caller passed something out of range
  bad_state,        // call not allowed in the current state
  crypto_failure,   // the crypto primitive itself failed
  handshake_failure,
  bad_certificate,
  decode_error,
  illegal_parameter,
  unexpected_message,
  timeout,
  internal,
  protocol_version,  // the peer offers no protocol version we speak
  consent_lost,      // RFC 7675 §5.1: the peer stopped answering on the selected path
  no_path,           // RFC 8445 §8.1.2: no candidate pair could be validated
};

const char* to_string(Layer layer);
const char* to_string(Code code);

struct Error {
  Layer layer = Layer::lib;
  Code code = Code::internal;
#if KEYWAY_PROFILE_MINIMAL
  // No error texts (profile::kErrorText): an Error is its two bytes, and a
  // Status packs it into one word (below), returned in a register.
  static constexpr const char* detail = "";
#else
  const char* detail = "";  // static string; never owned
#endif

  friend bool operator==(const Error& a, const Error& b) {
    return a.layer == b.layer && a.code == b.code;
  }
};

// Formats "layer: code: detail" into out (always NUL-terminated when
// out_len > 0). Returns the number of characters written, excluding NUL.
std::size_t format_error(const Error& e, char* out, std::size_t out_len);

#if KEYWAY_PROFILE_MINIMAL
// An error on its way up through TRY, in the minimal profile: a failed
// Status's word as it is, so passing it up re-encodes nothing.
struct Failure {
  uint32_t bits;
  operator Error() const {
    return Error{static_cast<Layer>((bits >> 8) & 0xFF), static_cast<Code>((bits >> 16) & 0xFF)};
  }
};
#endif

// Result<T>: either a T or an Error. A tiny std::expected stand-in.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(const T& v) : ok_(true) { new (&storage_.value) T(v); }
  Result(T&& v) : ok_(true) { new (&storage_.value) T(std::move(v)); }
  Result(const Error& e) : ok_(false) { new (&storage_.error) Error(e); }
#if KEYWAY_PROFILE_MINIMAL
  Result(Failure f) : Result(static_cast<Error>(f)) {}
#endif
  Result(const Result& o) : ok_(o.ok_) {
    if (ok_) new (&storage_.value) T(o.storage_.value);
    else new (&storage_.error) Error(o.storage_.error);
  }
  Result(Result&& o) noexcept : ok_(o.ok_) {
    if (ok_) new (&storage_.value) T(std::move(o.storage_.value));
    else new (&storage_.error) Error(o.storage_.error);
  }
  Result& operator=(const Result& o) {
    if (this != &o) { destroy(); ok_ = o.ok_; if (ok_) new (&storage_.value) T(o.storage_.value); else new (&storage_.error) Error(o.storage_.error); }
    return *this;
  }
  Result& operator=(Result&& o) noexcept {
    if (this != &o) { destroy(); ok_ = o.ok_; if (ok_) new (&storage_.value) T(std::move(o.storage_.value)); else new (&storage_.error) Error(o.storage_.error); }
    return *this;
  }
  ~Result() { destroy(); }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  T& value() & { return storage_.value; }
  const T& value() const& { return storage_.value; }
  T&& value() && { return std::move(storage_.value); }
  T& operator*() & { return storage_.value; }
  const T& operator*() const& { return storage_.value; }
  T* operator->() { return &storage_.value; }
  const T* operator->() const { return &storage_.value; }
  const Error& error() const { return storage_.error; }

 private:
  void destroy() {
    if (ok_) storage_.value.~T();
  }
  union Storage {
    Storage() {}
    ~Storage() {}
    T value;
    Error error;
  } storage_;
  bool ok_;
};

// Result<void>: success or an Error.
#if KEYWAY_PROFILE_MINIMAL
// Without error texts (profile::kErrorText) a Status is one word: bit 0 says
// ok, then the layer and the code. A function returns it in r0, and an error
// is one immediate rather than three fields filled in one by one.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(const Error& e) : bits_(uint32_t{static_cast<uint8_t>(e.layer)} << 8 | uint32_t{static_cast<uint8_t>(e.code)} << 16) {}
  Result(Failure f) : bits_(f.bits) {}
  bool ok() const { return (bits_ & 1u) != 0; }
  explicit operator bool() const { return ok(); }
  Error error() const { return Failure{bits_}; }
  Failure failure() const { return Failure{bits_}; }
  void value() const {}

 private:
  uint32_t bits_ = 1;
};
#else
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(const Error& e) : ok_(false), error_(e) {}
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }
  void value() const {}

 private:
  bool ok_ = true;
  Error error_{};
};
#endif

using Status = Result<void>;

// What TRY returns from the caller: the error; in the minimal profile a
// Failure, which a Status passes up as the word it already is.
#if KEYWAY_PROFILE_MINIMAL
inline Failure failure_of(const Status& s) { return s.failure(); }
template <typename T>
Failure failure_of(const Result<T>& r) {
  return Status(r.error()).failure();
}
#define KEYWAY_TRY_FAILURE(r) ::keyway::failure_of(r)
#else
#define KEYWAY_TRY_FAILURE(r) r.error()
#endif

inline Status ok_status() { return Status{}; }

// Without error texts (profile::kErrorText, the minimal profile) an error
// keeps its layer and code: the texts were a sixth of keyway's flash.
constexpr Error make_error(Layer layer, Code code, [[maybe_unused]] const char* detail) {
#if KEYWAY_PROFILE_MINIMAL
  static_assert(!profile::kErrorText);
  return Error{layer, code};
#else
  return Error{layer, code, detail};
#endif
}

}  // namespace keyway

// TRY(expr): evaluate a Result; on error, return the error from the caller.
#define KEYWAY_CONCAT_INNER(a, b) a##b
#define KEYWAY_CONCAT(a, b) KEYWAY_CONCAT_INNER(a, b)
#define TRY(expr)                                             \
  do {                                                        \
    auto&& KEYWAY_CONCAT(try_result_, __LINE__) = (expr);     \
    if (!KEYWAY_CONCAT(try_result_, __LINE__).ok())           \
      return KEYWAY_TRY_FAILURE(KEYWAY_CONCAT(try_result_, __LINE__)); \
  } while (0)

// ENSURE(cond, error): return error unless cond holds.
#define ENSURE(cond, err) \
  do {                    \
    if (!(cond)) return (err); \
  } while (0)
