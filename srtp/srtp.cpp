// SPDX-License-Identifier: Apache-2.0
// SRTP packet processing (RFC 3711 §3.3, RFC 7714 §8): Session's RTP half.
//
//   AES-CM:  | RTP header | payload (encrypted) | MKI? | tag |
//            tag = HMAC-SHA1(k_a, header || payload || ROC), truncated (§4.2)
//   AES-GCM: | RTP header | payload (encrypted) | tag (16) | MKI? |
//            AAD = header, nonce from SSRC, ROC, SEQ (RFC 7714 §8.1)
#include <cstring>

#include "keyway/srtp/index.hpp"
#include "keyway/srtp/rtp_header.hpp"
#include "keyway/srtp/session.hpp"

namespace keyway::srtp {

namespace {
constexpr Error kNotInit = make_error(Layer::srtp, Code::bad_state, "srtp: session not initialised");
constexpr Error kNotOutbound = make_error(Layer::srtp, Code::bad_state, "srtp: protect on an inbound session");
constexpr Error kNotInbound = make_error(Layer::srtp, Code::bad_state, "srtp: unprotect on an outbound session");
constexpr Error kLenPastBuffer =
    make_error(Layer::srtp, Code::invalid_argument, "srtp: packet_len is larger than the buffer");
constexpr Error kNoRoom =
    make_error(Layer::srtp, Code::buffer_too_small, "srtp: buffer has no room for the tag (see rtp_overhead)");
constexpr Error kShort =
    make_error(Layer::srtp, Code::truncated, "srtp: packet shorter than its header plus authentication tag");
constexpr Error kAuth = make_error(Layer::srtp, Code::auth_failed, "srtp: authentication failed");
constexpr Error kDuplicate = make_error(Layer::srtp, Code::replayed, "srtp: replayed packet (duplicate index)");
constexpr Error kTooOld = make_error(Layer::srtp, Code::too_old, "srtp: replayed packet (older than the replay window)");
constexpr Error kRepeatTx = make_error(Layer::srtp, Code::replayed,
                                      "srtp: this ssrc and index were already protected (would reuse keystream/nonce)");
constexpr Error kOldTx =
    make_error(Layer::srtp, Code::too_old, "srtp: index older than the sender's window (cannot rule out reuse)");
constexpr Error kExhausted =
    make_error(Layer::srtp, Code::key_exhausted, "srtp: key exhausted (ROC would pass 2^32-1, RFC 3711 §9.2)");

void store_roc(uint8_t out[4], uint64_t index) {
  const uint32_t roc = roc_of(index);
  for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(roc >> (24 - 8 * i));
}
}  // namespace

Status Session::seal_rtp(MutableBytes buffer, std::size_t header_len, std::size_t body_end, uint32_t ssrc,
                         uint64_t index) {
  const Trailer& t = rtp_trailer_;
  MutableBytes payload = buffer.subspan(header_len, body_end - header_len);
  if (rtp_.aead()) {
    uint8_t iv[crypto::kAeadNonceSize];
    rtp_.gcm_rtp_iv(ssrc, index, iv);
    TRY(rtp_.gcm().seal(iv, buffer.first(header_len), payload, t.tag(buffer, body_end)));
    write_mki(t.mki(buffer, body_end));
    return ok_status();
  }
  uint8_t iv[16];
  rtp_.cm_iv(ssrc, index, iv);
  rtp_.cm_xor(iv, payload);
  write_mki(t.mki(buffer, body_end));
  uint8_t roc[4], mac[crypto::Sha1::kDigestSize];
  store_roc(roc, index);
  rtp_.mac(buffer.first(t.authenticated_end(body_end)), roc, mac);  // the MKI is not authenticated (§3.1)
  std::memcpy(t.tag(buffer, body_end).data(), mac, t.tag_len);
  return ok_status();
}

Status Session::open_rtp(MutableBytes packet, std::size_t header_len, std::size_t body_end, uint32_t ssrc,
                         uint64_t index) {
  const Trailer& t = rtp_trailer_;
  MutableBytes payload = packet.subspan(header_len, body_end - header_len);
  if (rtp_.aead()) {
    uint8_t iv[crypto::kAeadNonceSize];
    rtp_.gcm_rtp_iv(ssrc, index, iv);
    // AesGcm::open leaves the payload untouched when the tag is wrong.
    ENSURE(rtp_.gcm().open(iv, packet.first(header_len), payload, t.tag(packet, body_end)).ok(), kAuth);
    return ok_status();
  }
  uint8_t roc[4], mac[crypto::Sha1::kDigestSize];
  store_roc(roc, index);
  rtp_.mac(packet.first(t.authenticated_end(body_end)), roc, mac);
  ENSURE(crypto::verify_mac({mac, t.tag_len}, t.tag(packet, body_end)), kAuth);
  uint8_t iv[16];
  rtp_.cm_iv(ssrc, index, iv);
  rtp_.cm_xor(iv, payload);
  return ok_status();
}

Result<std::size_t> Session::protect_rtp(MutableBytes buffer, std::size_t packet_len) {
  if (!initialized_) return count(kNotInit);
  if (config_.direction != Direction::outbound) return count(kNotOutbound);
  if (packet_len > buffer.size()) return count(kLenPastBuffer);
  const Bytes packet = buffer.first(packet_len);
  auto header = parse_rtp_header(packet);
  if (!header) return count(header.error());
  if (auto payload = rtp_payload_len(packet, *header); !payload) return count(payload.error());
  if (buffer.size() - packet_len < rtp_overhead()) return count(kNoRoom);
  auto stream = stream_for(header->ssrc);
  if (!stream) return count(stream.error());
  Stream& s = **stream;
  const uint64_t index = s.rtp_started ? estimate_packet_index(s.rtp_highest, header->sequence)
                                       : make_packet_index(s.initial_roc, header->sequence);
  if (index > kMaxPacketIndex) return count(kExhausted);
  if (!config_.allow_repeat_tx) {  // the sender's own window: never the same keystream twice
    const ReplayCheck used = s.rtp_replay.check(index);
    if (used == ReplayCheck::duplicate) return count(kRepeatTx);
    if (used == ReplayCheck::too_old) return count(kOldTx);
  }
  if (auto sealed = seal_rtp(buffer, header->header_len, packet_len, header->ssrc, index); !sealed)
    return count(sealed.error());
  if (!s.rtp_started || index > s.rtp_highest) s.rtp_highest = index;
  s.rtp_started = true;
  s.rtp_replay.accept(index);
  ++stats_.rtp_packets;
  return packet_len + rtp_overhead();
}

void Session::accept_rtp(Stream& s, uint64_t index) {
  if (!s.rtp_started || index > s.rtp_highest) s.rtp_highest = index;
  s.rtp_started = true;
  if (config_.replay_protection) s.rtp_replay.accept(index);
}

Result<std::size_t> Session::unprotect_rtp(MutableBytes buffer, std::size_t packet_len) {
  if (!initialized_) return count(kNotInit);
  if (config_.direction != Direction::inbound) return count(kNotInbound);
  if (packet_len > buffer.size()) return count(kLenPastBuffer);
  MutableBytes packet = buffer.first(packet_len);
  auto header = parse_rtp_header(packet);
  if (!header) return count(header.error());
  if (packet_len < header->header_len + rtp_overhead()) return count(kShort);
  const std::size_t body_end = packet_len - rtp_overhead();
  if (config_.mki_len != 0) {
    if (auto mki = check_mki(rtp_trailer_.mki(packet, body_end)); !mki) return count(mki.error());
  }
  Stream* s = streams_.find(header->ssrc);  // nullptr: a new SSRC, created only once it authenticates
  if (s == nullptr) {
    if (auto admitted = admit_new_stream(); !admitted) return count(admitted.error());
  }
  const uint64_t index = (s != nullptr && s->rtp_started) ? estimate_packet_index(s->rtp_highest, header->sequence)
                                                          : make_packet_index(s ? s->initial_roc : 0, header->sequence);
  if (index > kMaxPacketIndex) return count(kExhausted);
  if (s != nullptr && config_.replay_protection) {  // §3.3.2: before the (costly) authentication
    const ReplayCheck seen = s->rtp_replay.check(index);
    if (seen == ReplayCheck::duplicate) return count(kDuplicate);
    if (seen == ReplayCheck::too_old) return count(kTooOld);
  }
  if (auto opened = open_rtp(packet, header->header_len, body_end, header->ssrc, index); !opened)
    return count(opened.error());
  // Authenticated: only now may the packet change state (§3.3.2).
  if (s == nullptr) s = *streams_.insert(header->ssrc);  // cannot fail: admitted above
  accept_rtp(*s, index);
  ++stats_.rtp_packets;
  return body_end;
}

}  // namespace keyway::srtp
