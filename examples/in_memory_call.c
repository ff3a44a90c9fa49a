/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An in-memory call between two keyway connections, in C (keyway/keyway.h):
 * no sockets, no threads, a virtual clock. The shape of every keyway driver:
 * feed inputs, call poll_output() until it says TIMEOUT, and carry each
 * TRANSMIT to where it is addressed; here that is the other connection.
 *
 *   alice (offerer)  --offer-->  bob (answerer)
 *                    <--answer--
 *   ICE checks, DTLS handshake, SRTP keys, then RTP both ways, then close.
 *
 * On a device, replace the wire below with your UDP socket, the virtual
 * clock with a monotonic one, and /dev/urandom with your TRNG.
 * Run: build/examples/in_memory_call_c. Exits 0 when media crossed both ways.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "keyway/keyway.h"

#define MAX_DATAGRAM 1500
#define WIRE_SLOTS 64

/* One side of the call. */
typedef struct peer {
  const char *name;
  keyway_config *cfg;
  keyway_connection *conn;
  keyway_addr addr; /* the address "its socket" is bound to */
  int rtp_received;
} peer;

/* A datagram on its way: the "network" of this example. */
typedef struct datagram {
  peer *to;
  keyway_addr from;
  size_t len;
  uint8_t bytes[MAX_DATAGRAM];
} datagram;

static datagram wire[WIRE_SLOTS];
static size_t wire_count;

static void put_on_wire(peer *to, const keyway_output *t) {
  if (wire_count == WIRE_SLOTS || t->len > MAX_DATAGRAM) return; /* a full network drops */
  wire[wire_count].to = to;
  wire[wire_count].from = t->local;
  wire[wire_count].len = t->len;
  memcpy(wire[wire_count].bytes, t->data, t->len);
  wire_count++;
}

/* Entropy from the OS (48 bytes seed keyway's CTR-DRBG). */
static int read_entropy(uint8_t *seed, size_t len) {
  FILE *f = fopen("/dev/urandom", "rb");
  size_t n = f ? fread(seed, 1, len, f) : 0;
  if (f) fclose(f);
  return n == len;
}

static int set_up(peer *p, int role, uint32_t ssrc) {
  uint8_t seed[48];
  p->cfg = keyway_config_new();
  if (!p->cfg || !read_entropy(seed, sizeof seed)) return 0;
  if (keyway_config_set_entropy(p->cfg, seed, sizeof seed) != KEYWAY_OK ||
      keyway_config_generate_identity(p->cfg, p->name, (int64_t)time(NULL)) != KEYWAY_OK ||
      keyway_config_set_role(p->cfg, role) != KEYWAY_OK || keyway_config_set_ssrcs(p->cfg, ssrc, 0) != KEYWAY_OK) {
    printf("%s: %s\n", p->name, keyway_config_error(p->cfg)->text);
    return 0;
  }
  p->conn = keyway_connection_new(p->cfg);
  return p->conn && keyway_connection_add_local_address(p->conn, &p->addr) == KEYWAY_OK;
}

/* Everything `self` has to do at `now`; returns when it next wants to run. */
static int64_t drain(peer *self, peer *other, int64_t now) {
  uint8_t scratch[MAX_DATAGRAM];
  keyway_output out;
  keyway_connection_handle_timeout(self->conn, now);
  while (keyway_connection_poll_output(self->conn, now, scratch, sizeof scratch, &out) != KEYWAY_OUTPUT_TIMEOUT) {
    if (out.kind == KEYWAY_OUTPUT_TRANSMIT) {
      put_on_wire(other, &out); /* copied: scratch is reused by the next poll */
    } else if (out.event == KEYWAY_EVENT_RTP_RECEIVED) {
      self->rtp_received++; /* out.data/out.len: the decrypted packet */
    } else {
      printf("%-5s %s\n", self->name, keyway_event_name(out.event));
      if (out.event == KEYWAY_EVENT_FAILED) printf("      %s\n", keyway_connection_error(self->conn)->text);
    }
  }
  return out.deadline;
}

/* Hands each datagram in flight to its connection (no delay, no loss); the
 * receiver runs at once, while the datagram (holding decrypted media) lives. */
static void deliver(peer *a, peer *b, int64_t now) {
  static datagram arrived[WIRE_SLOTS];
  size_t i, n = wire_count;
  memcpy(arrived, wire, n * sizeof wire[0]);
  wire_count = 0;
  for (i = 0; i < n; i++) {
    datagram *d = &arrived[i];
    keyway_connection_handle_datagram(d->to->conn, now, d->bytes, d->len, &d->from, &d->to->addr);
    drain(d->to, d->to == a ? b : a, now);
  }
}

static int connected(const peer *a, const peer *b) {
  return keyway_connection_state(a->conn) == KEYWAY_STATE_CONNECTED &&
         keyway_connection_state(b->conn) == KEYWAY_STATE_CONNECTED;
}

static int media_done(const peer *a, const peer *b) { return a->rtp_received == 5 && b->rtp_received == 5; }

static int bob_closed(const peer *a, const peer *b) {
  (void)a;
  return keyway_connection_state(b->conn) == KEYWAY_STATE_CLOSED;
}

/* Runs both sides until done() or 10 s of virtual time. */
static int run(peer *a, peer *b, int64_t *now, int (*done)(const peer *, const peer *)) {
  int64_t end = *now + 10000000;
  while (!done(a, b) && *now < end) {
    int64_t next_a = drain(a, b, *now), next_b = drain(b, a, *now);
    int64_t next = next_a < next_b ? next_a : next_b;
    if (wire_count > 0) {
      deliver(a, b, *now); /* arrives "now": run both sides again before time moves */
      continue;
    }
    *now = next > *now ? next : *now + 1000; /* the virtual clock jumps to the next deadline */
  }
  return done(a, b);
}

/* One opus-sized RTP packet, protected in place and put on the wire. */
static int send_rtp(peer *from, peer *to, uint32_t ssrc, uint16_t seq) {
  uint8_t packet[12 + 80 + 32]; /* header + payload + room for the SRTP trailer */
  keyway_output t;
  memset(packet, 0, sizeof packet);
  packet[0] = 0x80;
  packet[1] = 111; /* payload type: opus */
  packet[2] = (uint8_t)(seq >> 8);
  packet[3] = (uint8_t)seq;
  packet[8] = (uint8_t)(ssrc >> 24);
  packet[9] = (uint8_t)(ssrc >> 16);
  packet[10] = (uint8_t)(ssrc >> 8);
  packet[11] = (uint8_t)ssrc;
  if (keyway_connection_send_rtp(from->conn, packet, sizeof packet, 12 + 80, &t) != KEYWAY_OK) return 0;
  put_on_wire(to, &t);
  return 1;
}

int main(void) {
  peer alice = {"alice", NULL, NULL, {0}, 0}, bob = {"bob", NULL, NULL, {0}, 0};
  char offer[4096], answer[4096];
  size_t offer_len = 0, answer_len = 0;
  int64_t now = 0;
  uint16_t seq;
  int ok;

  alice.addr = keyway_addr_v4(127, 0, 0, 1, 50000);
  bob.addr = keyway_addr_v4(127, 0, 0, 1, 50001);
  if (!set_up(&alice, KEYWAY_ROLE_OFFERER, 0xA11CE) || !set_up(&bob, KEYWAY_ROLE_ANSWERER, 0xB0B)) {
    printf("set-up failed\n");
    return 1;
  }

  /* Signalling: in a real application the texts travel over your own channel. */
  if (keyway_connection_create_offer(alice.conn, 0, offer, sizeof offer, &offer_len) != KEYWAY_OK ||
      keyway_connection_accept_offer(bob.conn, offer, offer_len, answer, sizeof answer, &answer_len) != KEYWAY_OK ||
      keyway_connection_set_remote_answer(alice.conn, answer, answer_len) != KEYWAY_OK) {
    printf("signalling failed\n");
    return 1;
  }
  printf("offer %zu bytes, answer %zu bytes\n", offer_len, answer_len);

  if (!run(&alice, &bob, &now, connected)) {
    printf("not connected: alice %s, bob %s\n", keyway_state_name(keyway_connection_state(alice.conn)),
           keyway_state_name(keyway_connection_state(bob.conn)));
    return 1;
  }
  {
    keyway_stats s;
    keyway_connection_stats(alice.conn, &s);
    printf("connected after %.1f ms of virtual time: %s, %s\n", (double)now / 1000.0, s.cipher_suite, s.srtp_profile);
  }

  for (seq = 1; seq <= 5; seq++)
    if (!send_rtp(&alice, &bob, 0xA11CE, seq) || !send_rtp(&bob, &alice, 0xB0B, seq)) return 1;
  run(&alice, &bob, &now, media_done);
  printf("media: alice received %d RTP packets, bob %d\n", alice.rtp_received, bob.rtp_received);

  keyway_connection_close(alice.conn);
  run(&alice, &bob, &now, bob_closed);
  ok = media_done(&alice, &bob);
  printf("%s\n", ok ? "call ok" : "call FAILED");

  keyway_connection_free(alice.conn);
  keyway_connection_free(bob.conn);
  keyway_config_free(alice.cfg);
  keyway_config_free(bob.cfg);
  return ok ? 0 : 1;
}
