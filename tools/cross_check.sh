#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Compiles every library source (lib/ srtp/ dtls/ sdp/ ice/ peer/; not tests or
# tools) for a Cortex-M4 with exceptions and RTTI off, so nothing a
# microcontroller lacks creeps into the library. Prints one line per file:
#   cross-m4 ok <file>   |   cross-m4 FAIL <file>
# and exits non-zero if any file failed.
set -u
cd "$(dirname "$0")/.."
inc=$(mktemp -d /tmp/keyway-m4-inc.XXXXXX)
trap 'rm -rf "$inc"' EXIT
# Only mbedTLS's headers: all of /usr/include would pull in glibc's.
ln -s /usr/include/mbedtls "$inc/mbedtls"
fail=0
for src in $(find lib srtp dtls sdp ice peer -name '*.cpp' 2>/dev/null | sort); do
  if arm-none-eabi-g++ -std=c++20 -Os -mcpu=cortex-m4 -mthumb -fno-exceptions -fno-rtti \
      -Wall -Wextra -I. -Iinclude -isystem "$inc" \
      '-DMBEDTLS_USER_CONFIG_FILE="tools/cross/mbedtls_user_config_m4.h"' \
      -c "$src" -o /dev/null 2>"$inc/err.txt"; then
    echo "cross-m4 ok $src"
  else
    echo "cross-m4 FAIL $src"
    sed 's/^/    /' "$inc/err.txt" | head -20
    fail=1
  fi
done
exit $fail
