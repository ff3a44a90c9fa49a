#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Meson test: does Chromium accept keyway's SDP? Exit 77 (skipped) only when
# /usr/bin/chromium is absent; node, npm and playwright-core as
# tests/support/chromium_env.sh sets them up.
# Everything runs in a private network namespace with only lo up (interop.md §5).
set -u
TOOL="$1"
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="${2:-$(mktemp -d /tmp/keyway-sdp-chromium-XXXXXX)}"
KEYWAY_SRC="$HERE/../../.."
. "$KEYWAY_SRC/tests/support/chromium_env.sh"
chromium_env_setup
mkdir -p "$WORK"
mkdir -p "$WORK/capture"
exec timeout 180 unshare -n sh -c 'ip link set lo up && exec node "$0" "$1" "$2"' \
  "$HERE/chromium_check.js" "$TOOL" "$WORK/capture"
