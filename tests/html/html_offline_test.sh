#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Meson test (issue 15): the page `keyway demo --html` writes is
# self-contained. It names no http:// or https:// address at all (so no
# external script, style, font or image), loads nothing by src=, <link> or
# url(), and carries its style and script inline, with a Content-Security-Policy
# that forbids any fetch.
set -u
KEYWAY="$1"
WORK="$(mktemp -d /tmp/keyway-html-offline-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
PAGE="$WORK/demo.html"
"$KEYWAY" demo --seconds 0.5 --loss 0.1 --seed 3 --quiet --html "$PAGE" >"$WORK/out.txt" 2>&1 \
  || { cat "$WORK/out.txt"; echo "FAIL: keyway demo --html failed"; exit 1; }
fail=0
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
