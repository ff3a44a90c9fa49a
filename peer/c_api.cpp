// SPDX-License-Identifier: Apache-2.0
// keyway.h: keyway_connection, a peer::Connection behind an opaque handle.
// Everything here is a translation: C values in, the C++ call, C values out.
// Nothing on the packet path allocates (the caller's buffers are used as is).
#include <cstdio>
#include <cstring>
#include <new>
#include <string_view>

#include "keyway/lib/crypto/ct.hpp"
#include "keyway/peer/c_api_internal.hpp"

using namespace keyway;
using keyway::capi::set_error;

namespace {

// keyway.h's numbers are the C++ enums' values.
static_assert(KEYWAY_EVENT_ICE_CONNECTED == static_cast<int>(peer::EventKind::ice_connected));
static_assert(KEYWAY_EVENT_RTP_RECEIVED == static_cast<int>(peer::EventKind::rtp_received));
static_assert(KEYWAY_EVENT_CLOSED == static_cast<int>(peer::EventKind::closed));
static_assert(KEYWAY_STATE_CONNECTED == static_cast<int>(peer::State::connected));
static_assert(KEYWAY_STATE_CLOSED == static_cast<int>(peer::State::closed));

constexpr Error kNullArgument = make_error(Layer::peer, Code::invalid_argument, "c api: a required argument is NULL");
constexpr Error kNoIdentity = make_error(Layer::peer, Code::bad_state,
                                         "config has no identity (keyway_config_generate_identity or _set_identity_pem)");
constexpr Error kNoEntropy = make_error(Layer::peer, Code::bad_state, "config has no entropy (keyway_config_set_entropy)");
constexpr Error kTextBuffer = make_error(Layer::peer, Code::buffer_too_small, "c api: no room for the text and its NUL");

Timestamp to_timestamp(int64_t micros) { return Timestamp::from_micros(micros < 0 ? 0 : static_cast<uint64_t>(micros)); }

int64_t to_micros(Timestamp t) {
  return t.is_never() || t.as_micros() > static_cast<uint64_t>(KEYWAY_NEVER) ? KEYWAY_NEVER
                                                                             : static_cast<int64_t>(t.as_micros());
}

int status(keyway_connection* c, const Status& st) {
  return st.ok() ? capi::clear_error(c->error) : set_error(c->error, st.error());
}

// A DRBG of the connection's own, seeded from the config's.
Status seed_from(crypto::DrbgRng& seeds, crypto::DrbgRng& rng, std::string_view label) {
  uint8_t seed[48];
  seeds.fill(seed);
  Status st = rng.instantiate(seed, {reinterpret_cast<const uint8_t*>(label.data()), label.size()});
  crypto::secure_zero(seed, sizeof seed);
  return st;
}

std::size_t codecs_of(const capi::CodecList& list, sdp::Codec (&out)[capi::kMaxCodecs]) {
  for (std::size_t i = 0; i < list.count; ++i) {
    const capi::CodecSetting& s = list.items[i];
    out[i] = sdp::Codec{s.name, s.clock_rate, s.channels, s.payload_type, s.fmtp, {}, {}};
  }
  return list.count;
}

// The peer::Config of a connection: the settings, pointing at its own copies.
peer::Config config_of(keyway_connection& c) {
  capi::Settings& s = c.settings;
  peer::Config pc = s.config;
  pc.identity = &c.owner->identity;
  pc.public_rng = &c.public_rng;
  pc.secret_rng = &c.secret_rng;
  pc.stun_servers = {s.stun_servers, s.stun_server_count};
  pc.audio_codecs = {c.audio, codecs_of(s.audio, c.audio)};
  pc.video_codecs = {c.video, codecs_of(s.video, c.video)};
  pc.cname = s.cname;
  return pc;
}

// SDP text into out[0..out_len), NUL-terminated.
int text_out(keyway_connection* c, const Result<std::string_view>& text, char* out, size_t* written) {
  if (!text.ok()) return set_error(c->error, text.error());
  out[text->size()] = '\0';
  if (written != nullptr) *written = text->size();
  return capi::clear_error(c->error);
}

void fill_transmit(const Transmit& t, keyway_output* out) {
  *out = keyway_output{};
  out->kind = KEYWAY_OUTPUT_TRANSMIT;
  out->local = capi::to_c_addr(t.from);
  out->remote = capi::to_c_addr(t.to);
  out->data = t.bytes.data();
  out->len = t.bytes.size();
  out->deadline = KEYWAY_NEVER;
}

void fill_event(keyway_connection* c, const peer::Event& e, keyway_output* out) {
  out->kind = KEYWAY_OUTPUT_EVENT;
  out->event = static_cast<int>(e.kind);
  out->local = capi::to_c_addr(e.local);
  out->remote = capi::to_c_addr(e.remote);
  out->data = e.data.data();
  out->len = e.data.size();
  if (e.kind != peer::EventKind::failed) return;
  out->error_code = static_cast<int>(e.error.code);
  out->error_layer = static_cast<int>(e.error.layer);
  set_error(c->error, e.error);
  std::snprintf(c->error.text, sizeof c->error.text, "%s", c->conn->failure_text());  // with its figures
}

int send_media(keyway_connection* c, uint8_t* buffer, size_t buffer_len, size_t len, keyway_output* transmit,
               bool rtcp) {
  if (c == nullptr) return static_cast<int>(Code::invalid_argument);
  if (buffer == nullptr || transmit == nullptr) return set_error(c->error, kNullArgument);
  MutableBytes buf(buffer, buffer_len);
  Result<Transmit> t = rtcp ? c->conn->send_rtcp(buf, len) : c->conn->send_rtp(buf, len);
  if (!t.ok()) return set_error(c->error, t.error());
  fill_transmit(*t, transmit);
  return capi::clear_error(c->error);
}

void add_counter(const peer::Counter& k, uint64_t& packets, uint64_t& bytes) {
  packets = k.packets;
  bytes = k.bytes;
}

}  // namespace

extern "C" {

keyway_connection* keyway_connection_new(keyway_config* cfg) {
  if (cfg == nullptr) return nullptr;
  if (!cfg->seeded) return set_error(cfg->error, kNoEntropy), nullptr;
  if (!cfg->has_identity) return set_error(cfg->error, kNoIdentity), nullptr;
  auto* c = new (std::nothrow) keyway_connection;
  if (c == nullptr) return set_error(cfg->error, Layer::peer, Code::capacity, "out of memory"), nullptr;
  c->owner = cfg;
  c->settings = cfg->settings;
  Status st = seed_from(cfg->seeds, c->public_rng, "keyway-public");
  if (st.ok()) st = seed_from(cfg->seeds, c->secret_rng, "keyway-secret");
  if (!st.ok()) {
    delete c;
    return set_error(cfg->error, st.error()), nullptr;
  }
  c->conn.emplace(config_of(*c));
  cfg->connections++;
  capi::clear_error(cfg->error);
  return c;
}

void keyway_connection_free(keyway_connection* c) {
  if (c == nullptr) return;
  keyway_config* cfg = c->owner;
  delete c;
  if (--cfg->connections == 0 && cfg->free_requested) delete cfg;
}

const keyway_error* keyway_connection_error(const keyway_connection* c) { return c ? &c->error : nullptr; }

int keyway_connection_add_local_address(keyway_connection* c, const keyway_addr* addr) {
  if (c == nullptr) return static_cast<int>(Code::invalid_argument);
  if (addr == nullptr) return set_error(c->error, kNullArgument);
  return status(c, c->conn->add_local_address(capi::to_socket_addr(*addr)));
}

int keyway_connection_gathering_done(const keyway_connection* c) { return c && c->conn->gathering_done() ? 1 : 0; }

int keyway_connection_create_offer(keyway_connection* c, int with_video, char* out, size_t out_len, size_t* written) {
  if (c == nullptr) return static_cast<int>(Code::invalid_argument);
  if (out == nullptr) return set_error(c->error, kNullArgument);
  if (out_len < 2) return set_error(c->error, kTextBuffer);
  return text_out(c, c->conn->create_offer({out, out_len - 1}, with_video != 0), out, written);
}

int keyway_connection_set_remote_answer(keyway_connection* c, const char* answer, size_t len) {
  if (c == nullptr) return static_cast<int>(Code::invalid_argument);
  if (answer == nullptr) return set_error(c->error, kNullArgument);
  return status(c, c->conn->set_remote_answer({answer, len}));
}

int keyway_connection_accept_offer(keyway_connection* c, const char* offer, size_t offer_len, char* out,
                                   size_t out_len, size_t* written) {
  if (c == nullptr) return static_cast<int>(Code::invalid_argument);
  if (offer == nullptr || out == nullptr) return set_error(c->error, kNullArgument);
  if (out_len < 2) return set_error(c->error, kTextBuffer);
  return text_out(c, c->conn->accept_offer({offer, offer_len}, {out, out_len - 1}), out, written);
}

int keyway_connection_add_remote_candidate(keyway_connection* c, const char* text, size_t len) {
  if (c == nullptr) return static_cast<int>(Code::invalid_argument);
  if (text == nullptr) return set_error(c->error, kNullArgument);
  return status(c, c->conn->add_remote_candidate({text, len}));
}

int keyway_connection_handle_datagram(keyway_connection* c, int64_t now, uint8_t* datagram, size_t len,
                                      const keyway_addr* from, const keyway_addr* to) {
  if (c == nullptr || datagram == nullptr || from == nullptr || to == nullptr) return KEYWAY_DISCARDED;
  Verdict v = c->conn->handle_datagram(to_timestamp(now), {datagram, len}, capi::to_socket_addr(*from),
                                       capi::to_socket_addr(*to));
  return v == Verdict::accepted ? KEYWAY_ACCEPTED : v == Verdict::fatal ? KEYWAY_FATAL : KEYWAY_DISCARDED;
}

void keyway_connection_handle_timeout(keyway_connection* c, int64_t now) {
  if (c != nullptr) c->conn->handle_timeout(to_timestamp(now));
}

int keyway_connection_poll_output(keyway_connection* c, int64_t now, uint8_t* scratch, size_t scratch_len,
                                  keyway_output* out) {
  if (out == nullptr) return KEYWAY_OUTPUT_TIMEOUT;
  *out = keyway_output{};
  out->kind = KEYWAY_OUTPUT_TIMEOUT;
  out->deadline = KEYWAY_NEVER;
  if (c == nullptr || scratch == nullptr) return out->kind;
  peer::Output o = c->conn->poll_output(to_timestamp(now), {scratch, scratch_len});
  switch (o.kind) {
    case peer::Output::Kind::transmit: fill_transmit(o.transmit, out); break;
    case peer::Output::Kind::event: fill_event(c, o.event, out); break;
    case peer::Output::Kind::timeout: out->deadline = to_micros(o.deadline); break;
  }
  return out->kind;
}

int keyway_connection_send_rtp(keyway_connection* c, uint8_t* buffer, size_t buffer_len, size_t len,
                               keyway_output* transmit) {
  return send_media(c, buffer, buffer_len, len, transmit, false);
}

int keyway_connection_send_rtcp(keyway_connection* c, uint8_t* buffer, size_t buffer_len, size_t len,
                                keyway_output* transmit) {
  return send_media(c, buffer, buffer_len, len, transmit, true);
}

void keyway_connection_close(keyway_connection* c) {
  if (c != nullptr) c->conn->close();
}

int keyway_connection_state(const keyway_connection* c) {
  return c ? static_cast<int>(c->conn->state()) : KEYWAY_STATE_FAILED;
}

const char* keyway_state_name(int state) {
  if (state < 0 || state > KEYWAY_STATE_CLOSED) return "?";
  return peer::to_string(static_cast<peer::State>(state));
}

const char* keyway_event_name(int event) {
  if (event < 0 || event > KEYWAY_EVENT_CLOSED) return "?";
  return peer::to_string(static_cast<peer::EventKind>(event));
}

const char* keyway_connection_fingerprint(const keyway_connection* c) {
  return c ? c->owner->fingerprint : "";  // the connection's identity is its config's
}

int keyway_connection_stats(const keyway_connection* c, keyway_stats* out) {
  if (c == nullptr || out == nullptr) return static_cast<int>(Code::invalid_argument);
  peer::Summary s = c->conn->summary();
  const peer::Stats& st = c->conn->stats();
  *out = keyway_stats{};
  out->state = static_cast<int>(s.state);
  out->has_selected_pair = s.has_selected_pair;
  out->selected_local = capi::to_c_addr(s.selected_local);
  out->selected_remote = capi::to_c_addr(s.selected_remote);
  out->rtt = s.rtt ? s.rtt->as_micros() : -1;
  out->dtls_client = s.dtls_client;
  out->dtls_state = s.dtls_state;
  out->cipher_suite = s.cipher_suite;
  out->srtp_profile = s.srtp_profile;
  out->datagrams_received = st.datagrams_received;
  out->unknown_datagrams = st.unknown_datagrams;
  out->untrusted_dropped = st.untrusted_dropped;
  out->events_dropped = st.events_dropped;
  add_counter(st.stun_in, out->stun_packets_in, out->stun_bytes_in);
  add_counter(st.stun_out, out->stun_packets_out, out->stun_bytes_out);
  add_counter(st.dtls_in, out->dtls_packets_in, out->dtls_bytes_in);
  add_counter(st.dtls_out, out->dtls_packets_out, out->dtls_bytes_out);
  out->dtls_retransmissions = s.dtls_retransmissions;
  out->dtls_records_dropped = s.dtls_records_dropped;
  const peer::SrtpStats& m = st.srtp;
  out->rtp_sent = m.rtp_sent;
  out->rtcp_sent = m.rtcp_sent;
  out->rtp_received = m.rtp_received;
  out->rtcp_received = m.rtcp_received;
  out->media_bytes_sent = m.bytes_sent;
  out->media_bytes_received = m.bytes_received;
  out->srtp_auth_failures = m.auth_failures;
  out->srtp_replays = m.replays;
  out->srtp_malformed = m.malformed;
  out->srtp_other_drops = m.other_drops;
  out->srtp_dropped_before_keys = m.dropped_before_keys;
  out->ice_integrity_failures = s.ice_integrity_failures;
  out->ice_dropped = s.ice_dropped;
  return KEYWAY_OK;
}

}  // extern "C"
