#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Meson test: aiortc accepts keyway's answer and offer, keyway reads aiortc's.
# Exit 77 (skipped) when python3-aiortc is missing. aioice is patched to gather
# only 127.0.0.1; when allowed, the run also sits in a private network
# namespace with only lo up.
TOOL="$1"
HERE="$(cd "$(dirname "$0")" && pwd)"
if ! /usr/bin/python3 -c 'import aiortc' >/dev/null 2>&1; then
  echo "SKIP: python3-aiortc not installed"
  exit 77
fi
if unshare -n true >/dev/null 2>&1; then
  exec timeout 120 unshare -n sh -c 'ip link set lo up && exec /usr/bin/python3 "$0" "$1"' "$HERE/aiortc_check.py" "$TOOL"
fi
exec timeout 120 /usr/bin/python3 "$HERE/aiortc_check.py" "$TOOL"
