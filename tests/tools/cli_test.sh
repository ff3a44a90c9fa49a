#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Smoke tests of the keyway command's contracts (argv[1] = the keyway binary,
# argv[2] = the source root). Each check prints "ok <what>" or "FAIL <what>".
set -u
K=$1
ROOT=$2
fail=0
check() {  # what, command...
  local what=$1
  shift
  if "$@" >/tmp/keyway-cli-test.$$ 2>&1; then echo "ok   $what"; else echo "FAIL $what"; sed 's/^/     /' /tmp/keyway-cli-test.$$ | tail -20; fail=1; fi
}
offer=$(ls "$ROOT"/tests/sdp/corpus/*chrom*offer* 2>/dev/null | head -1)
[ -n "$offer" ] || offer=$(ls "$ROOT"/tests/sdp/corpus/*offer* | head -1)
check "sdp check parses a browser offer strictly" "$K" sdp check "$offer"
check "sdp check rejects garbage, naming the line" bash -c "! printf 'v=0\\r\\nbogus\\r\\n' | '$K' sdp check >/dev/null 2>&1 && printf 'v=0\\r\\nbogus\\r\\n' | '$K' sdp check 2>&1 | grep -q 'line 2'"
check "sdp answer output passes the strict parser" bash -c "'$K' sdp answer < '$offer' | '$K' sdp check"
check "sdp answer --setup=passive answers passive" bash -c "'$K' sdp answer --setup=passive < '$offer' | grep -q 'a=setup:passive'"
check "demo completes the chain (quiet)" "$K" demo --quiet --seconds 1
check "srtp-demo runs every profile" "$K" srtp-demo --quiet --seconds 1 --seed 7
check "demo rejects a bad option" bash -c "! '$K' demo --loss 2"
check "answer rejects a bad --setup" bash -c "! '$K' answer --setup sideways </dev/null"
check "answer names the layer on an unusable offer" bash -c "printf 'v=0\r\n\r\n' | '$K' answer --seconds 1 2>&1 | grep -q 'sdp'"
check "answer refuses --bind 0.0.0.0 as a candidate, naming ICE" bash -c "! '$K' answer --bind 0.0.0.0:0 --seconds 1 </dev/null 2>/dev/null && '$K' answer --bind 0.0.0.0:0 --seconds 1 </dev/null 2>&1 | grep -q 'ice: invalid argument.*0.0.0.0'"
rm -f /tmp/keyway-cli-test.$$
exit $fail
