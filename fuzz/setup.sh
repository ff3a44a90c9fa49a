#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sets up a fuzzing build (issue 16): the fuzz targets only, in fuzzing mode,
# with mbedTLS built from source under the same instrumentation.
#
#   fuzz/setup.sh [BUILD_DIR] [meson options...]     then: ninja -C BUILD_DIR
#
# Engine and sanitizers come from the environment, in the OSS-Fuzz convention;
# unset, they default to clang's libFuzzer with ASan+UBSan:
#   CC, CXX               clang, clang++ (AFL++: afl-clang-fast, afl-clang-fast++)
#   CFLAGS, CXXFLAGS      -O1 -g -fsanitize=address,undefined -fsanitize=fuzzer-no-link
#                         (MSan: -fsanitize=memory ..., with an MSan-built libc++)
#   LIB_FUZZING_ENGINE    -fsanitize=fuzzer (AFL++: /usr/lib/afl/libAFLDriver.a, or
#                         -fsanitize=fuzzer with afl-clang-fast)
#   MBEDTLS_SRC           mbedTLS 3.6 source (default: tools/mbedtls3.sh's tree)
#   KEYWAY_FUZZ_MBEDTLS   system: the uninstrumented system mbedTLS instead
# BUILD_DIR defaults to build-fuzz. The instrumented mbedTLS goes to
# BUILD_DIR-mbedtls/ (cached by a stamp of compiler and flags).
set -u
cd "$(dirname "$0")/.."
dir=${1:-build-fuzz}
[ $# -gt 0 ] && shift
export CC=${CC:-clang} CXX=${CXX:-clang++}
default_flags="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize=vptr -fsanitize=fuzzer-no-link"
export CFLAGS=${CFLAGS-$default_flags} CXXFLAGS=${CXXFLAGS-$default_flags}
engine=${LIB_FUZZING_ENGINE:--fsanitize=fuzzer}

mbedtls=()
if [ "${KEYWAY_FUZZ_MBEDTLS:-}" != system ]; then
  prefix=$(fuzz/mbedtls.sh "$dir-mbedtls" ${MBEDTLS_SRC:+"$MBEDTLS_SRC"} | tail -1) || exit 1
  mbedtls=(-Dmbedtls_prefix="$prefix")
fi
# meson reads CC, CFLAGS ... only when a build directory is first set up: a
# directory set up with other ones is wiped.
env_text="CC=$CC CXX=$CXX CFLAGS=$CFLAGS CXXFLAGS=$CXXFLAGS LIB_FUZZING_ENGINE=$engine ${mbedtls[*]} $*"
wipe=()
if [ -f "$dir/build.ninja" ]; then
  [ "$(cat "$dir/keyway-fuzz-env" 2>/dev/null)" = "$env_text" ] && { echo "$dir is set up"; exit 0; }
  wipe=(--wipe)
fi
# buildtype plain: optimisation and debug information are CFLAGS' business.
meson setup "${wipe[@]}" "$dir" -Dbuildtype=plain -Dfuzzing=true -Dfuzz_engine="$engine" "${mbedtls[@]}" "$@" || exit 1
printf '%s' "$env_text" >"$dir/keyway-fuzz-env"
