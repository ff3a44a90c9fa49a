#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CI step of tools/test.sh (issue 7): every fuzz target runs for a bounded
# time under ASan+UBSan from a copy of its committed corpus, with its
# dictionary (the repository is not modified). Builds the fuzzing build
# (fuzz/setup.sh with its defaults: only the fuzz targets, mbedTLS
# instrumented too), then runs fuzz/oss-fuzz/test.sh (issue 16).
#   fuzz/ci.sh [JOBS]     KEYWAY_FUZZ_SECONDS (default 10) per target,
#                         KEYWAY_FUZZ_BUILD (default build-fuzz),
#                         KEYWAY_FUZZ_OSSFUZZ=0 skips fuzz/oss-fuzz/test.sh
# Prints "fuzz ok <target>" or "fuzz FAIL <target> (why)" per registered
# target, then for failures indented details and the file that reproduces
# the crash. A target that does not build fails.
set -u
cd "$(dirname "$0")/.."
jobs=${1:-2}
secs=${KEYWAY_FUZZ_SECONDS:-10}
dir=${KEYWAY_FUZZ_BUILD:-build-fuzz}  # build directory (tools/test.sh: build-fuzz)
# Every target registered in fuzz/<module>/meson.build: [['name', files(...)]]
targets=($(grep -hv '^ *#' fuzz/*/meson.build | grep -oE "\['[a-z0-9_]+', *files\(" | sed -E "s/\['([a-z0-9_]+)'.*/\1/"))
work=$(mktemp -d "${TMPDIR:-/tmp}/keyway-fuzz-ci.XXXXXX")
start=$(date +%s)

echo "== fuzz: build ($dir, fuzz/setup.sh defaults: libFuzzer, ASan+UBSan, instrumented mbedTLS, ${#targets[@]} targets)"
# The defaults, whatever the caller's environment says.
env -u CFLAGS -u CXXFLAGS -u LIB_FUZZING_ENGINE -u MBEDTLS_SRC -u KEYWAY_FUZZ_MBEDTLS CC=clang CXX=clang++ \
  fuzz/setup.sh "$dir" >"$dir.setup.log" 2>&1 || sed 's/^/    /' "$dir.setup.log"
if [ -f "$dir/build.ninja" ]; then
  # A fuzzing build holds only the fuzz targets, their dictionaries and make_dtls_corpus.
  ninja -C "$dir" -j "$jobs" -k 0 >"$dir.build.log" 2>&1 ||
    grep -E -A3 'error|FAILED' "$dir.build.log" | head -40 | sed 's/^/    /'
fi
built=$(date +%s)

fuzz_one() {  # target
  local t=$1 w=$work/$1
  mkdir -p "$w/corpus" "$w/artifacts"
  cp -r "fuzz/corpus/$t/." "$w/corpus/" 2>/dev/null
  if [ ! -x "$dir/fuzz/fuzz_$t" ]; then echo "not built" >"$w/why"; echo 1 >"$w/rc"; return; fi
  # halt_on_error: undefined behaviour is a failure, not a message.
  local dict=()
  [ -f "$dir/fuzz/fuzz_$t.dict" ] && dict=(-dict="$dir/fuzz/fuzz_$t.dict")
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 timeout $((secs + 120)) "$dir/fuzz/fuzz_$t" \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=25 -print_final_stats=1 "${dict[@]}" \
    -artifact_prefix="$w/artifacts/" "$w/corpus" >"$w/log" 2>&1
  echo $? >"$w/rc"
}

echo "== fuzz: ${secs}s per target from fuzz/corpus/<target> ($jobs at a time)"
for t in "${targets[@]}"; do
  fuzz_one "$t" &
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
done
wait

failed=0
for t in "${targets[@]}"; do
  w=$work/$t
  if [ "$(cat "$w/rc" 2>/dev/null)" = "0" ]; then
    echo "fuzz ok $t ($(grep -oE 'cov: [0-9]+' "$w/log" | tail -1), $(grep -oE 'exec/s: [0-9]+' "$w/log" | tail -1))"
    continue
  fi
  failed=$((failed + 1))
  echo "fuzz FAIL $t ($(cat "$w/why" 2>/dev/null || echo "exit $(cat "$w/rc" 2>/dev/null)"))"
  [ -f "$w/log" ] && grep -m3 -E 'ERROR: |runtime error|SUMMARY' "$w/log" | sed 's/^/    /'
  for f in "$w"/artifacts/*; do
    [ -e "$f" ] && echo "    reproduce: $dir/fuzz/fuzz_$t $f  (base64: $(head -c 300 "$f" | base64 -w0))"
  done
done
ran=$(date +%s)

# fuzz/oss-fuzz/build.sh as OSS-Fuzz runs it, libFuzzer and AFL++, one target
# each (KEYWAY_FUZZ_OSSFUZZ=0 skips it).
if [ "${KEYWAY_FUZZ_OSSFUZZ:-1}" != 0 ]; then
  echo "== fuzz: fuzz/oss-fuzz/test.sh (build.sh with the OSS-Fuzz variables)"
  fuzz/oss-fuzz/test.sh "$secs" >"$work/oss-fuzz.log" 2>&1
  grep -E '^fuzz (ok|FAIL) ' "$work/oss-fuzz.log" || echo "fuzz FAIL oss-fuzz (fuzz/oss-fuzz/test.sh printed no result)"
  grep -q '^fuzz FAIL ' "$work/oss-fuzz.log" && failed=$((failed + 1))
fi
echo "fuzz: build $((built - start))s, runs $((ran - built))s, oss-fuzz $(($(date +%s) - ran))s, $failed failed (work dir $work)"
[ "$failed" -eq 0 ] && rm -rf "$work"
[ "$failed" -eq 0 ]
