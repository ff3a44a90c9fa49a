#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Issue 18: keyway dtls --dtls 1.3 against NSS (Debian 12's libnss3 3.87,
# Firefox's library; tests/interop/nss_dtls_peer.c) over 127.0.0.1, in both
# roles, with use_srtp and the exporter (EXTRACTOR-dtls_srtp) compared.
#
# NSS 3.87 has DTLS 1.3, but it offers and accepts it only as the last
# draft's code point, 0x7F2B (draft-ietf-tls-dtls13-43), never RFC 9147's
# 0xFEFC. keyway (and BoringSSL) know only 0xFEFC and skip unknown versions,
# so the two negotiate DTLS 1.2: this checks that fallback, both ways,
# including keyway's server on dtls::Listener (which answers NSS's hello,
# with no 1.3 it knows, by a HelloVerifyRequest).
#
# usage: nss_dtls.sh KEYWAY NSS_DTLS_PEER
# Exit 0 pass, 1 fail, 77 (skip) when certutil (libnss3-tools) is not installed.
set -u
. "$(dirname "$0")/dtls_peer.sh"
skip_without certutil "certutil is not installed (apt-get install libnss3-tools)"
mkdir -p "$work/db"
certutil -N -d "sql:$work/db" --empty-password >/dev/null 2>&1
head -c 64 /dev/urandom >"$work/noise"
certutil -S -d "sql:$work/db" -n nss -s CN=nss -x -t u,u,u -k ec -q nistp256 -z "$work/noise" -v 12 >/dev/null 2>&1 ||
  { echo "FAIL: certutil could not make the NSS certificate"; exit 1; }

# $1 name, $2 keyway's output, $3 NSS's output, $4 keyway's role
check() {
  fail=0
  [ "$(value dtls_version "$2")" = 1.2 ] || { echo "FAIL $1: keyway negotiated DTLS '$(value dtls_version "$2")', not 1.2"; fail=1; }
  [ "$(value dtls_version "$3")" = 1.2 ] || { echo "FAIL $1: NSS negotiated DTLS '$(value dtls_version "$3")', not 1.2"; fail=1; }
  [ "$(value srtp_profile "$2")" = SRTP_AES128_CM_SHA1_80 ] && [ "$(value srtp_profile "$3")" = 0x0001 ] ||
    { echo "FAIL $1: use_srtp: keyway '$(value srtp_profile "$2")', NSS '$(value srtp_profile "$3")'"; fail=1; }
  check_exchange "$1" "$2" "$3" "$4" NSS 120 || return 1
  echo "ok $1: DTLS 1.2 (NSS offers 1.3 as draft 0x7F2B), SRTP_AES128_CM_SHA1_80, exporter $(echo "$km" | cut -c1-16)... on both sides"
}

status=0
# keyway server (dtls::Listener, --dtls 1.3) <- NSS client
timeout 20 "$keyway" dtls server --listen 127.0.0.1:0 --dtls 1.3 --srtp-profiles SRTP_AES128_CM_SHA1_80 --timeout 10 \
  --pcap "$work/s.pcap" >"$work/ks.out" 2>&1 &
port=$(wait_port "$work/ks.out") || { echo "FAIL: keyway server did not listen"; cat "$work/ks.out"; exit 1; }
timeout 20 "$peer" client 127.0.0.1 "$port" "sql:$work/db" nss >"$work/nc.out" 2>&1
wait
check "keyway server <- NSS client" "$work/ks.out" "$work/nc.out" server || status=1
# What NSS offered, as keyway explain reads the capture: DTLS 1.3 as draft 43, then 1.2.
"$keyway" explain "$work/s.pcap" >"$work/s.txt" 2>&1
if grep -q '(D)TLS 1.3 draft 43 (0x7f2b: a pre-RFC code point, skipped by keyway)' "$work/s.txt" &&
   grep -q 'HelloVerifyRequest (handshake type 3)' "$work/s.txt"; then
  echo "ok NSS's ClientHello offers 0x7f2b (draft 43) and 0xfefd; keyway's Listener answers with a HelloVerifyRequest"
else
  echo "FAIL: NSS's supported_versions or keyway's HelloVerifyRequest not seen in the capture"; status=1
fi

# NSS server <- keyway client (--dtls 1.3)
timeout 20 "$peer" server 127.0.0.1 0 "sql:$work/db" nss >"$work/ns.out" 2>&1 &
port=$(wait_port "$work/ns.out") || { echo "FAIL: NSS server did not listen"; cat "$work/ns.out"; exit 1; }
timeout 20 "$keyway" dtls client --connect "127.0.0.1:$port" --dtls 1.3 --srtp-profiles SRTP_AES128_CM_SHA1_80 \
  --timeout 10 >"$work/kc.out" 2>&1
wait
check "NSS server <- keyway client" "$work/kc.out" "$work/ns.out" client || status=1
exit $status
