#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Issue 18: keyway dtls against a real RFC 9147 DTLS 1.3 peer, wolfSSL 5.7.2
# (Debian trixie's source package built with --enable-dtls13 --enable-srtp by
# tools/wolfssl13.sh; tests/interop/wolfssl_dtls13_peer.c), over 127.0.0.1,
# in both roles, with use_srtp and the exporter (EXTRACTOR-dtls_srtp) compared.
#
#   1. keyway server (--dtls 1.3, dtls::Listener: its HelloRetryRequest cookie)
#      <- wolfSSL client offering 1.3 and 1.2: DTLS 1.3, SRTP_AEAD_AES_128_GCM
#   2. keyway server (--dtls 1.3 --cookie off, no cookie exchange) <- wolfSSL
#      client, DTLS 1.3 only: DTLS 1.3, SRTP_AES128_CM_SHA1_80
#   3. wolfSSL server offering 1.3 and 1.2 <- keyway client --dtls 1.3:
#      DTLS 1.3, SRTP_AEAD_AES_128_GCM; then wolfSSL's NewSessionTicket,
#      which keyway's client skips and ACKs (RFC 8446 §4.6.1)
#   3b. the same with the wolfSSL server on secp256r1 only: keyway's x25519
#      share draws a HelloRetryRequest (RFC 8446 §4.1.4), then DTLS 1.3
#   4. wolfSSL server, 1.3 and 1.2 <- keyway client --dtls 1.2: falls back to 1.2
#   5. keyway server --dtls 1.2 <- wolfSSL client, 1.3 and 1.2: falls back to 1.2
# Every case: the version on both sides (1.3: wolfSSL's record layer says
# FEFC), the profile, equal exporters, a line each way. ECDSA P-256
# certificates on both sides (wolfSSL's from openssl, keyway's its own).
# wolfSSL's server sends no HelloRetryRequest cookie: with use_srtp set,
# wolfSSL 5.7.2 refuses every first ClientHello when it has one
# (wolfssl_dtls13_peer.c says why).
#
# usage: wolfssl_dtls13.sh KEYWAY WOLFSSL_DTLS13_PEER
# Exit 0 pass, 1 fail, 77 (skip) when openssl (to make wolfSSL's certificate) is missing.
set -u
. "$(dirname "$0")/dtls_peer.sh"
skip_without openssl "openssl is not installed"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=wolfssl \
  -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1 ||
  { echo "FAIL: openssl could not make wolfSSL's certificate"; exit 1; }

# $1 name, $2 keyway's output, $3 wolfSSL's output, $4 keyway's role, $5 version, $6 profile
check() {
  fail=0
  wire=FEFD
  [ "$5" = 1.3 ] && wire=FEFC
  [ "$(value dtls_version "$2")" = "$5" ] || { echo "FAIL $1: keyway negotiated DTLS '$(value dtls_version "$2")', not $5"; fail=1; }
  [ "$(value dtls_version "$3")" = "$5" ] && [ "$(value wire_version "$3")" = $wire ] ||
    { echo "FAIL $1: wolfSSL negotiated DTLS '$(value dtls_version "$3")' ($(value wire_version "$3")), not $5 ($wire)"; fail=1; }
  [ "$(value srtp_profile "$2")" = "$6" ] && [ "$(value srtp_profile "$3")" = "$6" ] ||
    { echo "FAIL $1: use_srtp: keyway '$(value srtp_profile "$2")', wolfSSL '$(value srtp_profile "$3")', not $6"; fail=1; }
  len=120
  [ "$6" = SRTP_AEAD_AES_128_GCM ] && len=112  # 2 x (16 + 12) bytes; CM_SHA1_80: 2 x (16 + 14)
  check_exchange "$1" "$2" "$3" "$4" wolfSSL $len || return 1
  echo "ok $1: DTLS $5 ($wire), $(value cipher "$2"), group $(value group "$3"), $6, exporter $(echo "$km" | cut -c1-16)... on both sides, a line each way"
}

# $1 name, $2 version, $3 profile, $4 wolfSSL's versions, $5... keyway server options
keyway_server() {
  name=$1 version=$2 profile=$3 versions=$4
  shift 4
  timeout 20 "$keyway" dtls server --listen 127.0.0.1:0 --srtp-profiles "$profile" --timeout 10 "$@" \
    --keylog "$work/keys" >"$work/ks.out" 2>&1 &
  port=$(wait_port "$work/ks.out") || { echo "FAIL $name: keyway server did not listen"; cat "$work/ks.out"; return 1; }
  timeout 20 "$peer" client 127.0.0.1 "$port" "$work/cert.pem" "$work/key.pem" "$versions" "$profile" >"$work/wc.out" 2>&1
  wait
  check "$name" "$work/ks.out" "$work/wc.out" server "$version" "$profile"
}

# $1 name, $2 version, $3 profile, $4 wolfSSL's versions, $5 wolfSSL's group (or ""), $6... keyway client options
keyway_client() {
  name=$1 version=$2 profile=$3 versions=$4 group=$5
  shift 5
  timeout 20 "$peer" server 127.0.0.1 0 "$work/cert.pem" "$work/key.pem" "$versions" "$profile" $group >"$work/ws.out" 2>&1 &
  port=$(wait_port "$work/ws.out") || { echo "FAIL $name: wolfSSL server did not listen"; cat "$work/ws.out"; return 1; }
  timeout 20 "$keyway" dtls client --connect "127.0.0.1:$port" --srtp-profiles "$profile" --timeout 10 "$@" \
    --keylog "$work/keys" >"$work/kc.out" 2>&1
  wait
  check "$name" "$work/kc.out" "$work/ws.out" client "$version" "$profile"
}

status=0
keyway_server "keyway server (Listener, HRR cookie) <- wolfSSL client 1.3+1.2" 1.3 SRTP_AEAD_AES_128_GCM any --dtls 1.3 || status=1
keyway_server "keyway server (--cookie off) <- wolfSSL client 1.3 only" 1.3 SRTP_AES128_CM_SHA1_80 1.3 --dtls 1.3 --cookie off || status=1
keyway_client "wolfSSL server 1.3+1.2 <- keyway client" 1.3 SRTP_AEAD_AES_128_GCM any "" --dtls 1.3 \
  --pcap "$work/ticket.pcap" || status=1
# What keyway's capture shows, decrypted with its key log: wolfSSL's NewSessionTicket and keyway's ACK after it.
"$keyway" explain --keylog "$work/keys" "$work/ticket.pcap" >"$work/ticket.txt" 2>&1
if sed -n '/NewSessionTicket (handshake type 4)/,$p' "$work/ticket.txt" | grep -q 'record_numbers length'; then
  echo "ok wolfSSL's NewSessionTicket (epoch 3) is skipped by keyway's client and ACKed"
else
  echo "FAIL: no NewSessionTicket, or no ACK after it, in keyway's capture"; status=1
fi
keyway_client "wolfSSL server 1.3+1.2, secp256r1 only (HRR) <- keyway client" 1.3 SRTP_AES128_CM_SHA1_80 any secp256r1 \
  --dtls 1.3 --pcap "$work/hrr.pcap" || status=1
if "$keyway" explain "$work/hrr.pcap" 2>&1 | grep -q 'HelloRetryRequest'; then
  echo "ok wolfSSL answers keyway's x25519 share with a HelloRetryRequest for secp256r1"
else
  echo "FAIL: no HelloRetryRequest in keyway's capture"; status=1
fi
keyway_client "wolfSSL server 1.3+1.2 <- keyway client --dtls 1.2" 1.2 SRTP_AES128_CM_SHA1_80 any "" --dtls 1.2 || status=1
keyway_server "keyway server --dtls 1.2 <- wolfSSL client 1.3+1.2" 1.2 SRTP_AES128_CM_SHA1_80 any --dtls 1.2 || status=1
if [ $status -ne 0 ]; then echo "--- keyway's key log:"; cat "$work/keys" 2>/dev/null; fi
exit $status
