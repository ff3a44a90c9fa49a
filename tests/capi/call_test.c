/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keyway.h from C99 (built with -std=c99 -Wall -Wextra -Werror -pedantic):
 * the configuration and its errors, a certificate from PEM, STUN gathering,
 * and an in-memory call between two connections with RTP and RTCP both ways,
 * its stats and its close. Deterministic: fixed seeds, a virtual clock.
 */
#include <stdio.h>
#include <string.h>

#include "keyway/keyway.h"

static int failures;

/* tests/capi/alloc_count.cpp: allocations the process has made so far. */
uint64_t capi_test_allocation_count(void);

#define CHECK(cond)                                                 \
  do {                                                              \
    if (!(cond)) {                                                  \
      printf("%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                   \
    }                                                               \
  } while (0)

/* A test-only identity (openssl req -x509 -newkey ec, P-256): its certificate
 * and PKCS#8 key are tests/support/test_identity.pem (meson passes the path),
 * which tests/dtls/pem_test.cpp reads too. */
static char cert_pem[2048], key_pem[1024];

/* Reads the file and splits it before the key block; 0 on failure. */
static int load_identity_pem(void) {
  static char text[4096];
  const char *key;
  size_t n, cert_len;
  FILE *f = fopen(KEYWAY_TEST_IDENTITY_PEM, "rb");
  if (f == NULL) return 0;
  n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = '\0';
  key = strstr(text, "-----BEGIN PRIVATE KEY-----");
  if (key == NULL) return 0;
  cert_len = (size_t)(key - text);
  if (cert_len >= sizeof cert_pem || strlen(key) >= sizeof key_pem) return 0;
  memcpy(cert_pem, text, cert_len);
  cert_pem[cert_len] = '\0';
  strcpy(key_pem, key);
  return 1;
}

static void fixed_seed(uint8_t *seed, size_t len, uint8_t salt) {
  size_t i;
  for (i = 0; i < len; i++) seed[i] = (uint8_t)(i * 7 + salt);
}

static keyway_config *make_config(int role, uint8_t salt) {
  uint8_t seed[48];
  keyway_config *cfg = keyway_config_new();
  fixed_seed(seed, sizeof seed, salt);
  CHECK(cfg != NULL);
  CHECK(keyway_config_set_entropy(cfg, seed, sizeof seed) == KEYWAY_OK);
  CHECK(keyway_config_set_role(cfg, role) == KEYWAY_OK);
  return cfg;
}

static void test_names_and_addresses(void) {
  keyway_addr a, b;
  char text[64];
  CHECK(strcmp(keyway_code_name(KEYWAY_ERR_CAPACITY), "capacity exceeded") == 0);
  CHECK(strcmp(keyway_layer_name(KEYWAY_LAYER_DTLS), "dtls") == 0);
  CHECK(strcmp(keyway_state_name(KEYWAY_STATE_CONNECTED), "connected") == 0);
  CHECK(strcmp(keyway_event_name(KEYWAY_EVENT_SRTP_READY), "srtp_ready") == 0);
  CHECK(keyway_version()[0] != '\0' && strcmp(keyway_version(), "unknown") != 0); /* from project(version:) */
  CHECK(keyway_addr_parse("::1", 5000, &a) == KEYWAY_OK);
  CHECK(a.family == 6 && a.ip[15] == 1 && a.port == 5000);
  CHECK(keyway_addr_format(&a, text, sizeof text) > 0 && strcmp(text, "[::1]:5000") == 0);
  CHECK(keyway_addr_parse("127.0.0.1", 9, &b) == KEYWAY_OK);
  a = keyway_addr_v4(127, 0, 0, 1, 9);
  CHECK(keyway_addr_equal(&a, &b));
  CHECK(keyway_addr_parse("not an address", 9, &b) != KEYWAY_OK);
}

/* Errors are an int code plus a text naming the layer and the reason. */
static void test_config_errors(void) {
  keyway_config *cfg = keyway_config_new();
  keyway_addr any = keyway_addr_v4(0, 0, 0, 0, 5000);
  uint16_t bad_profile = 0x0099;
  keyway_connection *conn;
  CHECK(keyway_connection_new(cfg) == NULL); /* no entropy, no identity */
  CHECK(keyway_config_error(cfg)->code == KEYWAY_ERR_BAD_STATE);
  CHECK(strstr(keyway_config_error(cfg)->text, "keyway_config_set_entropy") != NULL);
  CHECK(keyway_config_set_limit(cfg, KEYWAY_LIMIT_SRTP_REPLAY_WINDOW, 100) == KEYWAY_ERR_INVALID_ARGUMENT);
  CHECK(keyway_config_get_limit(cfg, KEYWAY_LIMIT_SRTP_REPLAY_WINDOW) == 256);
  CHECK(keyway_config_get_limit(cfg, KEYWAY_LIMIT_DTLS_MAX_HANDSHAKE_MESSAGE) == 6144);
  CHECK(keyway_config_set_srtp_profiles(cfg, &bad_profile, 1) == KEYWAY_ERR_UNSUPPORTED);
  CHECK(keyway_config_error(cfg)->layer == KEYWAY_LAYER_SRTP);
  CHECK(keyway_config_set_role(cfg, 7) == KEYWAY_ERR_INVALID_ARGUMENT);
  CHECK(keyway_config_set_identity_pem(cfg, "no pem here", key_pem) == KEYWAY_ERR_INVALID_ARGUMENT);
  CHECK(strstr(keyway_config_error(cfg)->text, "dtls: ") == keyway_config_error(cfg)->text);

  /* A certificate from PEM; the wildcard address is refused by ICE. */
  CHECK(keyway_config_set_identity_pem(cfg, cert_pem, key_pem) == KEYWAY_OK);
  CHECK(strncmp(keyway_config_fingerprint(cfg), "sha-256 ", 8) == 0);
  {
    uint8_t seed[48];
    fixed_seed(seed, sizeof seed, 3);
    CHECK(keyway_config_set_entropy(cfg, seed, sizeof seed) == KEYWAY_OK);
  }
  conn = keyway_connection_new(cfg);
  CHECK(conn != NULL);
  CHECK(strcmp(keyway_connection_fingerprint(conn), keyway_config_fingerprint(cfg)) == 0);
  CHECK(keyway_connection_add_local_address(conn, &any) == KEYWAY_ERR_INVALID_ARGUMENT);
  CHECK(keyway_connection_error(conn)->layer == KEYWAY_LAYER_ICE);
  printf("refused 0.0.0.0: %s\n", keyway_connection_error(conn)->text);
  keyway_config_free(cfg); /* waits for conn */
  keyway_connection_free(conn);
}

/* A STUN server gets a Binding request from each host address. */
static void test_stun_gathering(void) {
  keyway_config *cfg = make_config(KEYWAY_ROLE_OFFERER, 9);
  keyway_addr server = keyway_addr_v4(127, 0, 0, 99, 3478), host = keyway_addr_v4(127, 0, 0, 1, 40000);
  keyway_connection *conn;
  keyway_output out;
  uint8_t scratch[1500];
  CHECK(keyway_config_generate_identity(cfg, "stun", 1700000000) == KEYWAY_OK);
  CHECK(keyway_config_add_stun_server(cfg, &server) == KEYWAY_OK);
  conn = keyway_connection_new(cfg);
  CHECK(keyway_connection_add_local_address(conn, &host) == KEYWAY_OK);
  CHECK(!keyway_connection_gathering_done(conn));
  CHECK(keyway_connection_poll_output(conn, 0, scratch, sizeof scratch, &out) == KEYWAY_OUTPUT_TRANSMIT);
  CHECK(keyway_addr_equal(&out.remote, &server) && keyway_addr_equal(&out.local, &host));
  CHECK(out.len >= 20 && out.data[0] == 0 && out.data[1] == 1); /* a STUN Binding request */
  keyway_connection_free(conn);
  keyway_config_free(cfg);
}

/* ---- the call ------------------------------------------------------------ */

#define MAX_DATAGRAM 1500
#define WIRE_SLOTS 64

typedef struct side {
  keyway_config *cfg;
  keyway_connection *conn;
  keyway_addr addr;
  uint32_t ssrc;
  int rtp_received, rtcp_received, closed_events, failed_events;
  uint8_t last_payload_byte;
} side;

typedef struct datagram {
  side *to;
  keyway_addr from;
  size_t len;
  uint8_t bytes[MAX_DATAGRAM];
} datagram;

static datagram wire[WIRE_SLOTS], arrived[WIRE_SLOTS];
static size_t wire_count;
static side alice, bob;

static void put_on_wire(side *to, const keyway_output *t) {
  CHECK(wire_count < WIRE_SLOTS && t->len <= MAX_DATAGRAM);
  if (wire_count == WIRE_SLOTS || t->len > MAX_DATAGRAM) return;
  CHECK(keyway_addr_equal(&t->remote, &to->addr));
  wire[wire_count].to = to;
  wire[wire_count].from = t->local;
  wire[wire_count].len = t->len;
  memcpy(wire[wire_count].bytes, t->data, t->len);
  wire_count++;
}

static side *other(side *s) { return s == &alice ? &bob : &alice; }

static void on_event(side *s, const keyway_output *out) {
  switch (out->event) {
    case KEYWAY_EVENT_RTP_RECEIVED:
      s->rtp_received++;
      CHECK(out->len == 12 + 40);
      s->last_payload_byte = out->data[out->len - 1];
      break;
    case KEYWAY_EVENT_RTCP_RECEIVED: s->rtcp_received++; break;
    case KEYWAY_EVENT_CLOSED: s->closed_events++; break;
    case KEYWAY_EVENT_FAILED:
      s->failed_events++;
      printf("failed: %s\n", keyway_connection_error(s->conn)->text);
      break;
    default: break;
  }
}

static int64_t drain(side *s, int64_t now) {
  uint8_t scratch[MAX_DATAGRAM];
  keyway_output out;
  keyway_connection_handle_timeout(s->conn, now);
  while (keyway_connection_poll_output(s->conn, now, scratch, sizeof scratch, &out) != KEYWAY_OUTPUT_TIMEOUT) {
    if (out.kind == KEYWAY_OUTPUT_TRANSMIT) put_on_wire(other(s), &out);
    else on_event(s, &out);
  }
  return out.deadline;
}

static void deliver(int64_t now) {
  size_t i, n = wire_count;
  memcpy(arrived, wire, n * sizeof wire[0]);
  wire_count = 0;
  for (i = 0; i < n; i++) {
    datagram *d = &arrived[i];
    int verdict = keyway_connection_handle_datagram(d->to->conn, now, d->bytes, d->len, &d->from, &d->to->addr);
    CHECK(verdict != KEYWAY_FATAL);
    drain(d->to, now); /* media events point into d->bytes */
  }
}

static int connected(void) {
  return keyway_connection_state(alice.conn) == KEYWAY_STATE_CONNECTED &&
         keyway_connection_state(bob.conn) == KEYWAY_STATE_CONNECTED;
}
static int media_done(void) { return alice.rtp_received == 5 && bob.rtp_received == 5 && alice.rtcp_received == 1; }
static int bob_closed(void) { return keyway_connection_state(bob.conn) == KEYWAY_STATE_CLOSED; }

static int run(int64_t *now, int (*done)(void)) {
  int64_t end = *now + 10000000;
  while (!done() && *now < end) {
    int64_t next_a = drain(&alice, *now), next_b = drain(&bob, *now);
    int64_t next = next_a < next_b ? next_a : next_b;
    if (wire_count > 0) {
      deliver(*now);
      continue;
    }
    *now = next > *now ? next : *now + 1000;
  }
  return done();
}

static int send_media(side *s, uint16_t seq, int rtcp) {
  uint8_t packet[12 + 40 + 32];
  size_t len = rtcp ? 8 : 12 + 40;
  keyway_output t;
  int rc;
  memset(packet, (int)seq, sizeof packet);
  packet[0] = 0x80;
  packet[1] = (uint8_t)(rtcp ? 201 : 111); /* RTCP receiver report (RFC 3550 §6.4.2), or opus */
  packet[2] = rtcp ? 0 : (uint8_t)(seq >> 8);
  packet[3] = rtcp ? 1 : (uint8_t)seq;
  packet[rtcp ? 4 : 8] = (uint8_t)(s->ssrc >> 24);
  packet[rtcp ? 5 : 9] = (uint8_t)(s->ssrc >> 16);
  packet[rtcp ? 6 : 10] = (uint8_t)(s->ssrc >> 8);
  packet[rtcp ? 7 : 11] = (uint8_t)s->ssrc;
  rc = rtcp ? keyway_connection_send_rtcp(s->conn, packet, sizeof packet, len, &t)
            : keyway_connection_send_rtp(s->conn, packet, sizeof packet, len, &t);
  if (rc != KEYWAY_OK) return rc;
  CHECK(t.kind == KEYWAY_OUTPUT_TRANSMIT && t.len > len);
  put_on_wire(other(s), &t);
  return rc;
}

/* dtls13: keyway_config_set_dtls13 (issue 18: 1, offering 1.3 and 1.2, is the default). */
static void set_up_side(side *s, int role, uint8_t salt, uint16_t port, uint32_t ssrc, int dtls13) {
  uint16_t profile = KEYWAY_SRTP_AES128_CM_SHA1_80;
  s->cfg = make_config(role, salt);
  if (!dtls13) CHECK(keyway_config_set_dtls13(s->cfg, 0) == KEYWAY_OK);
  s->addr = keyway_addr_v4(127, 0, 0, 1, port);
  s->ssrc = ssrc;
  CHECK(keyway_config_generate_identity(s->cfg, "capi", 1700000000) == KEYWAY_OK);
  CHECK(keyway_config_set_ssrcs(s->cfg, ssrc, 0) == KEYWAY_OK);
  CHECK(keyway_config_set_limit(s->cfg, KEYWAY_LIMIT_SRTP_MAX_STREAMS, 1) == KEYWAY_OK);
  if (role == KEYWAY_ROLE_OFFERER) CHECK(keyway_config_set_srtp_profiles(s->cfg, &profile, 1) == KEYWAY_OK);
  if (role == KEYWAY_ROLE_ANSWERER) CHECK(keyway_config_set_ice_lite(s->cfg, 1) == KEYWAY_OK);
  CHECK(keyway_config_add_codec(s->cfg, KEYWAY_MEDIA_VIDEO, "VP8", 90000, 1, 96, NULL) == KEYWAY_OK);
  CHECK(keyway_config_add_codec(s->cfg, KEYWAY_MEDIA_AUDIO, "opus", 48000, 2, 111, "minptime=10") == KEYWAY_OK);
  CHECK(keyway_config_set_cname(s->cfg, "capi-test") == KEYWAY_OK);
  CHECK(keyway_config_set_setup_timeout(s->cfg, 5000000) == KEYWAY_OK);
  s->conn = keyway_connection_new(s->cfg);
  CHECK(s->conn != NULL);
  CHECK(keyway_connection_add_local_address(s->conn, &s->addr) == KEYWAY_OK);
}

static void test_call(void) {
  char offer[4096], answer[4096];
  size_t offer_len = 0, answer_len = 0;
  int64_t now = 1000000;
  uint16_t seq;
  keyway_stats st;
  uint64_t allocations;

  set_up_side(&alice, KEYWAY_ROLE_OFFERER, 1, 50000, 0xA11CE, 0);
  set_up_side(&bob, KEYWAY_ROLE_ANSWERER, 2, 50001, 0xB0B, 1);
  CHECK(keyway_connection_create_offer(alice.conn, 0, offer, 16, &offer_len) == KEYWAY_ERR_BUFFER_TOO_SMALL);
  CHECK(keyway_connection_create_offer(alice.conn, 1, offer, sizeof offer, &offer_len) == KEYWAY_OK);
  CHECK(strlen(offer) == offer_len && strstr(offer, "a=fingerprint:sha-256 ") != NULL);
  CHECK(strstr(offer, "m=video") != NULL && strstr(offer, "VP8/90000") != NULL && strstr(offer, "capi-test") != NULL);
  CHECK(keyway_connection_accept_offer(bob.conn, offer, offer_len, answer, sizeof answer, &answer_len) == KEYWAY_OK);
  CHECK(strstr(answer, "a=ice-lite") != NULL && strstr(answer, "VP8/90000") != NULL);
  CHECK(keyway_connection_add_remote_candidate(alice.conn, "candidate:garbage", 17) != KEYWAY_OK);
  CHECK(keyway_connection_set_remote_answer(alice.conn, answer, answer_len) == KEYWAY_OK);

  CHECK(run(&now, connected));
  keyway_connection_stats(alice.conn, &st);
  CHECK(st.state == KEYWAY_STATE_CONNECTED);
  CHECK(strcmp(st.srtp_profile, "SRTP_AES128_CM_HMAC_SHA1_80") == 0);
  /* Alice pins DTLS 1.2 and Bob offers 1.3 as well: 1.2, with its suite names. */
  CHECK(strncmp(st.cipher_suite, "TLS_ECDHE_ECDSA_WITH", 20) == 0);
  CHECK(st.stun_packets_out > 0 && st.dtls_packets_out > 0);

  /* The packet path allocates nothing: media both ways, timeouts, polls. */
  allocations = capi_test_allocation_count();
  for (seq = 1; seq <= 5; seq++) {
    CHECK(send_media(&alice, seq, 0) == KEYWAY_OK);
    CHECK(send_media(&bob, seq, 0) == KEYWAY_OK);
  }
  CHECK(send_media(&bob, 0, 1) == KEYWAY_OK);
  CHECK(run(&now, media_done));
  CHECK(capi_test_allocation_count() == allocations);
  CHECK(alice.last_payload_byte == 5 && bob.last_payload_byte == 5); /* decrypted in place */

  /* KEYWAY_LIMIT_SRTP_MAX_STREAMS = 1: a second SSRC has no slot. */
  alice.ssrc++;
  CHECK(send_media(&alice, 6, 0) == KEYWAY_ERR_CAPACITY);
  CHECK(keyway_connection_error(alice.conn)->layer == KEYWAY_LAYER_SRTP);
  alice.ssrc--;

  keyway_connection_stats(bob.conn, &st);
  CHECK(st.rtp_received == 5 && st.rtp_sent == 5 && st.rtcp_sent == 1);
  CHECK(st.srtp_auth_failures == 0 && st.untrusted_dropped == 0);
  printf("call: %s, %s, alice received %d RTP + %d RTCP, bob %d RTP\n", st.cipher_suite, st.srtp_profile,
         alice.rtp_received, alice.rtcp_received, bob.rtp_received);

  keyway_connection_close(alice.conn);
  CHECK(run(&now, bob_closed));
  CHECK(bob.closed_events == 1 && alice.failed_events == 0 && bob.failed_events == 0);

  keyway_connection_free(alice.conn);
  keyway_connection_free(bob.conn);
  keyway_config_free(alice.cfg);
  keyway_config_free(bob.cfg);
}

int main(void) {
  if (!load_identity_pem()) {
    printf("capi: FAILED: cannot read %s\n", KEYWAY_TEST_IDENTITY_PEM);
    return 1;
  }
  test_names_and_addresses();
  test_config_errors();
  test_stun_gathering();
  test_call();
  printf("%s (%d failures)\n", failures == 0 ? "capi: ok" : "capi: FAILED", failures);
  return failures == 0 ? 0 : 1;
}
