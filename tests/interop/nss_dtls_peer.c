// SPDX-License-Identifier: Apache-2.0
// A DTLS peer on NSS (Debian 12's libnss3 3.87 has DTLS 1.3, wire 0xFEFC),
// for tests/interop/nss_dtls13.sh: one association over UDP on 127.0.0.1,
// DTLS 1.2..1.3 offered, use_srtp, mutual authentication with the
// certificate `nick` of the NSS database `db` (any peer certificate is
// accepted: keyway's are self-signed, as in WebRTC). It prints the lines
// `keyway dtls` prints (dtls_version=, srtp_profile=, exporter=, received=)
// so the script compares the two sides.
//
//   nss_dtls_peer client HOST PORT DB NICK   connect to HOST:PORT
//   nss_dtls_peer server HOST PORT DB NICK   listen (PORT 0: any; prints listening=PORT)
#include <nspr.h>
#include <nss.h>
#include <pk11pub.h>
#include <prio.h>
#include <ssl.h>
#include <sslproto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char* what) {
  printf("error: nss: %s: %s (%d)\n", what, PR_ErrorToName(PR_GetError()), PR_GetError());
  fflush(stdout);
  return 1;
}

// keyway's certificates are self-signed; the test compares exporters instead.
static SECStatus accept_any(void* arg, PRFileDesc* fd, PRBool check_sig, PRBool is_server) {
  (void)arg, (void)fd, (void)check_sig, (void)is_server;
  return SECSuccess;
}

// Waits for the socket (or DTLS's retransmission timer) and drives the handshake.
static int handshake(PRFileDesc* ssl, PRIntervalTime deadline) {
  for (;;) {
    if (SSL_ForceHandshake(ssl) == SECSuccess) return 0;
    if (PR_GetError() != PR_WOULD_BLOCK_ERROR) return fail("handshake");
    if ((PRIntervalTime)(PR_IntervalNow() - deadline) < 0x80000000u) return fail("handshake timeout");
    PRIntervalTime wait = PR_MillisecondsToInterval(50);
    PRIntervalTime timer;
    if (DTLS_GetHandshakeTimeout(ssl, &timer) == SECSuccess && timer < wait) wait = timer;
    PRPollDesc pd = {ssl, PR_POLL_READ, 0};
    PR_Poll(&pd, 1, wait);
  }
}

// Server: the first datagram's sender is the peer (peeked, left for NSS to read).
static int accept_first(PRFileDesc* udp) {
  char b[1];
  PRNetAddr from;
  PRPollDesc pd = {udp, PR_POLL_READ, 0};
  if (PR_Poll(&pd, 1, PR_SecondsToInterval(10)) <= 0) return fail("no client");
  if (PR_RecvFrom(udp, b, sizeof b, PR_MSG_PEEK, &from, PR_INTERVAL_NO_WAIT) < 0 && PR_GetError() != PR_BUFFER_OVERFLOW_ERROR)
    return fail("recvfrom");
  if (PR_Connect(udp, &from, PR_INTERVAL_NO_TIMEOUT) != PR_SUCCESS) return fail("connect");
  return 0;
}

static PRFileDesc* open_socket(int server, const char* host, int port) {
  PRNetAddr addr;
  PRFileDesc* udp = PR_OpenUDPSocket(PR_AF_INET);
  if (udp == NULL || PR_StringToNetAddr(host, &addr) != PR_SUCCESS) return NULL;
  addr.inet.port = PR_htons((PRUint16)port);
  if (server) {
    if (PR_Bind(udp, &addr) != PR_SUCCESS || PR_GetSockName(udp, &addr) != PR_SUCCESS) return NULL;
    printf("listening=%d\n", PR_ntohs(addr.inet.port));
    fflush(stdout);
    if (accept_first(udp) != 0) return NULL;
  } else if (PR_Connect(udp, &addr, PR_INTERVAL_NO_TIMEOUT) != PR_SUCCESS) {
    return NULL;
  }
  PRSocketOptionData nb = {PR_SockOpt_Nonblocking, {PR_TRUE}};
  PR_SetSocketOption(udp, &nb);
  return udp;
}

static int configure(PRFileDesc* ssl, int server, char* nick) {
  SSLVersionRange range = {SSL_LIBRARY_VERSION_TLS_1_2, SSL_LIBRARY_VERSION_TLS_1_3};
  const PRUint16 srtp[] = {SRTP_AES128_CM_HMAC_SHA1_80, SRTP_AES128_CM_HMAC_SHA1_32};
  if (SSL_VersionRangeSet(ssl, &range) != SECSuccess) return fail("version range 1.2..1.3");
  if (SSL_SetSRTPCiphers(ssl, srtp, 2) != SECSuccess) return fail("use_srtp");
  if (SSL_AuthCertificateHook(ssl, accept_any, NULL) != SECSuccess) return fail("auth hook");
  if (!server) return SSL_GetClientAuthDataHook(ssl, NSS_GetClientAuthData, nick) == SECSuccess ? 0 : fail("client auth");
  CERTCertificate* cert = PK11_FindCertFromNickname(nick, NULL);
  SECKEYPrivateKey* key = cert ? PK11_FindKeyByAnyCert(cert, NULL) : NULL;
  if (key == NULL || SSL_ConfigServerCert(ssl, cert, key, NULL, 0) != SECSuccess) return fail("server certificate");
  if (SSL_OptionSet(ssl, SSL_REQUEST_CERTIFICATE, PR_TRUE) != SECSuccess ||
      SSL_OptionSet(ssl, SSL_REQUIRE_CERTIFICATE, SSL_REQUIRE_ALWAYS) != SECSuccess)
    return fail("request certificate");
  return 0;
}

// The lines keyway dtls prints, then one line each way and close_notify.
static int report_and_talk(PRFileDesc* ssl) {
  SSLChannelInfo info;
  PRUint16 profile = 0;
  unsigned char km[60];
  if (SSL_GetChannelInfo(ssl, &info, sizeof info) != SECSuccess) return fail("channel info");
  if (SSL_GetSRTPCipher(ssl, &profile) != SECSuccess) return fail("no SRTP profile negotiated");
  if (SSL_ExportKeyingMaterial(ssl, "EXTRACTOR-dtls_srtp", 19, PR_FALSE, NULL, 0, km, sizeof km) != SECSuccess)
    return fail("exporter");
  printf("dtls_version=%s\nsrtp_profile=0x%04x\nexporter=", info.protocolVersion == SSL_LIBRARY_VERSION_TLS_1_3 ? "1.3" : "1.2",
         profile);
  for (size_t i = 0; i < sizeof km; ++i) printf("%02X", km[i]);
  printf("\n");
  fflush(stdout);
  const char line[] = "hello from nss\n";
  PR_Write(ssl, line, (PRInt32)strlen(line));
  char buf[512];
  PRIntervalTime end = PR_IntervalNow() + PR_SecondsToInterval(3);
  while ((PRIntervalTime)(PR_IntervalNow() - end) >= 0x80000000u) {
    PRPollDesc pd = {ssl, PR_POLL_READ, 0};
    PR_Poll(&pd, 1, PR_MillisecondsToInterval(100));
    PRInt32 n = PR_Read(ssl, buf, sizeof buf - 1);
    if (n > 0) {
      buf[n] = 0;
      buf[strcspn(buf, "\r\n")] = 0;
      printf("received=%s\n", buf);
      break;
    }
    if (n == 0 || PR_GetError() != PR_WOULD_BLOCK_ERROR) break;
  }
  fflush(stdout);
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 6 || (strcmp(argv[1], "client") != 0 && strcmp(argv[1], "server") != 0)) {
    fprintf(stderr, "usage: %s client|server HOST PORT DB NICK\n", argv[0]);
    return 2;
  }
  const int server = strcmp(argv[1], "server") == 0;
  if (NSS_Init(argv[4]) != SECSuccess || NSS_SetDomesticPolicy() != SECSuccess) return fail("init");
  if (server && SSL_ConfigServerSessionIDCache(1, 0, 0, NULL) != SECSuccess) return fail("session cache");  // NSS servers need one
  PRFileDesc* udp = open_socket(server, argv[2], atoi(argv[3]));
  if (udp == NULL) return fail("socket");
  PRFileDesc* ssl = DTLS_ImportFD(NULL, udp);
  if (ssl == NULL) return fail("DTLS_ImportFD");
  if (configure(ssl, server, argv[5]) != 0) return 1;
  if (SSL_ResetHandshake(ssl, server ? PR_TRUE : PR_FALSE) != SECSuccess) return fail("reset");
  if (handshake(ssl, PR_IntervalNow() + PR_SecondsToInterval(10)) != 0) return 1;
  int rc = report_and_talk(ssl);
  PR_Close(ssl);
  if (server) SSL_ShutdownServerSessionIDCache();
  NSS_Shutdown();
  return rc;
}
