#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The whole test suite (README quick start, command 2):
#   1. installs missing Debian packages,
#   2. builds and runs every test (unit, vectors, differential and interop
#      against real peers, fuzz-corpus replays; wolfSSL with DTLS 1.3, built
#      once from Debian's source package by tools/wolfssl13.sh, cached),
#   3. builds and runs the suite again under ASan+UBSan,
#   4. builds and runs the unit tests (not interop) against mbedTLS 3.6 LTS,
#      built once from Debian's source package (tools/mbedtls3.sh, cached),
#   5. runs every fuzz target briefly from its committed corpus (clang,
#      libFuzzer, ASan+UBSan; one test per target),
#   6. compiles every library source for a Cortex-M4,
#   7. runs the Cortex-M4 images (a whole call in the full and the minimal
#      profile, 100 cycles) under QEMU.
# The last line is "N passed, N failed", counted from the runs above.
set -u
cd "$(dirname "$0")/.."
. tools/deps.sh
keyway_ensure_packages $keyway_packages_build $keyway_packages_test || exit 1
keyway_ensure_node || echo "warning: no node/npm: the browser interop tests will be skipped"

jobs=$(nproc 2>/dev/null || echo 2)

# A real DTLS 1.3 peer for interop-wolfssl-dtls13 (issue 18): wolfSSL 5.7.2
# from Debian's source package (tools/wolfssl13.sh, cached like mbedTLS 3.6),
# built while the default suite compiles; each suite waits for it before its
# tests (wolfssl13_attach).
echo "== wolfssl 5.7.2 (DTLS 1.3): tools/wolfssl13.sh, in the background"
nice tools/wolfssl13.sh >build-wolfssl13.log 2>&1 &
wolfssl13_pid=$!
wolfssl13_status=""
total_pass=0
total_fail=0
total_skip=0

step_result() {  # name, status
  if [ "$2" -eq 0 ]; then total_pass=$((total_pass + 1)); echo "  ok     $1"
  else total_fail=$((total_fail + 1)); echo "  FAILED $1"; fi
}

# Prints one line per test of a finished `meson test` run and adds its counts
# (tools/count_tests.py reads Meson's testlog.json) to the totals.
count_suite() {  # build dir, label
  local dir=$1 label=$2 counts
  grep -E '^ *[0-9]+/[0-9]+ ' "$dir.test.log" | sed 's/^/  /'
  counts=$(/usr/bin/python3 tools/count_tests.py "$dir/meson-logs/testlog.json" "$label" 2>/dev/null) || counts="0 1 0"
  set -- $counts
  total_pass=$((total_pass + $1)); total_fail=$((total_fail + $2)); total_skip=$((total_skip + $3))
  if [ "$2" -ne 0 ]; then
    echo "-- failures in $label (from $dir/meson-logs/testlog.txt):"
    grep -E -B2 -A25 '(FAIL|ERROR|TIMEOUT)' "$dir.test.log" | head -120
  fi
}

# Waits for tools/wolfssl13.sh (once) and, when it built, points the build dir
# at its prefix, which adds the peer and interop-wolfssl-dtls13 to the suite.
wolfssl13_attach() {  # build dir
  if [ -z "$wolfssl13_status" ]; then
    wait "$wolfssl13_pid"
    wolfssl13_status=$?
    grep '^wolfssl built in\|^restored' build-wolfssl13.log | sed 's/^/  /'
    if [ "$wolfssl13_status" -ne 0 ]; then
      tail -20 build-wolfssl13.log; step_result "wolfssl 5.7.2 (DTLS 1.3): tools/wolfssl13.sh" 1
    fi
  fi
  [ "$wolfssl13_status" -eq 0 ] || return 0
  meson configure "$1" -Dwolfssl13_prefix=build-wolfssl13/prefix >>"$1.setup.log" 2>&1 \
    && ninja -C "$1" -j "$jobs" >>"$1.build.log" 2>&1 \
    || { tail -40 "$1.build.log"; step_result "$(basename "$1"): wolfssl_dtls13_peer" 1; }
}

run_suite() {  # build dir, label, extra meson setup args...
  local dir=$1 label=$2
  shift 2
  echo "== $label: build ($dir)"
  if [ ! -f "$dir/build.ninja" ]; then
    if ! meson setup "$dir" "$@" >"$dir.setup.log" 2>&1; then
      cat "$dir.setup.log"; step_result "$label: meson setup" 1; return
    fi
  fi
  if ! ninja -C "$dir" -j "$jobs" >"$dir.build.log" 2>&1; then
    tail -40 "$dir.build.log"; step_result "$label: build" 1; return
  fi
  wolfssl13_attach "$dir"
  echo "== $label: test"
  meson test -C "$dir" --num-processes "$jobs" --print-errorlogs >"$dir.test.log" 2>&1
  count_suite "$dir" "$label"
}

run_suite build "default"
# UBSan's vptr check needs RTTI, which library code is built without.
run_suite build-asan "asan+ubsan" -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug \
  -Dcpp_args=-fno-sanitize=vptr -Dcpp_link_args=-fno-sanitize=vptr

# The unit tests (no interop peers) in a build against another mbedTLS:
# builds only their executables (from Meson's test list), runs and counts them.
run_unit_suite() {  # build dir, label, "test names", extra meson setup args...
  local dir=$1 label=$2 tests=$3
  shift 3
  echo "== $label: build ($dir)"
  if [ ! -f "$dir/build.ninja" ]; then
    mkdir -p "$(dirname "$dir")"
    if ! meson setup "$dir" "$@" >"$dir.setup.log" 2>&1; then
      cat "$dir.setup.log"; step_result "$label: meson setup" 1; return
    fi
  fi
  local targets
  targets=$(/usr/bin/python3 - "$dir" $tests <<'PY'
import json, os, sys
build, names = sys.argv[1], set(sys.argv[2:])
tests = json.load(open(os.path.join(build, "meson-info", "intro-tests.json")))
print(" ".join(sorted({os.path.relpath(t["cmd"][0], os.path.abspath(build)) for t in tests if t["name"] in names})))
PY
  ) || { step_result "$label: test list" 1; return; }
  if ! ninja -C "$dir" -j "$jobs" $targets >"$dir.build.log" 2>&1; then
    tail -40 "$dir.build.log"; step_result "$label: build" 1; return
  fi
  echo "== $label: test"
  meson test -C "$dir" --no-rebuild --num-processes "$jobs" --print-errorlogs $tests >"$dir.test.log" 2>&1
  count_suite "$dir" "$label"
}

# mbedTLS 3.6 LTS (Debian trixie's source package, built once into
# build-mbedtls3/prefix); lib/crypto/ picks the API at compile time.
unit_tests="lib srtp srtp-alloc srtp-libsrtp dtls_x509 dtls_core dtls_conformance dtls_flood dtls_memory dtls_v13
  sdp ice ice-alloc peer peer-alloc capi-c"
echo "== mbedtls 3.6: tools/mbedtls3.sh"
if tools/mbedtls3.sh >build-mbedtls3.log 2>&1; then
  run_unit_suite build-mbedtls3/build "mbedtls 3.6" "$unit_tests" -Dmbedtls_prefix=build-mbedtls3/prefix
else
  tail -20 build-mbedtls3.log; step_result "mbedtls 3.6: tools/mbedtls3.sh" 1
fi

fuzz/ci.sh "$jobs" >build-fuzz.ci.log 2>&1
while IFS= read -r line; do
  case "$line" in
    "fuzz ok "*) step_result "fuzz: ${line#fuzz ok }" 0 ;;
    "fuzz FAIL "*) step_result "fuzz: ${line#fuzz FAIL }" 1 ;;
    "== "* | "fuzz: "* | "    "*) echo "$line" ;;
  esac
done <build-fuzz.ci.log
grep -q '^fuzz \(ok\|FAIL\) ' build-fuzz.ci.log || step_result "fuzz: fuzz/ci.sh ran no target" 1

echo "== cortex-m4: compile every library source"
tools/cross_check.sh >build-cross.log 2>&1
while read -r line; do
  case "$line" in
    "cross-m4 ok "*) total_pass=$((total_pass + 1)) ;;
    "cross-m4 FAIL "*) total_fail=$((total_fail + 1)); echo "  $line" ;;
  esac
done <build-cross.log
grep -E '^    ' build-cross.log | head -40

# The Cortex-M4 images under QEMU (ports/qemu-m4/run.sh): the minimal
# profile's device image (one answerer, ICE-lite) and call, then the full profile's 100 connect -> media -> close cycles
# and its call; one test per image, ok when its line says so.
echo "== cortex-m4: the call on an emulated STM32F405 (ports/qemu-m4/run.sh)"
ports/qemu-m4/run.sh all >build-m4.run.log 2>&1
m4_result() {  # label, line
  echo "  ${2:-$1: no result line}"
  case "$2" in
    "m4 "*" ok "*) step_result "cortex-m4: $1" 0 ;;
    *) step_result "cortex-m4: $1" 1 ;;
  esac
}
m4_result "device image, minimal profile" "$(grep -E '^m4 device (ok|FAILED) .* profile=minimal' build-m4.run.log | tail -1)"
m4_result "call image, minimal profile" "$(grep -E '^m4 call (ok|FAILED) .* profile=minimal' build-m4.run.log | tail -1)"
m4_result "cycles image" "$(grep -E '^m4 cycles (ok|FAILED)' build-m4.run.log | tail -1)"
m4_result "call image" "$(grep -E '^m4 call (ok|FAILED)' build-m4.run.log | grep -v ' profile=minimal' | tail -1)"
grep -q '^m4 \(cycles\|call\) \(ok\|FAILED\)' build-m4.run.log || tail -40 build-m4.run.log

[ "$total_skip" -gt 0 ] && echo "($total_skip skipped: a peer or tool was unavailable)"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
