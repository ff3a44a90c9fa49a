# SPDX-License-Identifier: Apache-2.0
# Sourced (not run) by every test that drives headless Chromium:
# tests/interop/browser.sh, tests/html/run_html_check.sh and
# tests/sdp/chromium/run_chromium_check.sh. One place for what they share:
#   chromium_env_setup   checks chromium (exit 77, skip, when it is absent) and
#                        node/npm (a failure: the test command installs them),
#                        exports KEYWAY_CHROMIUM, installs playwright-core once
#                        (pinned in tests/interop/node/package-lock.json, no
#                        browser download) and exports NODE_PATH to it.
# The tests then run node inside a private network namespace with only lo up
# (interop.md §5), so the browser and keyway stay on 127.0.0.1.

# The sourcing script sets KEYWAY_SRC (the source tree's top) first.
chromium_env_node_dir="$KEYWAY_SRC/tests/interop/node"

chromium_env_setup() {
  KEYWAY_CHROMIUM="${KEYWAY_CHROMIUM:-/usr/bin/chromium}"
  if [ ! -x "$KEYWAY_CHROMIUM" ]; then
    echo "SKIP: $KEYWAY_CHROMIUM not installed (apt-get install chromium)"
    exit 77
  fi
  export KEYWAY_CHROMIUM
  for tool in node npm unshare ip; do
    command -v "$tool" >/dev/null 2>&1 || { echo "FAIL: $tool is needed (tools/deps.sh installs it)"; exit 1; }
  done
  # flock: meson runs several browser tests at once.
  if [ ! -d "$chromium_env_node_dir/node_modules/playwright-core" ]; then
    (
      flock 9
      if [ ! -d "$chromium_env_node_dir/node_modules/playwright-core" ]; then
        cd "$chromium_env_node_dir" && timeout 100 npm ci --no-audit --no-fund --loglevel=error
      fi
    ) 9>"$chromium_env_node_dir/.install.lock" \
      || { echo "FAIL: npm ci in $chromium_env_node_dir did not succeed"; exit 1; }
  fi
  NODE_PATH="$chromium_env_node_dir/node_modules"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  export NODE_PATH PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD
}
