#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mbedTLS built with the fuzzing build's own compiler and flags (issue 16), so
# that the sanitizers see, and the fuzzer's coverage includes, the crypto
# under lib/crypto: an uninstrumented system library is a blind spot (and a
# false-positive source under MSan).
#
#   fuzz/mbedtls.sh PREFIX [SOURCE]
#     PREFIX  where include/ and lib/libmbedcrypto.a go (for -Dmbedtls_prefix;
#             libmbedcrypto only: all that lib/crypto/ uses)
#     SOURCE  an mbedTLS 3.6 source tree; default: the one tools/mbedtls3.sh
#             unpacks (Debian trixie's source package, build-mbedtls3/src/)
# Compiler and flags: $CC and $CFLAGS (OSS-Fuzz convention). The same
# configuration as tools/mbedtls3.sh (Debian's), written to a copy of the
# config header: the source tree is not modified. Cached: does nothing when
# PREFIX was built from the same source, compiler and flags (keyway-stamp).
# Prints the prefix on its last line; exits non-zero on failure.
set -u
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { sed -n '2,15p' "$0"; exit 2; }
mkdir -p "$1" && prefix=$(cd "$1" && pwd)
src=${2:-}
if [ -z "$src" ]; then
  # --source-only: the host build may come from the cache (tools/source_cache.sh)
  # with no source tree beside it; this fetches or restores the tree itself.
  src=$(tools/mbedtls3.sh --source-only | tail -1)
  [ -f "$src/library/aes.c" ] || { echo "no mbedTLS source (tools/mbedtls3.sh --source-only)" >&2; exit 1; }
fi
src=$(cd "$src" && pwd) || exit 1
cc=${CC:-clang}
cflags=${CFLAGS:-}
config="MBEDTLS_DEPRECATED_WARNING MBEDTLS_THREADING_C MBEDTLS_THREADING_PTHREAD MBEDTLS_CMAC_C MBEDTLS_SSL_DTLS_SRTP"
stamp_text="mbedtls $(basename "$src"); config.py set $config; libmbedcrypto.a; CC=$cc; CFLAGS=$cflags"
. tools/source_cache.sh
cache_name="mbedtls3-fuzz-$(printf '%s' "$stamp_text" | sha256sum | cut -c1-16)"
if { [ -f "$prefix/lib/libmbedcrypto.a" ] && [ "$(cat "$prefix/keyway-stamp" 2>/dev/null)" = "$stamp_text" ]; } \
   || keyway_cache_restore "$cache_name" "$stamp_text" "$prefix"; then
  echo "$prefix"
  exit 0
fi

work="$prefix.build"
rm -rf "$work" "$prefix" && mkdir -p "$work" "$prefix"
cp "$src/include/mbedtls/mbedtls_config.h" "$work/mbedtls_config.h"
for option in $config; do
  python3 "$src/scripts/config.py" -f "$work/mbedtls_config.h" set "$option" || exit 1
done
jobs=$(nproc 2>/dev/null || echo 2)
# libmbedcrypto only: the fuzz targets use no other part (lib/crypto/ is the
# only mbedTLS user; bench/'s TLS anchor is not in a fuzzing build). cmake's
# compiler checks link with $CFLAGS too (fuzzer-no-link needs no main).
cmake -S "$src" -B "$work/cmake" -DCMAKE_BUILD_TYPE=None -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$cflags" \
    -DMBEDTLS_CONFIG_FILE="$work/mbedtls_config.h" -DENABLE_TESTING=Off -DENABLE_PROGRAMS=Off \
    -DMBEDTLS_FATAL_WARNINGS=Off -DUSE_STATIC_MBEDTLS_LIBRARY=On -DUSE_SHARED_MBEDTLS_LIBRARY=Off \
    >"$work/cmake.log" 2>&1 \
  && cmake --build "$work/cmake" -j "$jobs" --target mbedcrypto >>"$work/cmake.log" 2>&1 \
  || { tail -30 "$work/cmake.log" >&2; echo "instrumented mbedTLS build failed (log: $work/cmake.log)" >&2; exit 1; }
lib=$(find "$work/cmake" -name libmbedcrypto.a | head -1)
mkdir -p "$prefix/lib" && cp "$lib" "$prefix/lib/" && cp -r "$src/include" "$prefix/" || exit 1
# The header must be the configured copy (MBEDTLS_CONFIG_FILE was a build-time define).
cp "$work/mbedtls_config.h" "$prefix/include/mbedtls/mbedtls_config.h"
printf '%s' "$stamp_text" >"$prefix/keyway-stamp"
keyway_cache_store "$cache_name" "$prefix"
echo "$prefix"
