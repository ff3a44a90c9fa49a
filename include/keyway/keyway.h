/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keyway.h: the C API of keyway (C99), for firmware written in C and for
 * bindings (Python ctypes, Rust, Go). It wraps peer::Connection, the whole
 * WebRTC media chain of one call (SDP, ICE, DTLS 1.2, SRTP), and is sans-IO
 * like it: keyway never opens a socket, reads a clock or starts a thread.
 * The caller feeds datagrams and the time, and sends what it is given.
 *
 *   keyway_config *cfg = keyway_config_new();
 *   keyway_config_set_entropy(cfg, seed, 48);           // from your OS / TRNG
 *   keyway_config_generate_identity(cfg, "me", unix_now);
 *   keyway_connection *c = keyway_connection_new(cfg);
 *   keyway_connection_add_local_address(c, &addr);      // each socket you bound
 *   offerer:  keyway_connection_create_offer(...) -> signal -> keyway_connection_set_remote_answer(...)
 *   answerer: keyway_connection_accept_offer(...) -> signal the answer
 *   loop:
 *     while (keyway_connection_poll_output(c, now_us, scratch, n, &out) != KEYWAY_OUTPUT_TIMEOUT)
 *       TRANSMIT: sendto(out.remote) from the socket bound to out.local
 *       EVENT:    out.event (connected, media received, failed ...)
 *     wait for a datagram or out.deadline_us; then handle_datagram or handle_timeout
 *   media: keyway_connection_send_rtp(c, buf, cap, len, &out) protects in place.
 *
 * Conventions
 * - Handles are opaque; every *_new has its *_free (which accepts NULL).
 * - Functions that can fail return an int: KEYWAY_OK (0) or a KEYWAY_ERR_*
 *   code; keyway_config_error() / keyway_connection_error() then give the
 *   layer and a text naming the reason ("ice: invalid_argument: ...").
 * - Time is microseconds (int64_t) of a monotonic clock of the caller's
 *   choice, as the C++ API's Timestamp; KEYWAY_NEVER is "nothing is due".
 * - No allocation after keyway_connection_new except while a remote
 *   description is parsed (bounded by KEYWAY_LIMIT_SDP_ARENA): the packet
 *   path uses the caller's buffers only.
 * - Threads: a connection is used from one thread at a time. Connections
 *   made from one config share its certificate: use them from one thread,
 *   or give each thread its own config.
 */
#ifndef KEYWAY_KEYWAY_H
#define KEYWAY_KEYWAY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct keyway_config keyway_config;
typedef struct keyway_connection keyway_connection;

#define KEYWAY_NEVER INT64_MAX

/* ---- errors ------------------------------------------------------------ */

/* Codes (the C++ keyway::Code, in the same order). */
enum {
  KEYWAY_OK = 0,
  KEYWAY_ERR_MALFORMED,
  KEYWAY_ERR_TRUNCATED,
  KEYWAY_ERR_AUTH_FAILED,
  KEYWAY_ERR_REPLAYED,
  KEYWAY_ERR_TOO_OLD,
  KEYWAY_ERR_UNKNOWN_STREAM,
  KEYWAY_ERR_KEY_EXHAUSTED,
  KEYWAY_ERR_CAPACITY,
  KEYWAY_ERR_BUFFER_TOO_SMALL,
  KEYWAY_ERR_UNSUPPORTED,
  KEYWAY_ERR_INVALID_ARGUMENT,
  KEYWAY_ERR_BAD_STATE,
  KEYWAY_ERR_CRYPTO_FAILURE,
  KEYWAY_ERR_HANDSHAKE_FAILURE,
  KEYWAY_ERR_BAD_CERTIFICATE,
  KEYWAY_ERR_DECODE_ERROR,
  KEYWAY_ERR_ILLEGAL_PARAMETER,
  KEYWAY_ERR_UNEXPECTED_MESSAGE,
  KEYWAY_ERR_TIMEOUT,
  KEYWAY_ERR_INTERNAL,
  KEYWAY_ERR_PROTOCOL_VERSION,
  KEYWAY_ERR_CONSENT_LOST,
  KEYWAY_ERR_NO_PATH
};

/* The layer an error comes from (the C++ keyway::Layer). */
enum {
  KEYWAY_LAYER_LIB = 0,
  KEYWAY_LAYER_CRYPTO,
  KEYWAY_LAYER_SRTP,
  KEYWAY_LAYER_DTLS,
  KEYWAY_LAYER_SDP,
  KEYWAY_LAYER_ICE,
  KEYWAY_LAYER_PEER
};

typedef struct keyway_error {
  int code;       /* KEYWAY_OK or KEYWAY_ERR_* */
  int layer;      /* KEYWAY_LAYER_* */
  char text[240]; /* "<layer>: <code>: <reason>", NUL-terminated; "" when code is KEYWAY_OK */
} keyway_error;

const char *keyway_code_name(int code);   /* "capacity exceeded" */
const char *keyway_layer_name(int layer); /* "dtls" */
const char *keyway_version(void);         /* "0.1.0" */

/* ---- addresses ----------------------------------------------------------- */

typedef struct keyway_addr {
  uint8_t family;  /* 4 or 6 */
  uint8_t ip[16];  /* network order; IPv4 uses ip[0..3] */
  uint16_t port;   /* host order */
} keyway_addr;

keyway_addr keyway_addr_v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port);
/* An IP literal ("127.0.0.1", "::1") and a port. */
int keyway_addr_parse(const char *ip, uint16_t port, keyway_addr *out);
/* "1.2.3.4:5" or "[::1]:5", NUL-terminated; returns its length. */
size_t keyway_addr_format(const keyway_addr *addr, char *out, size_t out_len);
int keyway_addr_equal(const keyway_addr *a, const keyway_addr *b);

/* ---- configuration ------------------------------------------------------- */

enum { KEYWAY_ROLE_OFFERER = 0, KEYWAY_ROLE_ANSWERER = 1 };
enum { KEYWAY_MEDIA_AUDIO = 0, KEYWAY_MEDIA_VIDEO = 1 };

/* DTLS-SRTP protection profiles (RFC 5764 §4.1.2 ids). */
#define KEYWAY_SRTP_AES128_CM_SHA1_80 0x0001
#define KEYWAY_SRTP_AES128_CM_SHA1_32 0x0002
#define KEYWAY_SRTP_AEAD_AES_128_GCM 0x0007
#define KEYWAY_SRTP_AEAD_AES_256_GCM 0x0008

/* Memory bounds (keyway_config_set_limit); the defaults suit a browser call. */
enum {
  KEYWAY_LIMIT_DTLS_MAX_HANDSHAKE_MESSAGE = 0, /* bytes of one handshake message body (6144) */
  KEYWAY_LIMIT_DTLS_MAX_REASSEMBLY,            /* bytes buffered while reassembling (8192, >= 9/8 of the above) */
  KEYWAY_LIMIT_DTLS_MTU,                       /* largest DTLS datagram sent (1200) */
  KEYWAY_LIMIT_SRTP_MAX_STREAMS,               /* SSRCs per direction (16) */
  KEYWAY_LIMIT_SRTP_REPLAY_WINDOW,             /* packets per SSRC, multiple of 64 (256)  */
  KEYWAY_LIMIT_SDP_ARENA                       /* heap while a remote description is parsed (49152) */
};

/* A new configuration: offerer, full ICE, all four SRTP profiles (AES-GCM
 * first), audio with opus/48000/2 as payload type 111, no video. NULL when
 * out of memory. */
keyway_config *keyway_config_new(void);
void keyway_config_free(keyway_config *cfg);
const keyway_error *keyway_config_error(const keyway_config *cfg);

/* Randomness: at least 48 bytes from the platform's entropy source. It seeds
 * a CTR-DRBG that keys the identity and each connection's own DRBGs.
 * Required before keyway_config_generate_identity and keyway_connection_new. */
int keyway_config_set_entropy(keyway_config *cfg, const uint8_t *seed, size_t len);
/* Our certificate: a fresh self-signed ECDSA P-256 one (unix_now: seconds
 * since 1970, the start of its validity), or one loaded from PEM text (a
 * CERTIFICATE, and an EC P-256 key as "EC PRIVATE KEY" or "PRIVATE KEY"). */
int keyway_config_generate_identity(keyway_config *cfg, const char *common_name, int64_t unix_now);
int keyway_config_set_identity_pem(keyway_config *cfg, const char *certificate_pem, const char *private_key_pem);
/* "sha-256 AB:CD:..." of the identity, as SDP carries it ("" without one). */
const char *keyway_config_fingerprint(const keyway_config *cfg);

int keyway_config_set_role(keyway_config *cfg, int role);
/* Answerer only: answer ICE checks, never send them (RFC 8445 §2.5). */
int keyway_config_set_ice_lite(keyway_config *cfg, int lite);
/* DTLS versions offered: 1 (the default) offers DTLS 1.3 and 1.2, and 1.3 is
 * spoken when the peer offers it too (RFC 9147); 0 pins DTLS 1.2. */
int keyway_config_set_dtls13(keyway_config *cfg, int offer);
/* Preference order, 1 to 4 KEYWAY_SRTP_* ids. */
int keyway_config_set_srtp_profiles(keyway_config *cfg, const uint16_t *ids, size_t count);
/* A STUN server for server-reflexive candidates (at most 2). */
int keyway_config_add_stun_server(keyway_config *cfg, const keyway_addr *server);
int keyway_config_set_limit(keyway_config *cfg, int limit, size_t value);
size_t keyway_config_get_limit(const keyway_config *cfg, int limit);
/* From the remote description to SRTP keys; past it the call fails. */
int keyway_config_set_setup_timeout(keyway_config *cfg, int64_t micros);
/* Codecs to offer or accept. The first call for a media kind replaces its
 * defaults; fmtp may be NULL. At most 8 per kind. */
int keyway_config_add_codec(keyway_config *cfg, int media, const char *name, uint32_t clock_rate, uint8_t channels,
                            uint8_t payload_type, const char *fmtp);
/* Our sending SSRCs (0: none) and RTCP CNAME. */
int keyway_config_set_ssrcs(keyway_config *cfg, uint32_t audio_ssrc, uint32_t video_ssrc);
int keyway_config_set_cname(keyway_config *cfg, const char *cname);

/* ---- a connection -------------------------------------------------------- */

enum {
  KEYWAY_STATE_NEW = 0,
  KEYWAY_STATE_CHECKING,
  KEYWAY_STATE_HANDSHAKING,
  KEYWAY_STATE_CONNECTED,
  KEYWAY_STATE_FAILED,
  KEYWAY_STATE_CLOSED
};
const char *keyway_state_name(int state);

/* A connection copies the config's settings and shares its identity: the
 * config must outlive it (keyway_config_free waits for the last connection
 * made from it to be freed). Draws its seeds from the config's DRBG. NULL
 * on error (keyway_config_error says why). */
keyway_connection *keyway_connection_new(keyway_config *cfg);
void keyway_connection_free(keyway_connection *conn);
/* The last failing call's error, or the call's failure once it failed. */
const keyway_error *keyway_connection_error(const keyway_connection *conn);

/* A host candidate: an address a socket of yours is bound to (not 0.0.0.0). */
int keyway_connection_add_local_address(keyway_connection *conn, const keyway_addr *addr);
/* 1 once the STUN servers answered or gave up (an offer or answer written
 * then carries the server-reflexive candidates), 0 while gathering. */
int keyway_connection_gathering_done(const keyway_connection *conn);

/* SDP. Texts out are NUL-terminated; *written (may be NULL) gets the length. */
int keyway_connection_create_offer(keyway_connection *conn, int with_video, char *out, size_t out_len, size_t *written);
int keyway_connection_set_remote_answer(keyway_connection *conn, const char *answer, size_t len);
int keyway_connection_accept_offer(keyway_connection *conn, const char *offer, size_t offer_len, char *out,
                                   size_t out_len, size_t *written);
/* A trickled remote candidate ("candidate:..."). */
int keyway_connection_add_remote_candidate(keyway_connection *conn, const char *text, size_t len);

/* What became of a received datagram. */
enum { KEYWAY_ACCEPTED = 0, KEYWAY_DISCARDED = 1, KEYWAY_FATAL = 2 };
/* to: the local address it arrived on. Media is decrypted in place, and the
 * next poll_output reports it pointing into `datagram`: poll before reusing it. */
int keyway_connection_handle_datagram(keyway_connection *conn, int64_t now, uint8_t *datagram, size_t len,
                                      const keyway_addr *from, const keyway_addr *to);
void keyway_connection_handle_timeout(keyway_connection *conn, int64_t now);

enum { KEYWAY_OUTPUT_TRANSMIT = 0, KEYWAY_OUTPUT_EVENT = 1, KEYWAY_OUTPUT_TIMEOUT = 2 };
enum {
  KEYWAY_EVENT_ICE_CONNECTED = 0,      /* local/remote: the selected pair */
  KEYWAY_EVENT_ICE_DISCONNECTED,       /* consent checks unanswered for a while */
  KEYWAY_EVENT_DTLS_HANDSHAKE_COMPLETE,
  KEYWAY_EVENT_SRTP_READY,             /* media may flow */
  KEYWAY_EVENT_RTP_RECEIVED,           /* data: decrypted RTP packet */
  KEYWAY_EVENT_RTCP_RECEIVED,          /* data: decrypted RTCP compound packet */
  KEYWAY_EVENT_FAILED,                 /* error_code, error_layer; keyway_connection_error() has the text */
  KEYWAY_EVENT_CLOSED                  /* the peer sent close_notify */
};
const char *keyway_event_name(int event);

typedef struct keyway_output {
  int kind;              /* KEYWAY_OUTPUT_* */
  /* TRANSMIT: send data[0..len) from the socket bound to local, to remote.
   * EVENT: local/remote of ice_connected; data/len of rtp/rtcp_received. */
  keyway_addr local, remote;
  const uint8_t *data;   /* in scratch (transmit) or in the received datagram (media) */
  size_t len;
  int event;             /* EVENT: KEYWAY_EVENT_* */
  int error_code;        /* EVENT failed: KEYWAY_ERR_* */
  int error_layer;       /* EVENT failed: KEYWAY_LAYER_* */
  int64_t deadline;      /* TIMEOUT: call handle_timeout at this time (KEYWAY_NEVER: nothing due) */
} keyway_output;

/* The next thing to do; returns out->kind. Call until KEYWAY_OUTPUT_TIMEOUT.
 * scratch (1500 bytes is plenty) holds a transmit until the next call. */
int keyway_connection_poll_output(keyway_connection *conn, int64_t now, uint8_t *scratch, size_t scratch_len,
                                  keyway_output *out);

/* buffer[0..len) holds a plain RTP (RTCP) packet, buffer_len leaves room for
 * the SRTP trailer (len + 32 is always enough). Protects in place and fills
 * *transmit (kind TRANSMIT) with the datagram to send. */
int keyway_connection_send_rtp(keyway_connection *conn, uint8_t *buffer, size_t buffer_len, size_t len,
                               keyway_output *transmit);
int keyway_connection_send_rtcp(keyway_connection *conn, uint8_t *buffer, size_t buffer_len, size_t len,
                                 keyway_output *transmit);
/* Sends close_notify (it leaves on the next poll_output). */
void keyway_connection_close(keyway_connection *conn);

int keyway_connection_state(const keyway_connection *conn);
/* "sha-256 AB:CD:..." of our certificate. */
const char *keyway_connection_fingerprint(const keyway_connection *conn);

/* Every layer at a glance. Strings are static (never freed). */
typedef struct keyway_stats {
  int state;                   /* KEYWAY_STATE_* */
  int has_selected_pair;
  keyway_addr selected_local, selected_remote;
  int64_t rtt;                 /* microseconds of the last ICE round trip; -1 unknown */
  int dtls_client;
  const char *dtls_state;
  const char *cipher_suite;    /* IANA name, "" before the handshake completes */
  const char *srtp_profile;    /* RFC 5764 name, "" before SRTP is ready */
  uint64_t datagrams_received, unknown_datagrams, untrusted_dropped, events_dropped;
  uint64_t stun_packets_in, stun_bytes_in, stun_packets_out, stun_bytes_out;
  uint64_t dtls_packets_in, dtls_bytes_in, dtls_packets_out, dtls_bytes_out;
  uint64_t dtls_retransmissions, dtls_records_dropped;
  uint64_t rtp_sent, rtcp_sent, rtp_received, rtcp_received;
  uint64_t media_bytes_sent, media_bytes_received;
  uint64_t srtp_auth_failures, srtp_replays, srtp_malformed, srtp_other_drops, srtp_dropped_before_keys;
  uint64_t ice_integrity_failures, ice_dropped;
} keyway_stats;
int keyway_connection_stats(const keyway_connection *conn, keyway_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* KEYWAY_KEYWAY_H */
