#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Meson test (issue 15): the HTML ladder of `keyway demo --html` and of
# `keyway offer|answer --html`, opened in headless Chromium (html_check.js).
# Exit 77 (skipped) only when /usr/bin/chromium is absent; node, npm and
# playwright-core as tests/support/chromium_env.sh sets them up. Everything
# runs in a private network namespace with only lo up (interop.md §5), so the
# calls and the browser stay on 127.0.0.1.
set -u
KEYWAY="$1"
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="${2:-$(mktemp -d /tmp/keyway-html-XXXXXX)}"
KEYWAY_SRC="$HERE/../.."
. "$KEYWAY_SRC/tests/support/chromium_env.sh"
chromium_env_setup
mkdir -p "$WORK"
exec timeout 240 unshare -n sh -c 'ip link set lo up && exec node "$0" "$1" "$2"' \
  "$HERE/html_check.js" "$KEYWAY" "$WORK"
