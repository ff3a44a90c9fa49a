#!/bin/bash -eu
# SPDX-License-Identifier: Apache-2.0
# OSS-Fuzz build script for keyway (projects/keyway/build.sh in google/oss-fuzz).
# OSS-Fuzz sets CC, CXX, CFLAGS, CXXFLAGS, LIB_FUZZING_ENGINE (engine and
# sanitizer), SRC (checkouts: $SRC/keyway, $SRC/mbedtls), WORK and OUT.
# fuzz/setup.sh builds mbedTLS from $SRC/mbedtls with those flags and sets
# up meson; each fuzz_<target> goes to $OUT with its dictionary
# (fuzz_<target>.dict) and seed corpus (fuzz_<target>_seed_corpus.zip).
#
# Local use (fuzz/oss-fuzz/test.sh): KEYWAY_SRC replaces $SRC/keyway,
# MBEDTLS_SRC replaces $SRC/mbedtls (empty: tools/mbedtls3.sh's tree), and
# KEYWAY_FUZZ_TARGETS="stun ..." builds only those targets.
keyway=${KEYWAY_SRC:-$SRC/keyway}
export MBEDTLS_SRC=${MBEDTLS_SRC-$SRC/mbedtls}
build=$WORK/keyway-build

"$keyway/fuzz/setup.sh" "$build"
targets=${KEYWAY_FUZZ_TARGETS:-$(cd "$keyway/fuzz/corpus" && ls)}
ninja -C "$build" $(for t in $targets; do echo "fuzz/fuzz_$t fuzz/fuzz_$t.dict"; done)

mkdir -p "$OUT"
for t in $targets; do
  cp "$build/fuzz/fuzz_$t" "$build/fuzz/fuzz_$t.dict" "$OUT/"
  rm -f "$OUT/fuzz_${t}_seed_corpus.zip"
  (cd "$keyway/fuzz/corpus/$t" && zip -q -r "$OUT/fuzz_${t}_seed_corpus.zip" .)
done
