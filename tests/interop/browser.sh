#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Meson test: headless Chromium against keyway (see browser.js).
#   browser.sh KEYWAY answer-passive|answer-active|offer|answer-relay|answer-relay-tcp
# Exit 77 (skip) only when chromium (or, for answer-relay, coturn) is not
# installed; node, npm and playwright-core as tests/support/chromium_env.sh sets them up.
here=$(cd "$(dirname "$0")" && pwd)
keyway=$1
mode=$2
KEYWAY_SRC="$here/../.."
if [ "${mode#answer-relay}" != "$mode" ] && [ ! -x /usr/bin/turnserver ]; then
  echo "SKIP: coturn is not installed (apt-get install coturn)"; exit 77
fi
. "$KEYWAY_SRC/tests/support/chromium_env.sh"
chromium_env_setup

# Chromium and keyway see only the loopback interface.
# A private PID namespace too: when node (its init) exits, no chromium is left behind.
ns="unshare -n -p -f --mount-proc"
[ "$(id -u)" -eq 0 ] || ns="$ns -r"
exec timeout -k 5 100 $ns sh -c 'ip link set lo up && exec node "$1" "$2" "$3"' sh "$here/browser.js" "$keyway" "$mode"
