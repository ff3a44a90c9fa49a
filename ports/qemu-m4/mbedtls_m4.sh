#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cross-builds mbedTLS 3.6 (Debian trixie's source package, fetched once by
# tools/mbedtls3.sh --source-only) for the Cortex-M4F with this folder's
# mbedtls_config.h into
#   build-mbedtls3/m4-prefix/{include,lib/libmbedcrypto.a}
# or, with the argument "minimal", for keyway's minimal profile (the same
# configuration with -DKEYWAY_PROFILE_MINIMAL=1, as the keyway build has it) into
#   build-mbedtls3/m4-minimal-prefix
# Cached: does nothing when the stamp says the same source, flags and config.
# Only libmbedcrypto: keyway does its own DTLS, X.509 and SRTP.
# Prints the prefix on its last line; exits non-zero on failure.
set -u
cd "$(dirname "$0")/../.."
top="$PWD/build-mbedtls3"
profile=${1:-full}
case "$profile" in
  full) prefix="$top/m4-prefix"; defines="" ;;
  minimal) prefix="$top/m4-minimal-prefix"; defines="-DKEYWAY_PROFILE_MINIMAL=1" ;;
  *) echo "usage: $0 [full|minimal]" >&2; exit 2 ;;
esac
obj="$prefix-obj"
config="$PWD/ports/qemu-m4/mbedtls_config.h"
# The code-generation flags of ports/qemu-m4/cross-m4.ini (keep the two alike).
cflags="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os -ffunction-sections -fdata-sections"

src=$(tools/mbedtls3.sh --source-only | tail -1)
[ -f "$src/library/aes.c" ] || { echo "no mbedTLS source (tools/mbedtls3.sh --source-only)" >&2; exit 1; }
stamp_text="$(basename "$src"); arm-none-eabi-gcc $(arm-none-eabi-gcc -dumpversion) $cflags $defines; config $(sha256sum <"$config" | cut -c1-16)"
. tools/source_cache.sh
if { [ -f "$prefix/lib/libmbedcrypto.a" ] && [ "$(cat "$prefix/keyway-stamp" 2>/dev/null)" = "$stamp_text" ]; } \
   || keyway_cache_restore "mbedtls3-m4-$profile" "$stamp_text" "$prefix"; then
  echo "$prefix"
  exit 0
fi

rm -rf "$prefix" "$obj"
mkdir -p "$prefix/lib" "$obj"
jobs=$(nproc 2>/dev/null || echo 2)
echo "cross-building mbedTLS ($(basename "$src")) for the Cortex-M4F, profile $profile"
# Every library source: those of modules the configuration leaves out compile
# to empty objects, and --gc-sections drops what keyway does not call.
find "$src/library" -maxdepth 1 -name '*.c' | sort | xargs -P "$jobs" -I{} sh -c '
  f={}; o='"$obj"'/$(basename "$f" .c).o
  arm-none-eabi-gcc '"$cflags $defines"' -Wall -I'"$src"'/include -I'"$src"'/library \
    "-DMBEDTLS_CONFIG_FILE=\"'"$config"'\"" -c "$f" -o "$o" || { echo "FAILED $f" >&2; exit 255; }' \
  || { echo "mbedTLS cross build failed" >&2; exit 1; }
arm-none-eabi-ar rcs "$prefix/lib/libmbedcrypto.a" "$obj"/*.o || exit 1
cp -r "$src/include" "$prefix/include" || exit 1
# The prefix is self-contained: its mbedtls_config.h is the one built with.
cp "$config" "$prefix/include/mbedtls/mbedtls_config.h" || exit 1
echo "$stamp_text" >"$prefix/keyway-stamp"
keyway_cache_store "mbedtls3-m4-$profile" "$prefix"
echo "$prefix"
