// SPDX-License-Identifier: Apache-2.0
// srtp::Session: SRTP and SRTCP (RFC 3711) for one direction of one master
// key, with the profiles of RFC 5764, RFC 6188 and RFC 7714.
//
// A session either protects (Direction::outbound) or unprotects
// (Direction::inbound), like libsrtp; a call uses two, which also matches
// DTLS-SRTP keying (RFC 5764 §4.2: the client's key protects what the
// client sends). Inside a session each SSRC has its own stream: ROC,
// SRTCP index and replay windows.
//
// All four packet calls work in place on a caller-owned buffer and never
// allocate (the stream table is allocated once, in init):
//   protect_rtp / protect_rtcp    encrypt and append the trailer; the buffer
//                                 must have rtp_overhead() / rtcp_overhead()
//                                 spare bytes after packet_len
//   unprotect_rtp / unprotect_rtcp  verify and decrypt; the result is shorter
// Each returns the new packet length or an Error saying what was wrong
// (malformed field, authentication failed, replayed: duplicate or too old,
// unknown SSRC, key exhausted, ...). A packet that fails changes nothing:
// not the buffer's plaintext view, not the ROC, not the replay window; it is
// only counted in stats().
//
// Example, one RTP packet through a pair of sessions (profile: any of
// kAllProfiles; key and salt lengths from profile_info()):
//
//   srtp::SessionConfig cfg;
//   cfg.profile = srtp::Profile::aes128_cm_sha1_80;
//   srtp::Session tx, rx;
//   cfg.direction = srtp::Direction::outbound;
//   TRY(tx.init(cfg, master_key, master_salt));
//   cfg.direction = srtp::Direction::inbound;
//   TRY(rx.init(cfg, master_key, master_salt));
//
//   uint8_t buf[1500];                       // RTP packet in buf[0..len)
//   auto sent = tx.protect_rtp(buf, len);    // -> len + tag (+ MKI)
//   if (!sent) return sent.error();
//   auto got = rx.unprotect_rtp(buf, *sent); // -> len again, plaintext restored
//
// demo_roundtrip() below does exactly this for one profile.
#pragma once

#include <cstddef>
#include <cstdint>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/result.hpp"
#include "keyway/srtp/cipher.hpp"
#include "keyway/srtp/kdf.hpp"
#include "keyway/srtp/profile.hpp"
#include "keyway/srtp/replay.hpp"
#include "keyway/srtp/stream_table.hpp"
#include "keyway/srtp/trailer.hpp"

namespace keyway::srtp {

enum class Direction : uint8_t { outbound, inbound };

inline constexpr std::size_t kMaxMkiLen = 16;
// The most protect_rtcp can add: E||index + MKI + tag.
inline constexpr std::size_t kMaxTrailerLen = kSrtcpIndexLen + kMaxMkiLen + kMaxTagLen;

struct SessionConfig {
  // The one-byte fields first, then the sizes (issue 13: 48 bytes, not 64,
  // in each of a call's two sessions).
  Profile profile = Profile::aes128_cm_sha1_80;
  Direction direction = Direction::outbound;
  bool replay_protection = true;  // RFC 3711 §3.3.2: on unless you know better
  // Outbound: refuse to protect a (SSRC, index) twice, which would reuse
  // AES-CM keystream or, worse, an AES-GCM nonce (libsrtp does the same).
  // Set to true only for byte-identical retransmissions.
  bool allow_repeat_tx = false;
  // Create a stream for any SSRC on first use (the usual WebRTC setup). When
  // false, add_stream() must announce each SSRC, and others are refused.
  bool allow_any_ssrc = true;
  // Replay window in packets per SSRC (SRTP and SRTCP each): a multiple of 64
  // in [64, 32768]. 1024 keeps NACK retransmissions (RFC 4585) acceptable.
  std::size_t replay_window = kDefaultReplayWindow;
  std::size_t max_streams = 16;   // SSRCs this session will hold at most
  // Master Key Identifier (RFC 3711 §3.1): mki_len bytes of mki are appended
  // to every packet and must match on input. 0 = no MKI (DTLS-SRTP default).
  std::size_t mki_len = 0;
  uint8_t mki[kMaxMkiLen] = {};
};

// Counters for monitoring; a failed packet increments exactly one.
struct SessionStats {
  uint64_t rtp_packets = 0;        // protected or accepted SRTP packets
  uint64_t rtcp_packets = 0;       // protected or accepted SRTCP packets
  uint64_t auth_failures = 0;      // tag did not verify (or MKI unknown)
  uint64_t replay_duplicates = 0;  // index already accepted
  uint64_t replay_too_old = 0;     // index behind the replay window
  uint64_t malformed = 0;          // malformed or truncated packets
  uint64_t unknown_ssrc = 0;       // SSRC not announced and allow_any_ssrc off
  uint64_t key_exhausted = 0;      // ROC or SRTCP index would wrap (RFC 3711 §9.2)
  uint64_t other_errors = 0;       // stream table full, buffer too small, misuse
};

class Session {
 public:
  Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Derives the session keys (RFC 3711 §4.3) and allocates the stream table.
  // master_key and master_salt must have the profile's lengths.
  [[nodiscard]] Status init(const SessionConfig& config, Bytes master_key, Bytes master_salt);
  // Same, from already-derived session keys (known-answer tests such as
  // RFC 7714 §16-17 give session keys; also for callers with their own KDF).
  [[nodiscard]] Status init_with_session_keys(const SessionConfig& config, const SessionKeys& rtp_keys,
                                              const SessionKeys& rtcp_keys);
  bool initialized() const { return initialized_; }
  const SessionConfig& config() const { return config_; }
  const ProfileInfo& profile() const { return profile_info(config_.profile); }

  // Bytes protect_rtp / protect_rtcp append (tag, MKI, and for SRTCP E||index).
  std::size_t rtp_overhead() const { return rtp_trailer_.len; }
  std::size_t rtcp_overhead() const { return rtcp_trailer_.len; }

  // SRTP (§3.3): buffer[0..packet_len) holds an RTP packet; returns the new length.
  [[nodiscard]] Result<std::size_t> protect_rtp(MutableBytes buffer, std::size_t packet_len);
  [[nodiscard]] Result<std::size_t> unprotect_rtp(MutableBytes buffer, std::size_t packet_len);
  // SRTCP (§3.4): buffer[0..packet_len) holds a compound RTCP packet.
  [[nodiscard]] Result<std::size_t> protect_rtcp(MutableBytes buffer, std::size_t packet_len);
  [[nodiscard]] Result<std::size_t> unprotect_rtcp(MutableBytes buffer, std::size_t packet_len);

  // Streams: explicit announce (needed when allow_any_ssrc is false), removal
  // (e.g. on RTCP BYE), and the ROC for joining a stream mid-way (§3.3.1).
  [[nodiscard]] Status add_stream(uint32_t ssrc);
  [[nodiscard]] Status remove_stream(uint32_t ssrc);
  [[nodiscard]] Status set_roc(uint32_t ssrc, uint32_t roc);  // adds the stream if absent
  [[nodiscard]] Result<uint32_t> roc(uint32_t ssrc) const;
  // Outbound: the SRTCP index the next protect_rtcp of ssrc uses.
  [[nodiscard]] Status set_srtcp_index(uint32_t ssrc, uint32_t next_index);
  std::size_t stream_count() const { return streams_.size(); }

  const SessionStats& stats() const { return stats_; }

 private:
  // Outbound: the stream of ssrc, created on first use when allowed.
  Result<Stream*> stream_for(uint32_t ssrc) {
    if (Stream* s = streams_.find(ssrc)) return s;
    return new_outbound_stream(ssrc);
  }
  Result<Stream*> new_outbound_stream(uint32_t ssrc);
  // Inbound, unknown SSRC: may a stream be created for it once the packet
  // authenticates? (Checked before the crypto so that creating it cannot fail.)
  Status admit_new_stream() const;
  Error count(const Error& e);
  Status check_mki(Bytes mki);
  void write_mki(MutableBytes out) const;

  // The packet paths (srtp.cpp): one for SRTP and SRTCP, with what differs
  // between them as data (PacketKind). "body_end" is where the encrypted
  // portion ends and the trailer (tag, MKI, SRTCP index; see trailer.hpp)
  // starts; buffers are large enough.
  struct PacketKind;
  struct Packet;
  static const PacketKind kSrtp;
  static const PacketKind kSrtcp;
  Result<std::size_t> protect(const PacketKind& kind, MutableBytes buffer, std::size_t packet_len);
  Result<std::size_t> unprotect(const PacketKind& kind, MutableBytes buffer, std::size_t packet_len);
  uint64_t rtp_index(const Stream* s, uint16_t sequence) const;
  void note_rtp_index(Stream& s, uint64_t index);
  Status seal(const Packet& p);
  bool open(const Packet& p);  // true when the packet authenticated (then decrypted)
  void write_trailer(const Packet& p) const;
  const Trailer& trailer(bool rtcp) const { return rtcp ? rtcp_trailer_ : rtp_trailer_; }
  PacketCipher& cipher(bool rtcp) { return rtcp ? rtcp_ : rtp_; }

  SessionConfig config_{};
  PacketCipher rtp_;
  PacketCipher rtcp_;
  Trailer rtp_trailer_{};   // where tag and MKI sit: from the profile and mki_len, set in init
  Trailer rtcp_trailer_{};  // the same with the E||index word
  StreamTable streams_;
  SessionStats stats_{};
  bool initialized_ = false;
};

// For demos and smoke tests: protects and unprotects one RTP and one RTCP
// packet with profile under an all-0x01 master key; ok when both come back
// byte-identical.
[[nodiscard]] Status demo_roundtrip(Profile profile);

}  // namespace keyway::srtp
