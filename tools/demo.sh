#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job (README quick start, command 1): installs missing Debian
# packages, builds keyway and runs `keyway demo`. Extra arguments are passed
# to `keyway demo` (see `build/tools/keyway demo --help`).
set -u
cd "$(dirname "$0")/.."
. tools/deps.sh
keyway_ensure_packages $keyway_packages_build || exit 1
if [ ! -f build/build.ninja ]; then
  meson setup build >build.setup.log 2>&1 || { cat build.setup.log; exit 1; }
fi
ninja -C build tools/keyway >build.build.log 2>&1 || { tail -40 build.build.log; exit 1; }
exec build/tools/keyway demo "$@"
