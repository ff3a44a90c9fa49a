#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# examples/poll_echo against `keyway offer`, over 127.0.0.1 only:
#   keyway offer prints an offer -> poll_echo reads it on stdin and prints its
#   answer into a FIFO -> keyway offer reads the answer, connects, sends 20 ms
#   audio and an RTCP sender report every second -> poll_echo echoes each
#   packet back -> keyway offer's closing JSON line counts what came back.
# argv[1] = poll_echo, argv[2] = keyway. Bounded: every process runs under
# `timeout`, and the call itself lasts a few seconds.
set -u
ECHO=$1
K=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkfifo "$dir/answer"

# keyway offer's stdin is the FIFO opened read-write, so opening it never
# blocks; keyway offer reads the answer from it up to an empty line.
timeout 30 "$K" offer --bind 127.0.0.1:0 --seconds 3 0<>"$dir/answer" >"$dir/offer.out" 2>"$dir/offer.err" &
offer_pid=$!
for _ in $(seq 100); do
  grep -qx '' "$dir/offer.out" 2>/dev/null && break
  sleep 0.1
done
if ! grep -qx '' "$dir/offer.out"; then
  echo "FAIL keyway offer printed no offer"; cat "$dir/offer.err"; kill "$offer_pid"; exit 1
fi

sed '/^$/q' "$dir/offer.out" | timeout 30 "$ECHO" 127.0.0.1:0 5 >"$dir/answer" 2>"$dir/echo.err" &
echo_pid=$!
wait "$offer_pid"; offer_rc=$?
wait "$echo_pid"; echo_rc=$?

stats=$(tail -1 "$dir/offer.out")
echoed=$(tail -1 "$dir/echo.err")
echo "keyway offer: $stats"
echo "$echoed"
num() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" <<<"$stats"; }
rtp=$(num rtp_received)
rtcp=$(num rtcp_received)
auth=$(num auth_failures)
fail=0
[ "$offer_rc" -eq 0 ] || { echo "FAIL keyway offer exited $offer_rc"; sed 's/^/  /' "$dir/offer.err"; fail=1; }
[ "$echo_rc" -eq 0 ] || { echo "FAIL poll_echo exited $echo_rc"; sed 's/^/  /' "$dir/echo.err"; fail=1; }
# 3 s of 20 ms audio is ~150 packets; the echo starts once both sides have keys.
[ "${rtp:-0}" -ge 50 ] || { echo "FAIL only ${rtp:-0} RTP packets came back (want >= 50)"; fail=1; }
[ "${rtcp:-0}" -ge 1 ] || { echo "FAIL no RTCP came back"; fail=1; }
[ "${auth:-1}" -eq 0 ] || { echo "FAIL $auth SRTP authentication failures"; fail=1; }
grep -q 'poll_echo: ok ' "$dir/echo.err" || { echo "FAIL poll_echo did not report ok"; fail=1; }
[ $fail -eq 0 ] && echo "ok   poll_echo echoed $rtp RTP and $rtcp RTCP packets back to keyway offer"
exit $fail
