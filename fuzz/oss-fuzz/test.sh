#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs build.sh the way OSS-Fuzz does, for libFuzzer and for AFL++ (Debian's
# afl++), both with ASan, then one target briefly under each engine from its
# seed corpus zip and dictionary, as ClusterFuzz would (issue 16). No network:
# mbedTLS comes from tools/mbedtls3.sh's source tree.
#
#   fuzz/oss-fuzz/test.sh [SECONDS]    (default 10 per engine)
#   KEYWAY_OSSFUZZ_TARGET   the target (default stun)
#   KEYWAY_OSSFUZZ_DIR      work folder (default build-ossfuzz/)
# Prints "fuzz ok oss-fuzz-<engine> (...)" or "fuzz FAIL oss-fuzz-<engine> (why)"
# per engine (the lines fuzz/ci.sh and tools/test.sh count); exits non-zero on a failure.
set -u
cd "$(dirname "$0")/../.."
root=$(pwd)
secs=${1:-10}
target=${KEYWAY_OSSFUZZ_TARGET:-stun}
top=${KEYWAY_OSSFUZZ_DIR:-build-ossfuzz}
mkdir -p "$top" && top=$(cd "$top" && pwd)
# OSS-Fuzz's flags for an ASan build (infra/base-images/base-builder).
san="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope"
failed=0

build() {  # engine CC CXX CFLAGS LIB_FUZZING_ENGINE
  local e=$1
  mkdir -p "$top/$e/work" "$top/$e/out"
  env CC="$2" CXX="$3" CFLAGS="$4" CXXFLAGS="$4" LIB_FUZZING_ENGINE="$5" SRC="$top/$e/src" WORK="$top/$e/work" \
    OUT="$top/$e/out" KEYWAY_SRC="$root" MBEDTLS_SRC="" KEYWAY_FUZZ_TARGETS="$target" \
    fuzz/oss-fuzz/build.sh >"$top/$e/build.log" 2>&1
}
result() {  # engine rc text
  if [ "$2" -eq 0 ]; then echo "fuzz ok oss-fuzz-$1 ($3)"; return; fi
  failed=$((failed + 1))
  echo "fuzz FAIL oss-fuzz-$1 ($3)"
}
seeds() {  # engine -> folder with the unzipped seed corpus
  rm -rf "$top/$1/seeds" && mkdir -p "$top/$1/seeds"
  (cd "$top/$1/seeds" && unzip -q "$top/$1/out/fuzz_${target}_seed_corpus.zip")
  echo "$top/$1/seeds"
}

# ---- libFuzzer ----------------------------------------------------------------
e=libfuzzer
if ! build $e clang clang++ "$san -fsanitize=fuzzer-no-link" "-fsanitize=fuzzer"; then
  result $e 1 "build.sh failed: $(grep -m1 -E 'error|failed' "$top/$e/build.log")"
else
  s=$(seeds $e)
  rm -rf "$top/$e/corpus" && mkdir -p "$top/$e/corpus"
  "$top/$e/out/fuzz_$target" -max_total_time="$secs" -print_final_stats=1 -dict="$top/$e/out/fuzz_$target.dict" \
    "$top/$e/corpus" "$s" >"$top/$e/run.log" 2>&1
  rc=$?
  result $e $rc "fuzz_$target ${secs}s: $(grep -oE 'cov: [0-9]+' "$top/$e/run.log" | tail -1), $(grep -oE 'exec/s: [0-9]+' "$top/$e/run.log" | tail -1), rc $rc"
fi

# ---- AFL++ --------------------------------------------------------------------
e=afl
if ! command -v afl-clang-fast++ >/dev/null || ! command -v afl-fuzz >/dev/null; then
  result $e 1 "afl++ not installed (tools/deps.sh)"
elif ! build $e afl-clang-fast afl-clang-fast++ "$san" "/usr/lib/afl/libAFLDriver.a"; then
  result $e 1 "build.sh failed: $(grep -m1 -E 'error|failed' "$top/$e/build.log")"
else
  s=$(seeds $e)
  rm -rf "$top/$e/findings"
  # No UI, no CPU pinning or core_pattern demands (shared CI machines); -V: seconds.
  AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    AFL_SKIP_BIN_CHECK=0 timeout $((secs + 120)) afl-fuzz -V "$secs" -m none -i "$s" -o "$top/$e/findings" \
    -x "$top/$e/out/fuzz_$target.dict" -- "$top/$e/out/fuzz_$target" >"$top/$e/run.log" 2>&1
  rc=$?
  stats="$top/$e/findings/default/fuzzer_stats"
  stat() { sed -n "s/^$1 *: *//p" "$stats" 2>/dev/null; }
  crashes=$(stat saved_crashes)
  [ "$rc" -eq 0 ] && [ -f "$stats" ] && [ "${crashes:-0}" = 0 ] || rc=1
  result $e $rc "fuzz_$target ${secs}s: execs $(stat execs_done), exec/s $(stat execs_per_sec), corpus $(stat corpus_count), bitmap $(stat bitmap_cvg), crashes ${crashes:-?}"
fi
[ "$failed" -eq 0 ]
