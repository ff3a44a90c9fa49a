#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Meson test (issue 15): the HTML ladder of `keyway demo --html` and of
# `keyway offer|answer --html`, opened in headless Chromium (html_check.js).
# Exit 77 (skipped) only when /usr/bin/chromium is absent. Needs node and
# playwright-core (npm install in tests/html/, or installed here into the
# build dir). Everything runs in a private network namespace with only lo up
# (interop.md §5), so the calls and the browser stay on 127.0.0.1.
set -u
KEYWAY="$1"
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="${2:-$(mktemp -d /tmp/keyway-html-XXXXXX)}"
CHROMIUM="${KEYWAY_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  echo "SKIP: $CHROMIUM not installed (apt-get install chromium)"
  exit 77
fi
export KEYWAY_CHROMIUM="$CHROMIUM"
command -v node >/dev/null 2>&1 || { echo "FAIL: node is needed (apt-get install nodejs)"; exit 1; }
mkdir -p "$WORK"
if [ -d "$HERE/node_modules/playwright-core" ]; then
  NODE_PATH="$HERE/node_modules"
else
  if [ ! -d "$WORK/node_modules/playwright-core" ]; then
    (cd "$WORK" && npm install --no-audit --no-fund --silent playwright-core@1.65.1 >/dev/null 2>&1) \
      || { echo "FAIL: npm install playwright-core failed (run npm install in $HERE)"; exit 1; }
  fi
  NODE_PATH="$WORK/node_modules"
fi
export NODE_PATH
exec timeout 240 unshare -n sh -c 'ip link set lo up && exec node "$0" "$1" "$2"' \
  "$HERE/html_check.js" "$KEYWAY" "$WORK"
