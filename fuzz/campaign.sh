#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A fuzzing campaign (issues 7, 16): builds the clang fuzzing build (build-fuzz,
# fuzz/setup.sh: ASan+UBSan+libFuzzer, lib/fuzzing.hpp's relaxed checks),
# runs every target for SECONDS from its committed corpus, keeps new inputs
# in WORKDIR, reports crashes with the file that reproduces them, then
# measures line coverage per folder (clang source-based coverage) of the test
# suite and the corpora together.
#
#   fuzz/campaign.sh [-t SECONDS] [-w WORKDIR] [-m] [-C] [-T] [target...]
#     -t SECONDS  per target (default 60; 0: no fuzzing, coverage only). Beyond
#                 60 s the run is split at 60 s so the report shows whether
#                 coverage still grows.
#     -w WORKDIR  default build-campaign/ (corpus/, crashes/, logs/, profiles/)
#     -m          merge the new inputs that add coverage into fuzz/corpus/
#     -C          skip the coverage measurement
#     -T          coverage: skip the test suite (corpora only)
# The committed seeds (fuzz/corpus/<target>/) are only read: new inputs go to
# WORKDIR/corpus/<target>/, and only -m minimises them into the seeds
# (libFuzzer -merge=1 -use_counters=0: just the inputs that add an edge).
# Output: one line per target,
#   fuzz <target> exec/s=N seeds_cov=N cov@60s=N [cov@Ts=N (grows|stopped ...)] new_cov=N corpus=SEEDS+N_new
# (cov: libFuzzer's edge coverage; new_cov: the campaign's gain over the
# seeds), "crash <target> <file>" per crash, then one
# "coverage <folder>/ lines=NN.N%" line per folder.
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=60 work=build-campaign merge=0 coverage=1 with_tests=1
while getopts "t:w:mCT" opt; do
  case $opt in
    t) seconds=$OPTARG ;; w) work=$OPTARG ;; m) merge=1 ;; C) coverage=0 ;; T) with_tests=0 ;;
    *) sed -n '2,25p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
jobs=$(nproc 2>/dev/null || echo 2)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=($(ls fuzz/corpus))
mkdir -p "$work"
work=$(cd "$work" && pwd)
export CC=clang CXX=clang++

# ---- 1. the fuzzing build --------------------------------------------------
# fuzz/setup.sh's defaults (libFuzzer, ASan+UBSan, mbedTLS instrumented too),
# whatever the caller's environment says: the runs below use libFuzzer flags.
# Not with -t 0: coverage only needs build-cov (and no instrumented mbedTLS).
if [ "$seconds" -ne 0 ]; then
  env -u CFLAGS -u CXXFLAGS -u LIB_FUZZING_ENGINE -u KEYWAY_FUZZ_MBEDTLS fuzz/setup.sh build-fuzz \
    >"$work/setup-fuzz.log" 2>&1 || { cat "$work/setup-fuzz.log"; exit 1; }
fi
[ "$seconds" -eq 0 ] || ninja -C build-fuzz -j "$jobs" -k 0 >"$work/build-fuzz.log" 2>&1 ||
  { echo "warning: some fuzz targets did not build (see $work/build-fuzz.log)"; grep -E 'error' "$work/build-fuzz.log" | head; }

# The last "cov: N" libFuzzer printed in a log.
last_cov() { grep -oE 'cov: [0-9]+' "$1" | tail -1 | cut -d' ' -f2; }

# ---- 2. fuzz each target ---------------------------------------------------
crashes=0
[ "$seconds" -eq 0 ] && echo "(no fuzzing: -t 0)"
for t in "${targets[@]}"; do
  [ "$seconds" -eq 0 ] && break
  bin=build-fuzz/fuzz/fuzz_$t
  if [ ! -x "$bin" ]; then echo "fuzz $t NOT BUILT"; crashes=$((crashes + 1)); continue; fi
  mkdir -p "$work/corpus/$t" "$work/crashes/$t" "$work/logs"
  first=$((seconds < 60 ? seconds : 60))
  dict=()
  [ -f "$bin.dict" ] && dict=(-dict="$bin.dict")
  # New inputs go to the first folder only (the campaign's); the committed
  # seeds are read, never written.
  run() {  # seconds, log
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$bin" -max_total_time="$1" -rss_limit_mb=2048 -timeout=25 \
      -print_final_stats=1 "${dict[@]}" -artifact_prefix="$work/crashes/$t/" "$work/corpus/$t" "fuzz/corpus/$t" >"$2" 2>&1
  }
  run "$first" "$work/logs/$t.1.log"
  rc1=$?
  cov_seed=$(grep -E 'INITED' "$work/logs/$t.1.log" | grep -oE 'cov: [0-9]+' | head -1 | cut -d' ' -f2)
  cov1=$(last_cov "$work/logs/$t.1.log") cov2=
  execs=$(grep -hoE 'stat::average_exec_per_sec: *[0-9]+' "$work/logs/$t".[12].log | tail -1 | grep -oE '[0-9]+$')
  line="fuzz $t exec/s=${execs:-?} seeds_cov=${cov_seed:-?} cov@${first}s=${cov1:-?}"
  if [ "$seconds" -gt 60 ] && [ "$rc1" -eq 0 ]; then
    run $((seconds - 60)) "$work/logs/$t.2.log"
    rc1=$?
    cov2=$(last_cov "$work/logs/$t.2.log")
    grow="stopped"
    [ "${cov2:-0}" -gt "${cov1:-0}" ] && grow="grows"
    line="$line cov@${seconds}s=${cov2:-?} ($grow after the first minute)"
  fi
  last=${cov2:-${cov1:-0}}
  line="$line new_cov=$((last - ${cov_seed:-0})) corpus=$(ls "fuzz/corpus/$t" | wc -l)+$(ls "$work/corpus/$t" | wc -l)_new"
  echo "$line"
  for f in "$work/crashes/$t"/*; do
    [ -e "$f" ] || continue
    crashes=$((crashes + 1))
    echo "crash $t $f   (reproduce: $bin $f)"
    grep -m1 -E 'ERROR: |runtime error' "$work"/logs/$t.*.log | sed 's/^/    /'
  done
  if [ "$merge" -eq 1 ]; then
    # -use_counters=0: an input is kept for a new edge, not for a new hit
    # count of a known one (about half the files of a plain -merge=1 in the one-hour
    # campaign of issue 16: 1,368 in all).
    "$bin" -merge=1 -use_counters=0 -rss_limit_mb=2048 "fuzz/corpus/$t" "$work/corpus/$t" >"$work/logs/$t.merge.log" 2>&1 &&
      echo "  merged: fuzz/corpus/$t now has $(ls "fuzz/corpus/$t" | wc -l) files"
  fi
done

# ---- 3. coverage of the test suite and the corpora -------------------------
if [ "$coverage" -eq 1 ]; then
  cov_flags="-fprofile-instr-generate -fcoverage-mapping"
  if [ ! -f build-cov/build.ninja ]; then
    meson setup build-cov -Dbuildtype=debug -Dcpp_args="$cov_flags" -Dcpp_link_args="$cov_flags" \
      >"$work/setup-cov.log" 2>&1 || { cat "$work/setup-cov.log"; exit 1; }
    rm -f default.profraw  # meson's compiler sanity check ran an instrumented binary here
  fi
  cov_targets=()  # -T: the replay binaries only, not the whole suite
  [ "$with_tests" -eq 1 ] || cov_targets=($(printf 'fuzz/fuzz_%s ' "${targets[@]}"))
  ninja -C build-cov -j "$jobs" "${cov_targets[@]}" >"$work/build-cov.log" 2>&1 || { tail -30 "$work/build-cov.log"; exit 1; }
  rm -rf "$work/profiles" && mkdir -p "$work/profiles"
  export LLVM_PROFILE_FILE="$work/profiles/%4m.profraw"
  if [ "$with_tests" -eq 1 ]; then
    meson test -C build-cov --num-processes "$jobs" >"$work/test-cov.log" 2>&1 ||
      echo "warning: some tests failed in the coverage build (see $work/test-cov.log)"
  fi
  for t in "${targets[@]}"; do  # replays: the committed corpus and the campaign's new inputs
    [ -x "build-cov/fuzz/fuzz_$t" ] && "build-cov/fuzz/fuzz_$t" "fuzz/corpus/$t" "$work/corpus/$t" >/dev/null 2>&1
  done
  unset LLVM_PROFILE_FILE
  llvm-profdata merge -sparse "$work"/profiles/*.profraw -o "$work/merged.profdata" || exit 1
  objects=()
  for exe in $(find build-cov -type f -executable -not -name '*.so' -not -path '*meson-*' -not -path '*.p/*' -not -path 'build-cov/bench/*'); do
    head -c 4 "$exe" | grep -q ELF && objects+=(-object "$exe")
  done
  # The first object is positional. ("mismatched data" warnings: main() differs per binary.)
  llvm-cov export -format=text -summary-only -instr-profile="$work/merged.profdata" "${objects[@]:1}" \
    >"$work/coverage.json" 2>"$work/llvm-cov.log"
  /usr/bin/python3 - "$work/coverage.json" "$root" <<'EOF'
import json, os, sys
data, root = json.load(open(sys.argv[1])), sys.argv[2].rstrip("/") + "/"
totals = {}
for f in data["data"][0]["files"]:
    name = os.path.normpath(f["filename"]).replace(root, "")
    folder = name.split("/")[0] + "/"
    c, n = totals.get(folder, (0, 0))
    totals[folder] = (c + f["summary"]["lines"]["covered"], n + f["summary"]["lines"]["count"])
for folder in ("dtls/", "srtp/", "ice/", "sdp/", "peer/", "lib/"):
    c, n = totals.get(folder, (0, 0))
    print(f"coverage {folder} lines={100.0 * c / n if n else 0:.1f}% ({c}/{n})")
EOF
  echo "(details: llvm-cov show -instr-profile=$work/merged.profdata ${objects[*]:1:3} <file>)"
fi
echo "$crashes crash(es)"
[ "$crashes" -eq 0 ]
