#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds wolfSSL with DTLS 1.3 (RFC 9147) from Debian's own source package
# (trixie's wolfssl 5.7.2) into
#   build-wolfssl13/prefix/{include,lib}
# so that an interop test has a real DTLS 1.3 peer (issue 18;
# tests/interop/wolfssl_dtls13.sh, meson option -Dwolfssl13_prefix). No Debian
# binary package of wolfSSL has DTLS 1.3: bookworm's and trixie's are
# configured without --enable-dtls13 (tests/interop/README.md).
#
# Configuration: Debian's own (debian/rules: --enable-distro --enable-oldtls
# --enable-pkcs11 --disable-examples, dpkg-buildflags hardening=+all) plus
# --enable-dtls --enable-dtls13 (DTLS 1.3; implies the HelloRetryRequest
# cookie), --enable-srtp (use_srtp; implies --enable-keying-material, the
# exporter behind wolfSSL_export_dtls_srtp_keying_material) and
# --enable-curve25519 (x25519; ECDSA P-256 and secp256r1 are on by default).
# Not built, to keep the build short: the shared library (static only, below),
# the wolfCrypt test and benchmark programs.
#
# Idempotent and cached like tools/mbedtls3.sh (tools/source_cache.sh, keyed
# by the stamp below): does nothing when the prefix or the cache has this
# build. Works on a fresh Debian 12 machine as root (or with sudo),
# non-interactively. The trixie source comes from a deb-src line in its own
# apt list (the one mbedtls3.sh uses); no binary package is taken from trixie,
# and nothing is fetched that is not a Debian package.
# Prints the prefix on its last line; exits non-zero on failure.
set -u
cd "$(dirname "$0")/.."

version="${KEYWAY_WOLFSSL13_VERSION:-5.7.2-0.1+deb13u2}"
top="$PWD/build-wolfssl13"
prefix="$top/prefix"

debian_config="--enable-distro --enable-oldtls --enable-pkcs11 --disable-examples --disable-silent-rules"
keyway_config="--enable-dtls --enable-dtls13 --enable-srtp --enable-keying-material --enable-curve25519 \
--disable-crypttests --disable-benchmark"
# First line: what was asked for (the cache key); second: the version built.
stamp_text="wolfssl $version; configure $debian_config $keyway_config; dpkg-buildflags CPPFLAGS CFLAGS LDFLAGS hardening=+all"

. tools/source_cache.sh
if keyway_prefix_cached lib/libwolfssl.a wolfssl13-host "$stamp_text" "$prefix"; then
  echo "$prefix"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive

# dpkg-dev for `apt-get source`; the source package has no configure script
# (Debian's build runs dh_autoreconf): autoconf, automake, libtool.
. tools/deps.sh
keyway_ensure_packages dpkg-dev autoconf automake libtool gcc make || exit 1
# Falls back to whatever 5.x trixie carries now (the log says which).
keyway_trixie_source wolfssl configure.ac 5. "$top" || exit 1

# Built in a copy of the tree (the source ships a stub wolfssl/options.h that
# an out-of-tree build would see first), so src/ stays as Debian unpacked it.
# autoreconf -fi is what Debian's build does (dh_autoreconf): no configure is shipped.
# --enable-distro turns the shared library on whatever --disable-shared says,
# and libtool then compiles every file twice (PIC and not): its generated
# script is told to build the static library only, which halves the build.
# A distro build does not install wolfssl/options.h (the configuration, which
# a program must include first to see the library's structures as built): copied.
jobs=$(nproc 2>/dev/null || echo 2)
obj="$top/obj"
rm -rf "$obj" "$prefix"
cp -a "$src" "$obj" || exit 1
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
log="$top/build.log"
start=$(date +%s)
{ (cd "$obj" && autoreconf -fi \
     && ./configure --prefix="$prefix" $debian_config $keyway_config \
          CPPFLAGS="$(dpkg-buildflags --get CPPFLAGS)" CFLAGS="$(dpkg-buildflags --get CFLAGS)" \
          LDFLAGS="$(dpkg-buildflags --get LDFLAGS)" \
     && sed -i 's/^build_libtool_libs=yes$/build_libtool_libs=no/' libtool \
     && make -j "$jobs" && make install \
     && install -m 644 wolfssl/options.h "$prefix/include/wolfssl/"); } >"$log" 2>&1 \
  || { tail -30 "$log"; echo "wolfssl build failed (log: $log)" >&2; exit 1; }

[ -f "$prefix/lib/libwolfssl.a" ] || { echo "no libwolfssl.a in $prefix/lib" >&2; exit 1; }
grep -q 'WOLFSSL_DTLS13' "$prefix/include/wolfssl/options.h" || { echo "wolfssl built without DTLS 1.3" >&2; exit 1; }
rm -rf "$obj"
keyway_prefix_store wolfssl13-host "$stamp_text" "$prefix" "$src"
echo "wolfssl built in $(( $(date +%s) - start )) s"
echo "$prefix"
