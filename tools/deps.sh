# SPDX-License-Identifier: Apache-2.0
# Sourced by tools/test.sh and tools/demo.sh: installs the Debian packages
# keyway needs when they are missing (Debian 12, as root or with sudo).

keyway_packages_build="meson ninja-build g++ pkg-config libmbedtls-dev doctest-dev libfmt-dev"
# Test-only: real peers (coturn: the TURN server of issue 14), the cross compiler for the Cortex-M4 check and QEMU
# for the Cortex-M4 images (ports/qemu-m4/run.sh); dpkg-dev autoconf automake libtool: tools/wolfssl13.sh (apt-get source, autoreconf).
keyway_packages_test="libsrtp2-dev openssl gnutls-bin coturn python3-aioice python3-aiortc gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm clang afl++ cmake zip unzip chromium util-linux iproute2 coreutils tshark libnss3-dev libnss3-tools dpkg-dev autoconf automake libtool"

keyway_ensure_packages() {
  local missing=()
  local p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "installing: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq >/dev/null || { echo "apt-get update failed" >&2; return 1; }
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || { echo "apt-get install failed: ${missing[*]}" >&2; return 1; }
}

# Node.js >= 20 with npm drives headless Chromium (playwright-core, installed
# by the interop tests into tests/interop/node/ with `npm ci`). Debian 12's own
# nodejs is 18; the machines this runs on ship NodeSource's 20. Install
# Debian's only when there is no node at all.
keyway_ensure_node() {
  if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    return 0
  fi
  keyway_ensure_packages nodejs npm
}
