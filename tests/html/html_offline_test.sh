#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Meson test (issue 15), no browser needed: the page `keyway demo --html`
# writes has an arrow per datagram (lost ones marked) and every stage, and is
# self-contained. It names no http:// or https:// address at all (so no
# external script, style, font or image), loads nothing by src=, <link> or
# url(), and carries its style and script inline, with a Content-Security-Policy
# that forbids any fetch.
set -u
KEYWAY="$1"
WORK="$(mktemp -d /tmp/keyway-html-offline-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
PAGE="$WORK/demo.html"
"$KEYWAY" demo --seconds 1 --loss 0.1 --seed 3 --quiet --pcap "$WORK/demo.pcap" --html "$PAGE" >"$WORK/out.txt" 2>&1 \
  || { cat "$WORK/out.txt"; echo "FAIL: keyway demo --html failed"; exit 1; }
fail=0
# One arrow per datagram: those the capture saw (never a lost one) plus those lost on purpose.
lost=$(sed -n 's/.*datagrams lost on purpose: \([0-9]*\).*/\1/p' "$WORK/out.txt")
captured=$("$KEYWAY" explain "$WORK/demo.pcap" | sed -n '1s/.* \([0-9]*\) UDP datagram.*/\1/p')
arrows=$(grep -c '<div class="row dgram' "$PAGE")
marked=$(grep -c '<div class="row dgram lost' "$PAGE")
if [ -n "$lost" ] && [ -n "$captured" ] && [ "$arrows" -eq $((captured + lost)) ] && [ "$marked" -eq "$lost" ]; then
  echo "ok   $arrows arrows = $captured captured + $lost lost, $marked marked lost"
else
  echo "FAIL: $arrows arrows, $marked marked lost; the capture has $captured datagrams and the demo lost $lost"; fail=1
fi
for stage in SDP ICE DTLS 'fingerprint check' exporter SRTP SRTCP; do
  grep -q "<section class=\"stage\" id=\"s[0-9]*\" data-stage=\"$stage\"" "$PAGE" \
    && echo "ok   stage $stage" || { echo "FAIL: no section for stage $stage"; fail=1; }
done
no() {  # no PATTERN WHAT: the page must not match the extended regex
  if grep -Eiq "$1" "$PAGE"; then
    echo "FAIL: the page has $2:"; grep -Eio ".{0,40}($1).{0,40}" "$PAGE" | head -3; fail=1
  else
    echo "ok   no $2"
  fi
}
has() {
  if grep -Fq "$1" "$PAGE"; then echo "ok   has $2"; else echo "FAIL: the page lacks $2"; fail=1; fi
}
no 'https?://' 'http(s):// reference'
no '<link' '<link> element'
no '\ssrc=' 'src= attribute'
no 'url\(' 'CSS url()'
no '@import' 'CSS @import'
no '//[a-z0-9.-]+\.[a-z]{2,}/' 'protocol-relative address'
has '<style>' 'an inline style'
has '<script>' 'an inline script'
has "default-src 'none'" "a Content-Security-Policy of default-src 'none'"
echo "page: $(wc -c <"$PAGE") bytes"
exit $fail
