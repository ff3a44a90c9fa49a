#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Smoke tests of the keyway command's contracts (argv[1] = the keyway binary,
# argv[2] = the source root). Each check prints "ok <what>" or "FAIL <what>".
set -u
K=$1
ROOT=$2
BENCH=${3:-}  # keyway-bench, when built
fail=0
check() {  # what, command...
  local what=$1
  shift
  if "$@" >/tmp/keyway-cli-test.$$ 2>&1; then echo "ok   $what"; else echo "FAIL $what"; sed 's/^/     /' /tmp/keyway-cli-test.$$ | tail -20; fail=1; fi
}
pcapdir=$(mktemp -d)
offer=$(ls "$ROOT"/tests/sdp/corpus/*chrom*offer* 2>/dev/null | head -1)
[ -n "$offer" ] || offer=$(ls "$ROOT"/tests/sdp/corpus/*offer* | head -1)
check "sdp check parses a browser offer strictly" "$K" sdp check "$offer"
check "sdp check rejects garbage, naming the line" bash -c "! printf 'v=0\\r\\nbogus\\r\\n' | '$K' sdp check >/dev/null 2>&1 && printf 'v=0\\r\\nbogus\\r\\n' | '$K' sdp check 2>&1 | grep -q 'line 2'"
# Issue 15: every SDP error names its line, and an offer an answerer would
# refuse is reported with the reason (it passed silently: exit 0).
sdp_errors_have_lines() {
  local bad="$ROOT/tests/sdp/bad" out
  out=$("$K" sdp check "$bad/no-common-codec-offer.sdp" 2>&1) && return 1
  echo "$out" | grep -q 'refused: an answerer would refuse this offer: line 5: .*no codec in common' || return 1
  out=$("$K" sdp check "$bad/no-fingerprint-offer.sdp" 2>&1) && return 1
  echo "$out" | grep -q 'line 5: .*no a=fingerprint' || return 1
  out=$("$K" sdp check "$bad/plain-rtp-offer.sdp" 2>&1) && return 1
  echo "$out" | grep -q 'line 6: .*unsupported transport profile' || return 1
  # an attribute value: a fingerprint with a byte that is not hex, on its own line
  local n
  n=$(grep -n '^a=fingerprint' "$offer" | head -1 | cut -d: -f1)
  out=$(sed '0,/^a=fingerprint:sha-256 ../s//a=fingerprint:sha-256 ZZ/' "$offer" | "$K" sdp check 2>&1) && return 1
  echo "$out" | grep -q "line $n: .*a=fingerprint: not a hex digit \[a=fingerprint:sha-256 ZZ" || return 1
  # the same line reaches `keyway answer`'s failure text
  out=$("$K" answer --seconds 1 <"$bad/no-fingerprint-offer.sdp" 2>&1)
  echo "$out" | grep -q 'no a=fingerprint.*(SDP line 5)' || { echo "$out"; return 1; }
  "$K" sdp check "$offer" | grep -q '^answerer: accepts 2 of 2 m= sections'
}
check "sdp check: every error names its line; an offer an answerer would refuse is reported with the reason" sdp_errors_have_lines
check "sdp answer output passes the strict parser" bash -c "'$K' sdp answer < '$offer' | '$K' sdp check"
check "sdp answer --setup=passive answers passive" bash -c "'$K' sdp answer --setup=passive < '$offer' | grep -q 'a=setup:passive'"
check "demo completes the chain (quiet)" "$K" demo --quiet --seconds 1
# The ladder says what happens, in the order it happens (issue 15). One demo
# run, several checks on its output (DTLS 1.2 named: the default may be 1.3).
"$K" demo --dtls 1.2 --seconds 1 >"$pcapdir/ladder.txt" 2>&1
ladder_rto() {  # the timeout actually used and the RTT it came from ("(0 ms): 2 x RTT" before)
  grep -Eq 'A     dtls: initial retransmission timeout [0-9]+ ms = 2 x RTT [0-9]+\.[0-9]{3} ms \(' "$pcapdir/ladder.txt" &&
    grep -Eq 'B     dtls: initial retransmission timeout [0-9]+ ms = 2 x RTT' "$pcapdir/ladder.txt" &&
    ! grep -q 'ms): 2 x RTT' "$pcapdir/ladder.txt"
}
check "demo ladder: the RTO line prints the RTT and the timeout used" ladder_rto
ladder_order() {  # each side's fingerprint check is printed before what follows it
  awk '/B     dtls: peer certificate .* matches a=fingerprint/ { if (!b_flight5) b_ok = 1 }
       /B -> A  DTLS Certificate, ClientKeyExchange/ { b_flight5 = 1 }
       /A     dtls: peer certificate .* matches a=fingerprint/ { if (!a_done && !a_fin) a_ok = 1 }
       /A     dtls: handshake complete/ { a_done = 1 }
       /A -> B  DTLS ChangeCipherSpec, Finished/ { a_fin = 1 }
       END { exit !(a_ok && b_ok) }' "$pcapdir/ladder.txt"
}
check "demo ladder: 'peer certificate ... matches' comes before the flight and Finished that follow the check" ladder_order
ladder_why() {  # DTLS on a valid pair before nomination, and no HelloVerifyRequest, are explained
  grep -q 'B     peer: DTLS starts on ' "$pcapdir/ladder.txt" &&
    grep -q 'A     peer: no HelloVerifyRequest: .*ICE' "$pcapdir/ladder.txt" &&
    grep -q 'B     peer: the DTLS client speaks first' "$pcapdir/ladder.txt" &&
    # when ice_connected follows srtp_ready, the connected line says why
    awk '/B  \*\* srtp_ready/ { ready = 1 }
         /B     ice: connected: / { if (ready && $0 !~ /already ran on it/) bad = 1; seen = 1 }
         END { exit !(seen && !bad) }' "$pcapdir/ladder.txt"
}
check "demo ladder: why DTLS starts before ice_connected, and why there is no HelloVerifyRequest" ladder_why
ladder_srtcp() {  # the first SRTCP packets are shown like the first SRTP ones
  grep -Eq '(A -> B|B -> A)  SRTCP SR ssrc 0x[0-9a-f]{8} \([0-9]+ bytes\)' "$pcapdir/ladder.txt" &&
    grep -q 'srtp: decrypted RTCP (' "$pcapdir/ladder.txt"
}
check "demo ladder: the first SRTCP packets appear, protected and decrypted" ladder_srtcp
# Issue 15: with the default seed, --loss 0.2 lost no DTLS datagram (seed 1),
# so the learner it was meant for never saw a retransmission.
demo_loss_shows_retransmission() {
  "$K" demo --dtls 1.2 --seconds 0.3 --loss 0.2 >"$pcapdir/loss.txt" 2>&1 &&
    grep -q 'DTLS .*\*\* LOST \*\*' "$pcapdir/loss.txt" &&
    grep -q 'dtls: timer expired: retransmitting the flight' "$pcapdir/loss.txt" &&
    "$K" demo --help | grep -q 'with --loss 0.2 the first ClientHello is lost'
}
check "demo --loss 0.2 (default seed) loses a DTLS datagram and shows its retransmission" demo_loss_shows_retransmission
check "srtp-demo runs every profile" "$K" srtp-demo --quiet --seconds 1 --seed 7
check "demo rejects a bad option" bash -c "! '$K' demo --loss 2 && ! '$K' demo --dtls 1.1"
# Issue 18, the learner's view of DTLS 1.3: the wire shows the ServerHello and
# then only encrypted records; the same datagrams opened with the key log show
# the flights ({} = epoch 2 handshake keys, [] = epoch 3); the exporter and
# SRTP follow as in 1.2.
demo_dtls13() {
  local f="$pcapdir/ladder13.txt"
  "$K" demo --dtls 1.3 --seconds 0.5 >"$f" 2>&1 || { cat "$f"; return 1; }
  grep -q '^\[ *[0-9.]* ms\] B -> A  DTLS ClientHello$' "$f" &&
    grep -Eq '^\[ *[0-9.]* ms\] A -> B  DTLS ServerHello, then [0-9]+ encrypted records \(epoch 2: handshake keys\)$' "$f" &&
    grep -q "^== DTLS 1.3 opened with the key log: the same datagrams" "$f" &&
    grep -q 'A -> B  DTLS ServerHello, {EncryptedExtensions, CertificateRequest, Certificate, CertificateVerify, Finished}$' "$f" &&
    grep -q 'B -> A  DTLS {Certificate, CertificateVerify, Finished}$' "$f" &&
    grep -q 'A -> B  DTLS \[ACK\]$' "$f" &&
    grep -q 'A     srtp: exporter EXTRACTOR-dtls_srtp' "$f" &&
    grep -q 'B     dtls: DTLS 1.3 handshake complete (TLS_AES_128_GCM_SHA256, srtp 0x0007); the peer' "$f" &&
    grep -q '^A: DTLS 1.3 server TLS_AES_128_GCM_SHA256 |' "$f" &&
    grep -q '^B: DTLS 1.3 client TLS_AES_128_GCM_SHA256 |' "$f" &&
    grep -q '^demo ok' "$f" &&
    # --dtls 1.2 keeps the 1.2 ladder, and nothing of 1.3
    grep -q 'A -> B  DTLS ServerHello, Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone' "$pcapdir/ladder.txt" &&
    ! grep -q 'DTLS 1.3' "$pcapdir/ladder.txt" &&
    "$K" demo --help | grep -q -- '--dtls 1.3'
}
check "demo --dtls 1.3: the ladder shows the 1.3 flights, encrypted from ServerHello on, opened with the key log" demo_dtls13
demo_dtls13_capture() {  # the capture, the 1.3 key log and the HTML page of a 1.3 demo
  "$K" demo --dtls 1.3 --quiet --seconds 0.5 --pcap "$pcapdir/demo13.pcap" --keylog "$pcapdir/demo13.log" \
    --html "$pcapdir/demo13.html" >/dev/null &&
    grep -q '^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]\{64\} [0-9a-f]\{64\}$' "$pcapdir/demo13.log" &&
    grep -q '^SERVER_TRAFFIC_SECRET_0 ' "$pcapdir/demo13.log" && grep -q '^EXPORTER_SECRET ' "$pcapdir/demo13.log" &&
    "$K" explain --keylog "$pcapdir/demo13.log" "$pcapdir/demo13.pcap" >"$pcapdir/demo13.txt" &&
    grep -q 'EncryptedExtensions (handshake type 8)' "$pcapdir/demo13.txt" &&
    grep -q 'inner content type 26: ack' "$pcapdir/demo13.txt" &&
    ! grep -q 'not decrypted' "$pcapdir/demo13.txt" &&
    grep -q 'EncryptedExtensions (handshake type 8)' "$pcapdir/demo13.html" &&
    grep -q 'DTLS ServerHello, {EncryptedExtensions, CertificateRequest, Certificate, CertificateVerify, Finished}' \
      "$pcapdir/demo13.html"
}
check "demo --dtls 1.3 --pcap/--keylog/--html: explain and the page open every 1.3 record" demo_dtls13_capture
check "answer rejects a bad --setup" bash -c "! '$K' answer --setup sideways </dev/null"
check "answer names the layer on an unusable offer" bash -c "printf 'v=0\r\n\r\n' | '$K' answer --seconds 1 2>&1 | grep -q 'sdp'"
check "answer refuses --bind 0.0.0.0 as a candidate, naming ICE" bash -c "! '$K' answer --bind 0.0.0.0:0 --seconds 1 </dev/null 2>/dev/null && '$K' answer --bind 0.0.0.0:0 --seconds 1 </dev/null 2>&1 | grep -q 'ice: invalid argument.*0.0.0.0'"
# Issue 18: --dtls 1.2|1.3 (1.3, offering 1.2 too, is the default); --dtls13 is
# another name for --dtls 1.3; anything else, or the two disagreeing, is refused.
dtls_option() {
  ! "$K" answer --dtls 1.1 </dev/null 2>/dev/null && ! "$K" offer --dtls 1.1 </dev/null >/dev/null 2>&1 &&
    "$K" answer --dtls 1.1 </dev/null 2>&1 | grep -q -- '--dtls takes 1.2 or 1.3' &&
    "$K" answer --dtls13 --dtls 1.2 </dev/null 2>&1 | grep -q -- '--dtls13 and --dtls 1.2 disagree' &&
    ! "$K" answer --dtls13 --seconds 1 </dev/null 2>&1 | grep -q 'unknown option' &&
    ! "$K" answer --dtls 1.3 --seconds 1 </dev/null 2>&1 | grep -q 'unknown option' &&
    "$K" answer --help | grep -q -- '--dtls 1.3 (the default)' && "$K" offer --help | grep -q -- '--dtls 1.2|1.3'
}
check "answer/offer --dtls 1.2|1.3 (and --dtls13) are read, a bad version refused" dtls_option
# keyway explain (issue 15): help, hex on stdin and on the command line, a capture of a real DTLS association.
# --help on every command and subcommand prints its usage on stdout and exits 0
# (issue 15: `dtls server --help` was an unknown option, `sdp check --help`
# tried to open a file named --help, answer/offer rejected it).
every_help() {
  local bad=0 args
  while read -r args; do
    [ -n "$args" ] || continue
    # shellcheck disable=SC2086
    if ! "$K" $args </dev/null >"$pcapdir/help.out" 2>"$pcapdir/help.err" || ! grep -q '^usage: keyway' "$pcapdir/help.out"; then
      echo "keyway $args: exit or usage wrong:"; cat "$pcapdir/help.out" "$pcapdir/help.err"; bad=1
    fi
  done <<'EOF'
--help
help
-h
demo --help
demo -h
answer --help
offer --help
sdp --help
sdp check --help
sdp answer --help
dtls --help
dtls client --help
dtls server --help
dtls server --listen 127.0.0.1:0 --help
explain --help
srtp-demo --help
EOF
  if [ -n "$BENCH" ]; then
    for b in "" srtp ice sdp call dtls memory footprint; do
      # shellcheck disable=SC2086
      if ! timeout 10 "$BENCH" $b --help >"$pcapdir/help.out" 2>&1 || ! grep -q "^usage: keyway-bench $b" "$pcapdir/help.out"; then
        echo "keyway-bench $b --help: exit or usage wrong:"; cat "$pcapdir/help.out"; bad=1
      fi
    done
  fi
  return $bad
}
check "--help on every command and subcommand prints usage and exits 0" every_help
check "explain --help prints its usage" bash -c "'$K' explain --help | grep -q 'usage: keyway explain'"
stun=000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74002400046e0001ff80290008932ff9b151263b36000600096576746a3a68367659202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf
check "explain reads hex on stdin and checks MESSAGE-INTEGRITY" bash -c "echo $stun | '$K' explain --password VOkJxbRl1RmTxUk/WvJxBt | grep -q 'HMAC-SHA1: valid with password'"
check "explain reads spaced hex arguments" bash -c "'$K' explain 00 01 00 00 21 12 a4 42 00 01 02 03 04 05 06 07 08 09 0a 0b | grep -q 'Binding request'"
check "explain rejects what is neither a file nor hex" bash -c "! '$K' explain no-such-file 2>/dev/null"
dtls_capture() {
  "$K" dtls server --listen 127.0.0.1:0 --timeout 5 --pcap "$pcapdir/server.pcap" --keylog "$pcapdir/keys.log" >"$pcapdir/server.out" 2>&1 &
  local server=$!
  for _ in $(seq 50); do grep -q listening= "$pcapdir/server.out" 2>/dev/null && break; sleep 0.1; done
  local port
  port=$(sed -n 's/^listening=.*://p' "$pcapdir/server.out")
  "$K" dtls client --connect "127.0.0.1:$port" --timeout 5 --pcap "$pcapdir/client.pcap" --keylog "$pcapdir/keys.log" >/dev/null 2>&1
  wait $server
  "$K" explain "$pcapdir/client.pcap" >"$pcapdir/explained" &&
    grep -q 'UDP 127.0.0.1:[0-9]* > 127.0.0.1:'"$port" "$pcapdir/explained" &&
    grep -q 'HelloVerifyRequest (handshake type 3)' "$pcapdir/explained" &&
    grep -q 'dtls::parse_server_hello accepts it' "$pcapdir/explained" &&
    "$K" explain "$pcapdir/server.pcap" | grep -q 'UDP 127.0.0.1:'"$port"' >' &&
    [ "$(sort -u "$pcapdir/keys.log" | wc -l)" = 1 ] && [ "$(wc -l <"$pcapdir/keys.log")" = 2 ] &&
    "$K" explain --keylog "$pcapdir/keys.log" "$pcapdir/client.pcap" >"$pcapdir/decrypted" &&
    grep -q 'decrypted application_data record, 25 bytes' "$pcapdir/decrypted" &&
    grep -q 'Finished (handshake type 20)' "$pcapdir/decrypted" &&
    ! grep -q 'not decrypted' "$pcapdir/decrypted"
}
check "dtls client/server --pcap/--keylog: every datagram captured, the same key log line; explain decrypts" dtls_capture
# A whole call (offer <-> answer over two fifos): the offerer's capture holds
# STUN, DTLS, SRTP and SRTCP, and its key log decrypts every DTLS record.
# Both pinned to DTLS 1.2 (issue 18: the default is 1.3): the call's
# CLIENT_RANDOM key log line is what this checks.
call_capture() {
  mkfifo "$pcapdir/o2a" "$pcapdir/a2o"
  "$K" offer --dtls 1.2 --seconds 2 --pcap "$pcapdir/offer.pcap" --keylog "$pcapdir/call.log" <>"$pcapdir/a2o" >"$pcapdir/o2a" 2>/dev/null &
  local offer=$!
  timeout 15 "$K" answer --dtls 1.2 --seconds 2 --pcap "$pcapdir/answer.pcap" <"$pcapdir/o2a" >"$pcapdir/a2o" 2>/dev/null
  wait $offer
  "$K" explain --keylog "$pcapdir/call.log" "$pcapdir/offer.pcap" >"$pcapdir/call.txt" &&
    grep -q 'RFC 7983 §7: STUN' "$pcapdir/call.txt" &&
    grep -q 'RFC 7983 §7: RTP/SRTP' "$pcapdir/call.txt" &&
    grep -q 'RFC 7983 §7: RTCP/SRTCP' "$pcapdir/call.txt" &&
    grep -q 'decrypted handshake record' "$pcapdir/call.txt" &&
    ! grep -q 'not decrypted' "$pcapdir/call.txt" &&
    "$K" explain "$pcapdir/answer.pcap" | grep -q 'RFC 7983 §7: DTLS'
}
check "offer/answer --pcap/--keylog: a whole call captured; explain decrypts its DTLS" call_capture
demo_capture() {
  "$K" demo --dtls 1.2 --quiet --seconds 1 --pcap "$pcapdir/demo.pcap" --pcap-plain "$pcapdir/plain.pcap" --keylog "$pcapdir/demo.log" >/dev/null &&
    "$K" explain --keylog "$pcapdir/demo.log" "$pcapdir/demo.pcap" >"$pcapdir/demo.txt" &&
    grep -q 'decrypted handshake record' "$pcapdir/demo.txt" && ! grep -q 'not decrypted' "$pcapdir/demo.txt" &&
    "$K" explain "$pcapdir/plain.pcap" | grep -q 'RFC 7983 §7: RTP/SRTP'
}
check "demo --pcap/--pcap-plain/--keylog: the capture explained and decrypted" demo_capture
rm -rf "$pcapdir"
rm -f /tmp/keyway-cli-test.$$
exit $fail
