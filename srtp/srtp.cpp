// SPDX-License-Identifier: Apache-2.0
// SRTP and SRTCP packet processing: Session's packet paths. RTP (RFC 3711
// §3.3, RFC 7714 §8) and RTCP (RFC 3711 §3.4, RFC 7714 §9) take the same
// steps: find the stream, number the packet, check the replay window, run
// the transform, and only then update the stream. What differs between them
// is data (PacketKind below) and a few "if (p.rtcp)" lines.
//
//   SRTP,  AES-CM:   | RTP header | payload (encrypted) | MKI? | tag |
//                    tag = HMAC-SHA1(k_a, header || payload || ROC), truncated (§4.2)
//   SRTP,  AES-GCM:  | RTP header | payload (encrypted) | tag (16) | MKI? |
//                    AAD = header, nonce from SSRC, ROC, SEQ (RFC 7714 §8.1)
//   SRTCP, AES-CM:   | header (8) | rest (encrypted) | E | index (31) | MKI? | tag |
//                    tag = HMAC-SHA1(k_a, header || rest || E||index), 80 bits
//   SRTCP, AES-GCM:  | header (8) | rest (encrypted) | tag (16) | E | index | MKI? |
//                    AAD = header || E||index, nonce from SSRC and index (§9.1)
// E = 1 when the rest is encrypted; we always send E = 1 and accept E = 0.
#include <cstring>

#include "keyway/srtp/index.hpp"
#include "keyway/srtp/rtp_header.hpp"
#include "keyway/srtp/session.hpp"

namespace keyway::srtp {

// What SRTP and SRTCP do differently, as data: the limit of the packet
// index, where the stream keeps its replay window and the session its
// counter, and the errors (whose texts name the kind).
struct Session::PacketKind {
  bool rtcp;
  uint64_t max_index;                 // RFC 3711 §9.2: a 48-bit index (ROC 2^32-1) or 2^31 SRTCP packets
  ReplayWindow Stream::*replay;       // the stream's window for this kind (§3.3.2)
  uint64_t SessionStats::*packets;    // the packets this kind protected or accepted
  Error not_init, not_outbound, not_inbound, len_past_buffer, no_room, too_short, auth, duplicate, too_old,
      exhausted;
};

const Session::PacketKind Session::kSrtp = {
    .rtcp = false,
    .max_index = kMaxPacketIndex,
    .replay = &Stream::rtp_replay,
    .packets = &SessionStats::rtp_packets,
    .not_init = make_error(Layer::srtp, Code::bad_state, "srtp: session not initialised"),
    .not_outbound = make_error(Layer::srtp, Code::bad_state, "srtp: protect on an inbound session"),
    .not_inbound = make_error(Layer::srtp, Code::bad_state, "srtp: unprotect on an outbound session"),
    .len_past_buffer = make_error(Layer::srtp, Code::invalid_argument, "srtp: packet_len is larger than the buffer"),
    .no_room = make_error(Layer::srtp, Code::buffer_too_small, "srtp: buffer has no room for the tag (see rtp_overhead)"),
    .too_short = make_error(Layer::srtp, Code::truncated, "srtp: packet shorter than its header plus authentication tag"),
    .auth = make_error(Layer::srtp, Code::auth_failed, "srtp: authentication failed"),
    .duplicate = make_error(Layer::srtp, Code::replayed, "srtp: replayed packet (duplicate index)"),
    .too_old = make_error(Layer::srtp, Code::too_old, "srtp: replayed packet (older than the replay window)"),
    .exhausted = make_error(Layer::srtp, Code::key_exhausted, "srtp: key exhausted (ROC would pass 2^32-1, RFC 3711 §9.2)"),
};

const Session::PacketKind Session::kSrtcp = {
    .rtcp = true,
    .max_index = kMaxSrtcpIndex,
    .replay = &Stream::rtcp_replay,
    .packets = &SessionStats::rtcp_packets,
    .not_init = make_error(Layer::srtp, Code::bad_state, "srtcp: session not initialised"),
    .not_outbound = make_error(Layer::srtp, Code::bad_state, "srtcp: protect on an inbound session"),
    .not_inbound = make_error(Layer::srtp, Code::bad_state, "srtcp: unprotect on an outbound session"),
    .len_past_buffer = make_error(Layer::srtp, Code::invalid_argument, "srtcp: packet_len is larger than the buffer"),
    .no_room = make_error(Layer::srtp, Code::buffer_too_small,
                          "srtcp: buffer has no room for index and tag (see rtcp_overhead)"),
    .too_short = make_error(Layer::srtp, Code::truncated, "srtcp: packet shorter than header, SRTCP index and tag"),
    .auth = make_error(Layer::srtp, Code::auth_failed, "srtcp: authentication failed"),
    .duplicate = make_error(Layer::srtp, Code::replayed, "srtcp: replayed packet (duplicate index)"),
    .too_old = make_error(Layer::srtp, Code::too_old, "srtcp: replayed packet (older than the replay window)"),
    .exhausted = make_error(Layer::srtp, Code::key_exhausted, "srtcp: key exhausted (2^31 SRTCP packets, RFC 3711 §9.2)"),
};

namespace {
// The sender's own window (SRTP only: SRTCP numbers its packets itself).
constexpr Error kRepeatTx = make_error(Layer::srtp, Code::replayed,
                                       "srtp: this ssrc and index were already protected (would reuse keystream/nonce)");
constexpr Error kOldTx =
    make_error(Layer::srtp, Code::too_old, "srtp: index older than the sender's window (cannot rule out reuse)");

constexpr uint32_t kEncryptedFlag = 0x80000000u;  // SRTCP's E bit (§3.4)

// What the packet paths need of a header: RTP's (RFC 3550 §5.1) or the
// first 8 bytes of an RTCP compound packet (§6.4), which SRTCP leaves in the clear.
struct Header {
  uint32_t ssrc = 0;
  uint16_t sequence = 0;       // RTP only
  std::size_t header_len = 0;  // the authenticated, unencrypted part
};

Result<Header> read_header(bool rtcp, Bytes packet, Direction direction) {
  if (rtcp) {
    auto h = parse_rtcp_header(packet);
    if (!h) return h.error();
    return Header{h->ssrc, 0, kRtcpHeaderLen};
  }
  auto h = parse_rtp_header(packet);
  if (!h) return h.error();
  if (direction == Direction::outbound) {  // plaintext: its padding must add up (RFC 3550 §5.1)
    if (auto payload = rtp_payload_len(packet, *h); !payload) return payload.error();
  }
  return Header{h->ssrc, h->sequence, h->header_len};
}
}  // namespace

// One packet on its way through the transform.
struct Session::Packet {
  bool rtcp;
  MutableBytes bytes;      // the whole packet, trailer included
  std::size_t header_len;  // in the clear but authenticated
  std::size_t body_end;    // where the trailer starts (trailer.hpp)
  uint32_t ssrc;
  uint64_t index;          // SRTP's 48-bit packet index or SRTCP's 31-bit index
  bool encrypted;          // SRTCP's E bit; an SRTP payload always is

  MutableBytes body() const { return bytes.subspan(header_len, body_end - header_len); }
  uint32_t e_index() const { return (encrypted ? kEncryptedFlag : 0) | static_cast<uint32_t>(index); }
  // AES-GCM's AAD (RFC 7714 §8.2, §9.2): the RTP header, or SRTCP's header || E||index.
  Bytes aad(uint8_t scratch[kRtcpHeaderLen + kSrtcpIndexLen]) const {
    if (!rtcp) return bytes.first(header_len);
    std::memcpy(scratch, bytes.data(), kRtcpHeaderLen);
    store_be32({scratch, kRtcpHeaderLen + kSrtcpIndexLen}, kRtcpHeaderLen, e_index());
    return {scratch, kRtcpHeaderLen + kSrtcpIndexLen};
  }
  // What AES-CM's HMAC covers after the packet (§4.2): SRTP's ROC; SRTCP's
  // E||index is inside the packet already.
  Bytes mac_suffix(uint8_t roc[4]) const {
    if (rtcp) return {};
    store_be32({roc, 4}, 0, roc_of(index));
    return {roc, 4};
  }
};

// A packet that fails is counted here, once, whatever the step (SessionStats).
Result<std::size_t> Session::protect_rtp(MutableBytes buffer, std::size_t packet_len) {
  Result<std::size_t> result = protect(kSrtp, buffer, packet_len);
  if (!result) count(result.error());
  return result;
}
Result<std::size_t> Session::protect_rtcp(MutableBytes buffer, std::size_t packet_len) {
  Result<std::size_t> result = protect(kSrtcp, buffer, packet_len);
  if (!result) count(result.error());
  return result;
}
Result<std::size_t> Session::unprotect_rtp(MutableBytes buffer, std::size_t packet_len) {
  Result<std::size_t> result = unprotect(kSrtp, buffer, packet_len);
  if (!result) count(result.error());
  return result;
}
Result<std::size_t> Session::unprotect_rtcp(MutableBytes buffer, std::size_t packet_len) {
  Result<std::size_t> result = unprotect(kSrtcp, buffer, packet_len);
  if (!result) count(result.error());
  return result;
}

// §3.3.1: the sender and the receiver guess the ROC alike.
uint64_t Session::rtp_index(const Stream* s, uint16_t sequence) const {
  if (s != nullptr && s->rtp_started) return estimate_packet_index(s->rtp_highest, sequence);
  return make_packet_index(s != nullptr ? s->initial_roc : 0, sequence);
}

Result<std::size_t> Session::protect(const PacketKind& k, MutableBytes buffer, std::size_t packet_len) {
  if (!initialized_) return k.not_init;
  if (config_.direction != Direction::outbound) return k.not_outbound;
  if (packet_len > buffer.size()) return k.len_past_buffer;
  auto header = read_header(k.rtcp, buffer.first(packet_len), Direction::outbound);
  if (!header) return header.error();
  const std::size_t overhead = trailer(k.rtcp).len;
  if (buffer.size() - packet_len < overhead) return k.no_room;
  auto stream = stream_for(header->ssrc);
  if (!stream) return stream.error();
  Stream& s = **stream;
  const uint64_t index = k.rtcp ? s.srtcp_next : rtp_index(&s, header->sequence);
  if (index > k.max_index) return k.exhausted;  // never wrap (§9.2)
  if (!k.rtcp && !config_.allow_repeat_tx) {  // the sender's own window: never the same keystream twice
    const ReplayCheck used = s.rtp_replay.check(index);
    if (used == ReplayCheck::duplicate) return kRepeatTx;
    if (used == ReplayCheck::too_old) return kOldTx;
  }
  const Packet p{k.rtcp, buffer, header->header_len, packet_len, header->ssrc, index, true};
  TRY(seal(p));
  if (k.rtcp) {
    s.srtcp_next = static_cast<uint32_t>(index) + 1;
  } else {
    note_rtp_index(s, index);
    s.rtp_replay.accept(index);
  }
  ++(stats_.*k.packets);
  return packet_len + overhead;
}

Result<std::size_t> Session::unprotect(const PacketKind& k, MutableBytes buffer, std::size_t packet_len) {
  if (!initialized_) return k.not_init;
  if (config_.direction != Direction::inbound) return k.not_inbound;
  if (packet_len > buffer.size()) return k.len_past_buffer;
  MutableBytes packet = buffer.first(packet_len);
  auto header = read_header(k.rtcp, packet, Direction::inbound);
  if (!header) return header.error();
  const Trailer& t = trailer(k.rtcp);
  if (packet_len < header->header_len + t.len) return k.too_short;
  const std::size_t body_end = packet_len - t.len;
  if (config_.mki_len != 0) {
    TRY(check_mki(t.mki(packet, body_end)));
  }
  Stream* s = streams_.find(header->ssrc);  // nullptr: a new SSRC, created only once it authenticates
  if (s == nullptr) {
    TRY(admit_new_stream());
  }
  // SRTCP carries its index (and E) on the wire; SRTP's is estimated from SEQ.
  const uint32_t e_index = k.rtcp ? load_be32(packet, body_end + t.index_at) : kEncryptedFlag;
  const uint64_t index = k.rtcp ? (e_index & kMaxSrtcpIndex) : rtp_index(s, header->sequence);
  if (index > k.max_index) return k.exhausted;
  if (s != nullptr && config_.replay_protection) {  // §3.3.2: before the (costly) authentication
    const ReplayCheck seen = (s->*k.replay).check(index);
    if (seen == ReplayCheck::duplicate) return k.duplicate;
    if (seen == ReplayCheck::too_old) return k.too_old;
  }
  const Packet p{k.rtcp, packet, header->header_len, body_end, header->ssrc, index, (e_index & kEncryptedFlag) != 0};
  if (!open(p)) return k.auth;
  // Authenticated: only now may the packet change state (§3.3.2).
  if (s == nullptr) s = *streams_.insert(header->ssrc);  // cannot fail: admitted above
  if (!k.rtcp) note_rtp_index(*s, index);
  if (config_.replay_protection) (s->*k.replay).accept(index);
  ++(stats_.*k.packets);
  return body_end;
}

void Session::note_rtp_index(Stream& s, uint64_t index) {
  if (!s.rtp_started || index > s.rtp_highest) s.rtp_highest = index;
  s.rtp_started = true;
}

// SRTCP's E||index word and the MKI, into the trailer (trailer.hpp).
void Session::write_trailer(const Packet& p) const {
  const Trailer& t = trailer(p.rtcp);
  if (p.rtcp) store_be32(p.bytes, p.body_end + t.index_at, p.e_index());
  write_mki(t.mki(p.bytes, p.body_end));
}

Status Session::seal(const Packet& p) {
  const Trailer& t = trailer(p.rtcp);
  PacketCipher& c = cipher(p.rtcp);
  if (c.aead()) {
    uint8_t iv[crypto::kAeadNonceSize], aad[kRtcpHeaderLen + kSrtcpIndexLen];
    c.gcm_iv(p.ssrc, p.index, iv);
    TRY(c.gcm().seal(iv, p.aad(aad), p.body(), t.tag(p.bytes, p.body_end)));
    write_trailer(p);
    return ok_status();
  }
  uint8_t iv[16];
  c.cm_iv(p.ssrc, p.index, iv);
  c.cm_xor(iv, p.body());
  write_trailer(p);
  uint8_t roc[4], mac[crypto::Sha1::kDigestSize];
  c.mac(p.bytes.first(t.authenticated_end(p.body_end)), p.mac_suffix(roc), mac);  // the MKI is not authenticated (§3.1)
  std::memcpy(t.tag(p.bytes, p.body_end).data(), mac, t.tag_len);
  return ok_status();
}

bool Session::open(const Packet& p) {
  const Trailer& t = trailer(p.rtcp);
  PacketCipher& c = cipher(p.rtcp);
  if (!c.aead()) {  // §3.3: the tag first, then decrypt
    uint8_t roc[4], mac[crypto::Sha1::kDigestSize];
    c.mac(p.bytes.first(t.authenticated_end(p.body_end)), p.mac_suffix(roc), mac);
    if (!crypto::verify_mac({mac, t.tag_len}, t.tag(p.bytes, p.body_end))) return false;
    if (p.encrypted) {
      uint8_t iv[16];
      c.cm_iv(p.ssrc, p.index, iv);
      c.cm_xor(iv, p.body());
    }
    return true;
  }
  uint8_t iv[crypto::kAeadNonceSize];
  c.gcm_iv(p.ssrc, p.index, iv);
  if (p.encrypted) {
    // AesGcm::open leaves the body untouched when the tag is wrong.
    uint8_t aad[kRtcpHeaderLen + kSrtcpIndexLen];
    return c.gcm().open(iv, p.aad(aad), p.body(), t.tag(p.bytes, p.body_end)).ok();
  }
  // SRTCP with E = 0 (RFC 7714 §9.3): everything up to the tag, then
  // E||index, is AAD. The tag sits right after the body (trailer.hpp): move
  // E||index into its place for one contiguous AAD, then put the tag back.
  MutableBytes wire_tag = t.tag(p.bytes, p.body_end);
  uint8_t tag[kMaxTagLen];
  std::memcpy(tag, wire_tag.data(), t.tag_len);
  store_be32(p.bytes, p.body_end, p.e_index());
  const bool ok = c.gcm().open(iv, p.bytes.first(p.body_end + kSrtcpIndexLen), {}, {tag, t.tag_len}).ok();
  std::memcpy(wire_tag.data(), tag, t.tag_len);
  return ok;
}

}  // namespace keyway::srtp
