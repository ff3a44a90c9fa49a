// SPDX-License-Identifier: Apache-2.0
// A DTLS 1.3 peer on wolfSSL (Debian trixie's source package 5.7.2, built by
// tools/wolfssl13.sh with --enable-dtls13 --enable-srtp), for
// tests/interop/wolfssl_dtls13.sh: one association over UDP on 127.0.0.1,
// use_srtp, mutual authentication with a PEM certificate and key (any peer
// certificate is accepted: keyway's are self-signed, as in WebRTC). It prints
// the lines `keyway dtls` prints (dtls_version=, cipher=, srtp_profile=,
// exporter=, received=) so that the script compares the two sides, plus
// wire_version= (the record-layer code point: FEFC is RFC 9147's DTLS 1.3).
//
//   wolfssl_dtls13_peer client|server HOST PORT CERT KEY VERSIONS PROFILES
//     client: connects to HOST:PORT; server: listens (PORT 0: any; prints listening=PORT)
//     VERSIONS: 1.3 (DTLS 1.3 only), 1.2 (DTLS 1.2 only) or any (1.3 and 1.2)
//     PROFILES: use_srtp profiles, OpenSSL names joined by ':'
//     GROUPS (optional): secp256r1 or x25519, the only key-exchange group the
//       server accepts (a client share of another group draws a HelloRetryRequest)
//
// The server sends no HelloRetryRequest cookie (wolfSSL_disable_hrr_cookie).
// wolfSSL 5.7.2 with use_srtp profiles set makes a DTLS server stateful
// (wolfSSL_accept: IsDtlsNotSrtpMode), so it never sends the stateless HRR
// with the cookie; its TLS 1.3 ClientHello handler still demands a valid
// cookie from a DTLS client and answers the first ClientHello, from any
// client (wolfSSL's own too), with illegal_parameter ("Cookie does not match
// one sent in HelloRetryRequest"). Without the cookie it answers like
// keyway's peer::Connection, where ICE has checked the path (RFC 9147 §5.1 makes
// the cookie a server's choice).
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int fail(WOLFSSL* ssl, int ret, const char* what) {
  char text[WOLFSSL_MAX_ERROR_SZ] = "";
  int err = ssl ? wolfSSL_get_error(ssl, ret) : ret;
  wolfSSL_ERR_error_string_n((unsigned long)err, text, sizeof text);
  printf("error: wolfssl: %s: %d %s\n", what, err, text);
  fflush(stdout);
  return 1;
}

// keyway's certificates are self-signed; the script compares exporters instead.
static int accept_any(int preverify, WOLFSSL_X509_STORE_CTX* store) {
  (void)preverify, (void)store;
  return 1;
}

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

// Server: the first datagram's sender is the peer (peeked, left for wolfSSL to read).
static int open_socket(int server, const char* host, int port, struct sockaddr_in* peer) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  if (fd < 0 || inet_pton(AF_INET, host, &addr.sin_addr) != 1) return -1;
  if (server) {
    char b[1];
    struct pollfd p = {fd, POLLIN, 0};
    if (bind(fd, (struct sockaddr*)&addr, sizeof addr) != 0 || getsockname(fd, (struct sockaddr*)&addr, &len) != 0) return -1;
    printf("listening=%d\n", ntohs(addr.sin_port));
    fflush(stdout);
    len = sizeof *peer;
    if (poll(&p, 1, 10000) <= 0 || recvfrom(fd, b, sizeof b, MSG_PEEK, (struct sockaddr*)peer, &len) < 0) return -1;
  } else {
    *peer = addr;
  }
  if (connect(fd, (struct sockaddr*)peer, sizeof *peer) != 0) return -1;
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

static WOLFSSL_METHOD* method(int server, const char* versions) {
  if (strcmp(versions, "1.3") == 0) return server ? wolfDTLSv1_3_server_method() : wolfDTLSv1_3_client_method();
  if (strcmp(versions, "1.2") == 0) return server ? wolfDTLSv1_2_server_method() : wolfDTLSv1_2_client_method();
  if (strcmp(versions, "any") == 0) return server ? wolfDTLS_server_method() : wolfDTLS_client_method();
  return NULL;
}

static int configure(WOLFSSL_CTX* ctx, const char* cert, const char* key, const char* profiles) {
  if (wolfSSL_CTX_use_certificate_file(ctx, cert, WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) return fail(NULL, 0, "certificate");
  if (wolfSSL_CTX_use_PrivateKey_file(ctx, key, WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) return fail(NULL, 0, "private key");
  // Mutual authentication, as WebRTC requires (the server asks for the client's certificate).
  wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any);
  // wolfSSL returns WOLFSSL_SUCCESS (1) here, where OpenSSL's SSL_CTX_set_tlsext_use_srtp returns 0.
  if (wolfSSL_CTX_set_tlsext_use_srtp(ctx, profiles) != WOLFSSL_SUCCESS) return fail(NULL, 0, "use_srtp");
  return 0;
}

// Drives wolfSSL_connect/accept on the non-blocking socket; on silence for
// wolfSSL's current timeout, tells it so (it retransmits its flight).
static int handshake(WOLFSSL* ssl, int server, int fd) {
  long long deadline = now_ms() + 10000;
  for (;;) {
    int ret = server ? wolfSSL_accept(ssl) : wolfSSL_connect(ssl);
    if (ret == WOLFSSL_SUCCESS) return 0;
    int err = wolfSSL_get_error(ssl, ret);
    if (err != WOLFSSL_ERROR_WANT_READ && err != WOLFSSL_ERROR_WANT_WRITE) return fail(ssl, ret, "handshake");
    if (now_ms() > deadline) return fail(NULL, 0, "handshake timeout");
    int wait_ms = wolfSSL_dtls_get_current_timeout(ssl) * 1000;
    if (wolfSSL_dtls13_use_quick_timeout(ssl)) wait_ms /= 4;
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, wait_ms) == 0 && wolfSSL_dtls_got_timeout(ssl) != WOLFSSL_SUCCESS) return fail(NULL, 0, "retransmission");
  }
}

static const char* version_name(WOLFSSL* ssl, const char** wire) {
  switch (wolfSSL_version(ssl)) {
    case DTLS1_3_VERSION: *wire = "FEFC"; return "1.3";
    case DTLS1_2_VERSION: *wire = "FEFD"; return "1.2";
    default: *wire = "?"; return "?";
  }
}

// The lines keyway dtls prints, then one line each way and close_notify.
static int report_and_talk(WOLFSSL* ssl, int fd) {
  const WOLFSSL_SRTP_PROTECTION_PROFILE* profile = wolfSSL_get_selected_srtp_profile(ssl);
  unsigned char km[128];
  size_t km_len = sizeof km;
  const char* wire;
  if (profile == NULL) return fail(NULL, 0, "no SRTP profile negotiated");
  int ret = wolfSSL_export_dtls_srtp_keying_material(ssl, km, &km_len);
  if (ret != WOLFSSL_SUCCESS) return fail(NULL, ret, "exporter");
  km_len = (size_t)profile->kdfBits;  // the profile's key and salt, twice (RFC 5764 §4.2)
  const char* group = wolfSSL_get_curve_name(ssl);
  printf("dtls_version=%s\n", version_name(ssl, &wire));
  printf("wire_version=%s\ncipher=%s\ngroup=%s\nsrtp_profile=%s\nexporter=", wire, wolfSSL_get_cipher_name(ssl),
         group ? group : "?", profile->name);
  for (size_t i = 0; i < km_len; ++i) printf("%02X", km[i]);
  printf("\n");
  fflush(stdout);
  const char line[] = "hello from wolfssl\n";
  ret = wolfSSL_write(ssl, line, (int)strlen(line));
  if (ret <= 0) return fail(ssl, ret, "write");
  char buf[512];
  long long end = now_ms() + 3000;
  while (now_ms() < end) {
    ret = wolfSSL_read(ssl, buf, sizeof buf - 1);
    if (ret > 0) {
      buf[ret] = 0;
      buf[strcspn(buf, "\r\n")] = 0;
      printf("received=%s\n", buf);
      break;
    }
    int err = wolfSSL_get_error(ssl, ret);
    if (err != WOLFSSL_ERROR_WANT_READ && err != WOLFSSL_ERROR_WANT_WRITE) return fail(ssl, ret, "read");
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 100) == 0 && !wolfSSL_is_init_finished(ssl)) wolfSSL_dtls_got_timeout(ssl);
  }
  fflush(stdout);
  wolfSSL_shutdown(ssl);
  return 0;
}

int main(int argc, char** argv) {
  if ((argc != 8 && argc != 9) || (strcmp(argv[1], "client") != 0 && strcmp(argv[1], "server") != 0)) {
    fprintf(stderr, "usage: %s client|server HOST PORT CERT KEY 1.3|1.2|any PROFILES [secp256r1|x25519]\n", argv[0]);
    return 2;
  }
  const int server = strcmp(argv[1], "server") == 0;
  wolfSSL_Init();
  WOLFSSL_METHOD* m = method(server, argv[6]);
  WOLFSSL_CTX* ctx = m ? wolfSSL_CTX_new(m) : NULL;
  if (ctx == NULL) return fail(NULL, 0, "context (versions 1.3, 1.2 or any)");
  if (configure(ctx, argv[4], argv[5], argv[7]) != 0) return 1;
  struct sockaddr_in peer;
  int fd = open_socket(server, argv[2], atoi(argv[3]), &peer);
  if (fd < 0) return fail(NULL, 0, "socket");
  WOLFSSL* ssl = wolfSSL_new(ctx);
  if (ssl == NULL || wolfSSL_set_fd(ssl, fd) != WOLFSSL_SUCCESS ||
      wolfSSL_dtls_set_peer(ssl, &peer, sizeof peer) != WOLFSSL_SUCCESS)
    return fail(NULL, 0, "session");
  wolfSSL_dtls_set_using_nonblock(ssl, 1);
  if (server && wolfSSL_disable_hrr_cookie(ssl) != WOLFSSL_SUCCESS) return fail(NULL, 0, "disable the HRR cookie");
  if (argc == 9) {
    int group = strcmp(argv[8], "x25519") == 0 ? WOLFSSL_ECC_X25519 : WOLFSSL_ECC_SECP256R1;
    if (wolfSSL_set_groups(ssl, &group, 1) != WOLFSSL_SUCCESS) return fail(NULL, 0, "groups");
  }
  int rc = handshake(ssl, server, fd);
  if (rc == 0) rc = report_and_talk(ssl, fd);
  wolfSSL_free(ssl);
  wolfSSL_CTX_free(ctx);
  close(fd);
  wolfSSL_Cleanup();
  return rc;
}
