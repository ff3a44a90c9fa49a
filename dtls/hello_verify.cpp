// SPDX-License-Identifier: Apache-2.0
// HelloVerifyRequest, both sides (RFC 6347 §4.2.1): see hello_verify.hpp.
#include "keyway/dtls/hello_verify.hpp"

#include <cstring>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/dtls/handshake_context.hpp"
#include "keyway/dtls/messages.hpp"

namespace keyway::dtls {

namespace {
// The highest ClientHello record number the server's own numbering follows:
// 2^16 epoch-0 records below the 48-bit limit, more than a handshake writes.
constexpr uint64_t kMaxFollowedRecordSeq = (uint64_t{1} << 48) - (uint64_t{1} << 16);
}  // namespace

void write_hello_verify_record(ByteWriter& w, const CookieJar& jar, Bytes peer_address, const ClientHello& ch,
                               uint64_t hello_record_seq) {
  uint8_t cookie[CookieJar::kCookieSize];
  jar.make(peer_address, ch.random, ch.session_id, ch.cipher_suites, cookie);
  uint8_t msg[kHelloVerifyMessageSize];
  ByteWriter m(msg);
  constexpr uint32_t kBody = 3 + CookieJar::kCookieSize;
  write_handshake_header(m, static_cast<uint8_t>(HandshakeType::hello_verify_request), kBody, 0, 0, kBody);
  write_hello_verify_request(m, Bytes(cookie, CookieJar::kCookieSize));
  write_plain_record(w, ContentType::handshake, kVersionDtls12, hello_record_seq, m.written());
}

// ---- server ------------------------------------------------------------------

// Stateless: the request answering `ch` waits for poll_output, and the hello
// is forgotten; the next ClientHello starts the flight we answer. The
// hello's record number is unauthenticated: our own write sequence keeps
// nothing from it.
void Endpoint::server_send_hello_verify(const ClientHello& ch, uint16_t msg_seq) {
  ByteWriter w(hs_->hvr);
  write_hello_verify_record(w, hs_->cookies, hs_->config.peer_address, ch, hs_->rx_record_seq);
  hs_->hvr_len = static_cast<uint16_t>(w.size());
  hs_->reassembler.reset(static_cast<uint16_t>(msg_seq + 1));
  hs_->peer_flight_boundary = true;
  enter_state(HandshakeState::server_wait_client_hello);  // a ClientHello again
}

// A server waiting for a hello (a Listener's, which sent the request
// itself) follows whatever message_seq a new ClientHello carries.
void Endpoint::server_follow_hello_seq(const HandshakeFragment& f) {
  if (state_ == HandshakeState::server_wait_client_hello && f.type == static_cast<uint8_t>(HandshakeType::client_hello) &&
      f.msg_seq != hs_->reassembler.next_seq())
    hs_->reassembler.reset(f.msg_seq);
}

// The accepted hello sets our numbering: our messages mirror its message_seq
// (as DTLSv1_listen does), and our records continue after the record number
// a stateless request reused, unless that number leaves no room for the
// handshake (it is unauthenticated).
void Endpoint::server_follow_hello_numbers(uint16_t msg_seq) {
  hs_->next_send_seq = msg_seq;
  if (write_.next_seq[0] < hs_->rx_record_seq && hs_->rx_record_seq <= kMaxFollowedRecordSeq)
    write_.next_seq[0] = hs_->rx_record_seq;
}

// poll_output: the waiting request, once (dropped if `out` cannot hold it).
// Only a server sends one (RFC 6347 §4.2.1): none in a client-only build.
std::size_t Endpoint::write_hello_verify(MutableBytes out) {
  if (!profile::kDtlsServer || !hs_ || hs_->hvr_len == 0) return 0;
  std::size_t n = 0;
  if (hs_->hvr_len <= out.size()) {
    std::memcpy(out.data(), hs_->hvr, hs_->hvr_len);
    n = hs_->hvr_len;
  }
  hs_->hvr_len = 0;
  return n;
}

// ---- client ------------------------------------------------------------------

// The request as the reassembler delivers it (the first one, message 0).
Status Endpoint::client_on_hello_verify(Bytes body) {
  auto cookie = parse_hello_verify_request(body);
  if (!cookie.ok()) return cookie.error();
  return client_answer_hello_verify(*cookie, false);
}

// A server that refuses the cookie we echoed (a damaged copy of its request,
// or of our hello) answers with a fresh one, again as message 0, which the
// reassembler would take for a repeat. Returns that cookie, or nothing.
Bytes Endpoint::client_fresh_cookie(const HandshakeFragment& f) const {
  if (!is_client() || state_ != HandshakeState::client_wait_server_hello || hs_->cookie_len == 0) return {};
  if (f.type != static_cast<uint8_t>(HandshakeType::hello_verify_request) || f.frag_offset != 0 ||
      f.body.size() != f.length)
    return {};
  auto cookie = parse_hello_verify_request(f.body);
  if (!cookie.ok() || cookie->empty()) return {};  // 255 bytes at most: a u8-prefixed field
  if (cookie->size() == hs_->cookie_len && std::memcmp(cookie->data(), hs_->cookie, hs_->cookie_len) == 0) return {};
  return *cookie;
}

// A request is answered with a new ClientHello, a new flight with a new
// retransmission budget. Unauthenticated, it cannot end the handshake, but a
// peer that never stops sending fresh cookies must not keep it alive forever
// either: beyond kMaxHelloVerifies they are ignored, and the last hello's
// budget runs out.
Status Endpoint::client_answer_hello_verify(Bytes cookie, bool replaces_hello) {
  if (hs_->hello_verifies >= kMaxHelloVerifies) {
    ++stats_.fragments_ignored;
    enter_state(HandshakeState::client_wait_server_hello);  // as if it never came: a ServerHello (or request) next
    return ok_status();
  }
  ++hs_->hello_verifies;
  if (replaces_hello) hs_->next_send_seq--;  // the new hello replaces the refused one, same message_seq
  read_window_[0].reset();  // the stateless server may restart its record numbers
  return client_send_hello(cookie);  // the request stays out of the transcript (§4.2.1)
}

}  // namespace keyway::dtls
