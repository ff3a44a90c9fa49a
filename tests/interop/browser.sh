#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Meson test: headless Chromium against keyway (see browser.js).
#   browser.sh KEYWAY answer-passive|answer-active|offer|answer-relay|answer-relay-tcp
# Exit 77 (skip) only when chromium or node/npm (or, for answer-relay, coturn)
# is not installed.
here=$(cd "$(dirname "$0")" && pwd)
keyway=$1
mode=$2
chromium=${KEYWAY_CHROMIUM:-/usr/bin/chromium}
for tool in node npm unshare ip; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool is not installed"; exit 77; }
done
[ -x "$chromium" ] || { echo "SKIP: $chromium is not installed (apt-get install chromium)"; exit 77; }
if [ "${mode#answer-relay}" != "$mode" ] && [ ! -x /usr/bin/turnserver ]; then
  echo "SKIP: coturn is not installed (apt-get install coturn)"; exit 77
fi

# playwright-core (no browser download) into tests/interop/node/, once;
# flock because meson runs the three browser tests in parallel.
if [ ! -d "$here/node/node_modules/playwright-core" ]; then
  (
    flock 9
    if [ ! -d "$here/node/node_modules/playwright-core" ]; then
      cd "$here/node" && timeout 100 npm ci --no-audit --no-fund --loglevel=error
    fi
  ) 9>"$here/node/.install.lock" || { echo "FAIL: npm ci in $here/node did not succeed"; exit 1; }
fi

# Chromium and keyway see only the loopback interface.
# A private PID namespace too: when node (its init) exits, no chromium is left behind.
ns="unshare -n -p -f --mount-proc"
[ "$(id -u)" -eq 0 ] || ns="$ns -r"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
exec timeout -k 5 100 $ns sh -c 'ip link set lo up && exec node "$1" "$2" "$3"' sh "$here/browser.js" "$keyway" "$mode"
