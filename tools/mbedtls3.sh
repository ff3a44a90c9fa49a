#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds mbedTLS 3.6 LTS from Debian's own source package (trixie) into
#   build-mbedtls3/prefix/{include,lib}
# so that the unit suite can also run against it (tools/test.sh, meson option
# -Dmbedtls_prefix=build-mbedtls3/prefix). Static libraries only; mbedTLS's own
# tests and programs are not built.
#
# Idempotent and cached: does nothing when the prefix already has the
# libraries. Works on a fresh Debian 12 machine as root (or with sudo),
# non-interactively. The trixie source comes from a deb-src line in its own
# apt list; no binary package is ever taken from trixie.
# Prints the prefix on its last line; exits non-zero on failure.
# With --source-only: only fetches and unpacks the source (cached) and prints
# its directory on the last line (ports/qemu-m4/mbedtls_m4.sh cross-builds it).
set -u
source_only=0
[ "${1:-}" = "--source-only" ] && source_only=1
cd "$(dirname "$0")/.."

version="${KEYWAY_MBEDTLS3_VERSION:-3.6.6-0.1~deb13u1}"
top="$PWD/build-mbedtls3"
prefix="$top/prefix"

# Debian's own configuration of the package (debian/rules, override_dh_auto_configure)
# and its compiler flags (dpkg-buildflags, hardening=+all), so that the 3.6
# build compares with Debian 12's libmbedtls-dev 2.28 like for like.
debian_config="MBEDTLS_DEPRECATED_WARNING MBEDTLS_THREADING_C MBEDTLS_THREADING_PTHREAD MBEDTLS_CMAC_C MBEDTLS_SSL_DTLS_SRTP"
# First line: what was asked for (the cache key); second: the version built.
stamp_text="mbedtls $version; config.py set $debian_config; static; dpkg-buildflags CPPFLAGS CFLAGS hardening=+all"

. tools/source_cache.sh
if [ "$source_only" -eq 0 ]; then
  if keyway_prefix_cached lib/libmbedcrypto.a mbedtls3-host "$stamp_text" "$prefix"; then
    echo "$prefix"
    exit 0
  fi
fi

export DEBIAN_FRONTEND=noninteractive

# dpkg-dev for `apt-get source`, cmake and a C compiler for the build.
. tools/deps.sh
keyway_ensure_packages dpkg-dev cmake gcc make python3 || exit 1
# Falls back to whatever 3.6.x trixie carries now (the report says which).
keyway_trixie_source mbedtls CMakeLists.txt 3.6. "$top" || exit 1
if [ "$source_only" -eq 1 ]; then echo "$src"; exit 0; fi

for option in $debian_config; do
  (cd "$src" && python3 scripts/config.py set "$option") || { echo "config.py set $option failed" >&2; exit 1; }
done

jobs=$(nproc 2>/dev/null || echo 2)
rm -rf "$top/cmake" "$prefix"
cflags="$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CPPFLAGS) \
$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CFLAGS)"
cmake -S "$src" -B "$top/cmake" -DCMAKE_BUILD_TYPE=None -DCMAKE_C_FLAGS="$cflags" -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DCMAKE_INSTALL_LIBDIR=lib -DENABLE_TESTING=Off -DENABLE_PROGRAMS=Off \
    -DUSE_STATIC_MBEDTLS_LIBRARY=On -DUSE_SHARED_MBEDTLS_LIBRARY=Off \
    -DCMAKE_POSITION_INDEPENDENT_CODE=On >"$top/cmake.log" 2>&1 \
  && cmake --build "$top/cmake" -j "$jobs" >>"$top/cmake.log" 2>&1 \
  && cmake --install "$top/cmake" >>"$top/cmake.log" 2>&1 \
  || { tail -30 "$top/cmake.log"; echo "mbedtls 3.6 build failed (log: $top/cmake.log)" >&2; exit 1; }

[ -f "$prefix/lib/libmbedcrypto.a" ] || { echo "no libmbedcrypto.a in $prefix/lib" >&2; exit 1; }
keyway_prefix_store mbedtls3-host "$stamp_text" "$prefix" "$src"
echo "$prefix"
