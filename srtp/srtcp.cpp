// SPDX-License-Identifier: Apache-2.0
// SRTCP packet processing (RFC 3711 §3.4, RFC 7714 §9): Session's RTCP half.
//
//   AES-CM:  | header (8) | rest (encrypted) | E | index (31) | MKI? | tag |
//            tag = HMAC-SHA1(k_a, header || rest || E||index), 80 bits
//   AES-GCM: | header (8) | rest (encrypted) | tag (16) | E | index | MKI? |
//            AAD = header || E||index, nonce from SSRC and index (§9.1)
// E = 1 when the rest is encrypted; we always send E = 1 and accept E = 0.
#include <cstring>

#include "keyway/srtp/index.hpp"
#include "keyway/srtp/rtp_header.hpp"
#include "keyway/srtp/session.hpp"

namespace keyway::srtp {

namespace {
constexpr Error kNotInit = make_error(Layer::srtp, Code::bad_state, "srtcp: session not initialised");
constexpr Error kNotOutbound = make_error(Layer::srtp, Code::bad_state, "srtcp: protect on an inbound session");
constexpr Error kNotInbound = make_error(Layer::srtp, Code::bad_state, "srtcp: unprotect on an outbound session");
constexpr Error kLenPastBuffer =
    make_error(Layer::srtp, Code::invalid_argument, "srtcp: packet_len is larger than the buffer");
constexpr Error kNoRoom = make_error(Layer::srtp, Code::buffer_too_small,
                                     "srtcp: buffer has no room for index and tag (see rtcp_overhead)");
constexpr Error kShort =
    make_error(Layer::srtp, Code::truncated, "srtcp: packet shorter than header, SRTCP index and tag");
constexpr Error kAuth = make_error(Layer::srtp, Code::auth_failed, "srtcp: authentication failed");
constexpr Error kDuplicate = make_error(Layer::srtp, Code::replayed, "srtcp: replayed packet (duplicate index)");
constexpr Error kTooOld =
    make_error(Layer::srtp, Code::too_old, "srtcp: replayed packet (older than the replay window)");
constexpr Error kExhausted =
    make_error(Layer::srtp, Code::key_exhausted, "srtcp: key exhausted (2^31 SRTCP packets, RFC 3711 §9.2)");
constexpr uint32_t kEncryptedFlag = 0x80000000u;
}  // namespace

Status Session::seal_rtcp(MutableBytes buffer, std::size_t body_end, uint32_t ssrc, uint32_t index) {
  const Trailer& t = rtcp_trailer_;
  MutableBytes rest = buffer.subspan(kRtcpHeaderLen, body_end - kRtcpHeaderLen);
  const uint32_t e_index = kEncryptedFlag | index;
  if (rtcp_.aead()) {
    uint8_t iv[crypto::kAeadNonceSize], aad[kRtcpHeaderLen + kSrtcpIndexLen];
    rtcp_.gcm_rtcp_iv(ssrc, index, iv);
    std::memcpy(aad, buffer.data(), kRtcpHeaderLen);
    store_be32(aad, kRtcpHeaderLen, e_index);
    TRY(rtcp_.gcm().seal(iv, aad, rest, t.tag(buffer, body_end)));
    store_be32(buffer, body_end + t.index_at, e_index);
    write_mki(t.mki(buffer, body_end));
    return ok_status();
  }
  uint8_t iv[16], mac[crypto::Sha1::kDigestSize];
  rtcp_.cm_iv(ssrc, index, iv);
  rtcp_.cm_xor(iv, rest);
  store_be32(buffer, body_end + t.index_at, e_index);
  write_mki(t.mki(buffer, body_end));
  rtcp_.mac(buffer.first(t.authenticated_end(body_end)), {}, mac);
  std::memcpy(t.tag(buffer, body_end).data(), mac, t.tag_len);
  return ok_status();
}

Result<std::size_t> Session::protect_rtcp(MutableBytes buffer, std::size_t packet_len) {
  if (!initialized_) return count(kNotInit);
  if (config_.direction != Direction::outbound) return count(kNotOutbound);
  if (packet_len > buffer.size()) return count(kLenPastBuffer);
  auto header = parse_rtcp_header(buffer.first(packet_len));
  if (!header) return count(header.error());
  if (buffer.size() - packet_len < rtcp_overhead()) return count(kNoRoom);
  auto stream = stream_for(header->ssrc);
  if (!stream) return count(stream.error());
  Stream& s = **stream;
  if (s.srtcp_next > kMaxSrtcpIndex) return count(kExhausted);  // never wrap (§3.4, §9.2)
  if (auto sealed = seal_rtcp(buffer, packet_len, header->ssrc, s.srtcp_next); !sealed) return count(sealed.error());
  ++s.srtcp_next;
  ++stats_.rtcp_packets;
  return packet_len + rtcp_overhead();
}

Status Session::open_rtcp(MutableBytes packet, std::size_t body_end, uint32_t ssrc, uint32_t e_index) {
  const Trailer& t = rtcp_trailer_;
  const bool encrypted = (e_index & kEncryptedFlag) != 0;
  const uint32_t index = e_index & ~kEncryptedFlag;
  MutableBytes rest = packet.subspan(kRtcpHeaderLen, body_end - kRtcpHeaderLen);
  if (!rtcp_.aead()) {
    uint8_t mac[crypto::Sha1::kDigestSize];
    rtcp_.mac(packet.first(t.authenticated_end(body_end)), {}, mac);
    ENSURE(crypto::verify_mac({mac, t.tag_len}, t.tag(packet, body_end)), kAuth);
    if (encrypted) {
      uint8_t iv[16];
      rtcp_.cm_iv(ssrc, index, iv);
      rtcp_.cm_xor(iv, rest);
    }
    return ok_status();
  }
  uint8_t iv[crypto::kAeadNonceSize];
  rtcp_.gcm_rtcp_iv(ssrc, index, iv);
  if (encrypted) {
    uint8_t aad[kRtcpHeaderLen + kSrtcpIndexLen];
    std::memcpy(aad, packet.data(), kRtcpHeaderLen);
    store_be32(aad, kRtcpHeaderLen, e_index);
    ENSURE(rtcp_.gcm().open(iv, aad, rest, t.tag(packet, body_end)).ok(), kAuth);
    return ok_status();
  }
  // E = 0 (RFC 7714 §9.3): everything up to the tag, then E||index, is AAD.
  // The tag sits right after the body (trailer.hpp): move E||index into its
  // place for one contiguous AAD, then put the tag back.
  MutableBytes wire_tag = t.tag(packet, body_end);
  uint8_t tag[kMaxTagLen];
  std::memcpy(tag, wire_tag.data(), t.tag_len);
  store_be32(packet, body_end, e_index);
  const bool ok = rtcp_.gcm().open(iv, packet.first(body_end + kSrtcpIndexLen), {}, {tag, t.tag_len}).ok();
  std::memcpy(wire_tag.data(), tag, t.tag_len);
  ENSURE(ok, kAuth);
  return ok_status();
}

Result<std::size_t> Session::unprotect_rtcp(MutableBytes buffer, std::size_t packet_len) {
  if (!initialized_) return count(kNotInit);
  if (config_.direction != Direction::inbound) return count(kNotInbound);
  if (packet_len > buffer.size()) return count(kLenPastBuffer);
  MutableBytes packet = buffer.first(packet_len);
  auto header = parse_rtcp_header(packet);
  if (!header) return count(header.error());
  if (packet_len < kRtcpHeaderLen + rtcp_overhead()) return count(kShort);
  const std::size_t body_end = packet_len - rtcp_overhead();
  if (config_.mki_len != 0) {
    if (auto mki = check_mki(rtcp_trailer_.mki(packet, body_end)); !mki) return count(mki.error());
  }
  const uint32_t e_index = load_be32(packet, body_end + rtcp_trailer_.index_at);
  const uint32_t index = e_index & kMaxSrtcpIndex;
  Stream* s = streams_.find(header->ssrc);  // nullptr: created only once the packet authenticates
  if (s == nullptr) {
    if (auto admitted = admit_new_stream(); !admitted) return count(admitted.error());
  }
  if (s != nullptr && config_.replay_protection) {
    const ReplayCheck seen = s->rtcp_replay.check(index);
    if (seen == ReplayCheck::duplicate) return count(kDuplicate);
    if (seen == ReplayCheck::too_old) return count(kTooOld);
  }
  if (auto opened = open_rtcp(packet, body_end, header->ssrc, e_index); !opened) return count(opened.error());
  if (s == nullptr) s = *streams_.insert(header->ssrc);  // cannot fail: admitted above
  if (config_.replay_protection) s->rtcp_replay.accept(index);
  ++stats_.rtcp_packets;
  return body_end;
}

}  // namespace keyway::srtp
