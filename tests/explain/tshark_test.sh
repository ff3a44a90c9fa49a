#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 15: a capture keyway writes is one Wireshark understands. keyway dtls
# server and client run on 127.0.0.1 with --pcap and --keylog; tshark (Debian's
# package) reads the server's capture with the key log and must decrypt both
# Finished messages (none without the key log) and dissect the use_srtp
# profile the server chose. Then a whole offer/answer call with --pcap-plain:
# tshark's RTP statistics must see both audio streams, with packets and no
# loss. Skipped (exit 77) without tshark.
#   tshark_test.sh KEYWAY_BINARY
set -u
K=$1
command -v tshark >/dev/null || { echo "tshark not installed: skipped"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$K" dtls server --listen 127.0.0.1:0 --timeout 5 --pcap "$dir/server.pcap" --keylog "$dir/keys.log" \
  --srtp-profiles SRTP_AEAD_AES_128_GCM >"$dir/server.out" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q listening= "$dir/server.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^listening=.*://p' "$dir/server.out")
"$K" dtls client --connect "127.0.0.1:$port" --timeout 5 >"$dir/client.out" 2>&1 || { cat "$dir/client.out"; exit 1; }
wait $server || { cat "$dir/server.out"; exit 1; }
ts() { tshark -r "$dir/server.pcap" -d "udp.port==$port,dtls" "$@" 2>/dev/null; }
fail=0
finished=$(ts -o "tls.keylog_file:$dir/keys.log" -Y "dtls.handshake.type == 20" | wc -l)
closed=$(ts -Y "dtls.handshake.type == 20" | wc -l)
echo "Finished messages decrypted with the key log: $finished (without it: $closed)"
[ "$finished" = 2 ] && [ "$closed" = 0 ] || fail=1
# The ServerHello's use_srtp carries the one profile chosen (RFC 5764 §4.1.1): 0x0007.
chosen=$(ts -Y "dtls.handshake.type == 2" -T fields -e dtls.use_srtp.protection_profile | tr -d '[:space:]')
echo "use_srtp profile in the ServerHello: $chosen"
[ "$chosen" = "0x0007" ] || fail=1

# A whole call, offer <-> answer over two fifos; the offerer writes the plain capture.
mkfifo "$dir/o2a" "$dir/a2o"
"$K" offer --seconds 2 --pcap-plain "$dir/plain.pcap" <>"$dir/a2o" >"$dir/o2a" 2>"$dir/offer.err" &
offer=$!
timeout 15 "$K" answer --seconds 2 <"$dir/o2a" >"$dir/a2o" 2>/dev/null
wait $offer
cat "$dir/offer.err"
tshark -r "$dir/plain.pcap" --enable-heuristic rtp_udp -q -z rtp,streams 2>/dev/null >"$dir/streams"
cat "$dir/streams"
# One line per stream: "... SSRC  Payload  Pkts  Lost ..."; two streams, each with packets and 0 lost.
streams=$(grep -cE '0x[0-9A-F]+ +RTPType-[0-9]+ +[1-9][0-9]* +0 \(0\.0%\)' "$dir/streams")
echo "RTP streams with packets and no loss: $streams"
[ "$streams" = 2 ] || fail=1
exit $fail
