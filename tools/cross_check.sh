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
flags=(-std=c++20 -Os -mcpu=cortex-m4 -mthumb -fno-exceptions -fno-rtti -Wall -Wextra -I. -Iinclude -isystem "$inc"
       '-DMBEDTLS_USER_CONFIG_FILE="tools/cross/mbedtls_user_config_m4.h"')
# lib/crypto/aead.hpp holds mbedTLS's GCM context at its exact size, which
# meson.build measures for a build (KEYWAY_GCM_CONTEXT_BYTES); here the size of
# an object of that type, as the cross compiler lays it out, read back by nm.
printf '#include <mbedtls/gcm.h>\nextern const mbedtls_gcm_context gcm_probe;\nconst mbedtls_gcm_context gcm_probe{};\n' >"$inc/probe.cpp"
arm-none-eabi-g++ "${flags[@]}" -c "$inc/probe.cpp" -o "$inc/probe.o" || { echo "cross-m4 FAIL the GCM context probe"; exit 1; }
gcm_bytes=$((16#$(arm-none-eabi-nm -S "$inc/probe.o" | awk '$4 == "gcm_probe" { print $2 }')))
fail=0
for src in $(find lib srtp dtls sdp ice peer -name '*.cpp' 2>/dev/null | sort); do
  if arm-none-eabi-g++ "${flags[@]}" "-DKEYWAY_GCM_CONTEXT_BYTES=$gcm_bytes" -c "$src" -o /dev/null 2>"$inc/err.txt"; then
    echo "cross-m4 ok $src"
  else
    echo "cross-m4 FAIL $src"
    sed 's/^/    /' "$inc/err.txt" | head -20
    fail=1
  fi
done
exit $fail
