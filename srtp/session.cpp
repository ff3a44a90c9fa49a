// SPDX-License-Identifier: Apache-2.0
#include "keyway/srtp/session.hpp"

#include <cstring>
#include <initializer_list>

#include "keyway/srtp/index.hpp"
#include "keyway/srtp/kdf.hpp"

namespace keyway::srtp {

namespace {
constexpr Error kWindow = make_error(Layer::srtp, Code::invalid_argument,
                                     "srtp config: replay_window must be a multiple of 64 in [64, 32768]");
constexpr Error kStreams = make_error(Layer::srtp, Code::invalid_argument, "srtp config: max_streams must be 1..65536");
constexpr Error kMkiLen = make_error(Layer::srtp, Code::invalid_argument, "srtp config: mki_len must be 0..16");
constexpr Error kKeyLens =
    make_error(Layer::srtp, Code::invalid_argument, "srtp: session key lengths do not match the profile");
constexpr Error kNotInit = make_error(Layer::srtp, Code::bad_state, "srtp: session not initialised");
constexpr Error kUnknownSsrc =
    make_error(Layer::srtp, Code::unknown_stream, "srtp: unknown ssrc (allow_any_ssrc is off; call add_stream)");
constexpr Error kFull = make_error(Layer::srtp, Code::capacity, "srtp: stream table full (max_streams SSRCs)");
constexpr Error kBadMki = make_error(Layer::srtp, Code::auth_failed, "srtp: mki does not name this session's master key");
constexpr Error kIndexRange = make_error(Layer::srtp, Code::invalid_argument, "srtp: srtcp index must be below 2^31");
constexpr Error kNoStream = make_error(Layer::srtp, Code::unknown_stream, "srtp: no stream with this ssrc");
}  // namespace

Status Session::init(const SessionConfig& config, Bytes master_key, Bytes master_salt) {
  initialized_ = false;
  const ProfileInfo& info = profile_info(config.profile);
  SessionKeys rtp_keys, rtcp_keys;
  TRY(derive_session_keys(info, master_key, master_salt, false, rtp_keys));
  TRY(derive_session_keys(info, master_key, master_salt, true, rtcp_keys));
  return init_with_session_keys(config, rtp_keys, rtcp_keys);
}

Status Session::init_with_session_keys(const SessionConfig& config, const SessionKeys& rtp_keys,
                                       const SessionKeys& rtcp_keys) {
  initialized_ = false;
  ENSURE(config.replay_window % 64 == 0 && config.replay_window >= kMinReplayWindow &&
             config.replay_window <= kMaxReplayWindow,
         kWindow);
  ENSURE(config.max_streams >= 1 && config.max_streams <= 65536, kStreams);
  ENSURE(config.mki_len <= kMaxMkiLen, kMkiLen);
  const ProfileInfo& info = profile_info(config.profile);
  for (const SessionKeys* k : {&rtp_keys, &rtcp_keys})
    ENSURE(k->key_len == info.key_len && k->salt_len == info.salt_len && k->auth_key_len == info.auth_key_len,
           kKeyLens);
  TRY(rtp_.init(info, rtp_keys, info.rtp_tag_len));
  TRY(rtcp_.init(info, rtcp_keys, info.rtcp_tag_len));
  // An outbound session never checks SRTCP replay (it numbers SRTCP itself).
  TRY(streams_.init(config.max_streams, config.replay_window, config.direction == Direction::inbound));
  rtp_trailer_ = Trailer::srtp(info.aead, info.rtp_tag_len, config.mki_len);
  rtcp_trailer_ = Trailer::srtcp(info.aead, info.rtcp_tag_len, config.mki_len);
  config_ = config;
  stats_ = SessionStats{};
  initialized_ = true;
  return ok_status();
}

Error Session::count(const Error& e) {
  switch (e.code) {
    case Code::auth_failed: ++stats_.auth_failures; break;
    case Code::replayed: ++stats_.replay_duplicates; break;
    case Code::too_old: ++stats_.replay_too_old; break;
    case Code::malformed:
    case Code::truncated: ++stats_.malformed; break;
    case Code::unknown_stream: ++stats_.unknown_ssrc; break;
    case Code::key_exhausted: ++stats_.key_exhausted; break;
    default: ++stats_.other_errors; break;
  }
  return e;
}

Result<Stream*> Session::new_outbound_stream(uint32_t ssrc) {
  ENSURE(config_.allow_any_ssrc, kUnknownSsrc);
  return streams_.insert(ssrc);
}

Status Session::admit_new_stream() const {
  ENSURE(config_.allow_any_ssrc, kUnknownSsrc);
  ENSURE(!streams_.full(), kFull);
  return ok_status();
}

Status Session::check_mki(Bytes mki) {
  // Compared in constant time like a tag: it selects the key (§3.1).
  ENSURE(crypto::ct_equal(mki, Bytes(config_.mki, config_.mki_len)), kBadMki);
  return ok_status();
}

void Session::write_mki(MutableBytes out) const {
  if (config_.mki_len != 0) std::memcpy(out.data(), config_.mki, config_.mki_len);
}

Status Session::add_stream(uint32_t ssrc) {
  ENSURE(initialized_, kNotInit);
  TRY(streams_.insert(ssrc));
  return ok_status();
}

Status Session::remove_stream(uint32_t ssrc) {
  ENSURE(initialized_, kNotInit);
  return streams_.remove(ssrc);
}

Status Session::set_roc(uint32_t ssrc, uint32_t roc) {
  ENSURE(initialized_, kNotInit);
  Stream* s = streams_.find(ssrc);
  if (s == nullptr) {
    auto added = streams_.insert(ssrc);
    if (!added) return added.error();
    s = *added;
  }
  s->initial_roc = roc;
  if (s->rtp_started) s->rtp_highest = make_packet_index(roc, static_cast<uint16_t>(s->rtp_highest & 0xFFFF));
  s->rtp_replay.reset();
  return ok_status();
}

Result<uint32_t> Session::roc(uint32_t ssrc) const {
  const Stream* s = streams_.find(ssrc);
  ENSURE(s != nullptr, kNoStream);
  return s->rtp_started ? roc_of(s->rtp_highest) : s->initial_roc;
}

Status Session::set_srtcp_index(uint32_t ssrc, uint32_t next_index) {
  ENSURE(initialized_, kNotInit);
  ENSURE(next_index <= kMaxSrtcpIndex, kIndexRange);
  Stream* s = streams_.find(ssrc);
  if (s == nullptr) {
    auto added = streams_.insert(ssrc);
    if (!added) return added.error();
    s = *added;
  }
  s->srtcp_next = next_index;
  return ok_status();
}

Status demo_roundtrip(Profile profile) {
  const ProfileInfo& info = profile_info(profile);
  uint8_t key[kMaxKeyLen], salt[kMaxSaltLen];
  std::memset(key, 1, sizeof key);
  std::memset(salt, 1, sizeof salt);
  SessionConfig cfg;
  cfg.profile = profile;
  Session tx, rx;
  TRY(tx.init(cfg, {key, info.key_len}, {salt, info.salt_len}));
  cfg.direction = Direction::inbound;
  TRY(rx.init(cfg, {key, info.key_len}, {salt, info.salt_len}));
  const uint8_t rtp[] = {0x80, 0x60, 0x12, 0x34, 0, 0, 0, 160, 0xca, 0xfe, 0xba, 0xbe, 'h', 'e', 'l', 'l', 'o'};
  const uint8_t rtcp[] = {0x80, 0xc9, 0x00, 0x01, 0xca, 0xfe, 0xba, 0xbe};  // empty receiver report
  uint8_t buf[64];
  const Error mismatch = make_error(Layer::srtp, Code::internal, "srtp demo: round trip changed the packet");
  std::memcpy(buf, rtp, sizeof rtp);
  auto n = tx.protect_rtp(buf, sizeof rtp);
  if (!n) return n.error();
  auto m = rx.unprotect_rtp(buf, *n);
  if (!m) return m.error();
  ENSURE(*m == sizeof rtp && std::memcmp(buf, rtp, sizeof rtp) == 0, mismatch);
  std::memcpy(buf, rtcp, sizeof rtcp);
  n = tx.protect_rtcp(buf, sizeof rtcp);
  if (!n) return n.error();
  m = rx.unprotect_rtcp(buf, *n);
  if (!m) return m.error();
  ENSURE(*m == sizeof rtcp && std::memcmp(buf, rtcp, sizeof rtcp) == 0, mismatch);
  return ok_status();
}

}  // namespace keyway::srtp
