#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds and runs keyway's Cortex-M4 images under QEMU (issue 17):
#   ports/qemu-m4/run.sh [fail|cycles|call|minimal|device|all]   (default: all, the call last)
# 1. mbedTLS 3.6 cross-built once per profile (ports/qemu-m4/mbedtls_m4.sh, cached),
# 2. keyway and the images cross-built with Meson (build-m4/, and
#    build-m4-minimal/ with -Dprofile=minimal; incremental),
# 3. the call image's flash per part (footprint.py: "footprint <part> text_bytes=<n> profile=full"),
#    and the device image's (main_device.cpp: an answerer with ICE-lite, the
#    role a device plays; its lines end in image=device),
# 4. each image run by qemu-system-arm -M netduinoplus2 (an STM32F405) with a
#    timeout; it prints through semihosting and exits with its result. "all":
#    the forced failure, the minimal profile's device and call (their lines
#    end in profile=minimal), then the full profile's cycles and call. "fail": an
#    image that aborts must say so and exit non-zero within seconds (abort,
#    exit and assert leave QEMU through semihosting; board.cpp).
# The output ends with the call image's line (a contract, parsed by tools):
#   m4 call ok text_bytes=<n> data_bytes=<n> bss_bytes=<n> heap_peak_bytes=<n> stack_peak_bytes=<n> established_bytes=<n> handshake_ms=<n> cert_gen_ms=<n>
# Exits non-zero when a step fails or an image's last line does not say ok.
set -u
cd "$(dirname "$0")/../.."
what=${1:-all}
build=${KEYWAY_M4_BUILD:-build-m4}
timeout_s=${KEYWAY_M4_TIMEOUT:-600}

. tools/deps.sh
keyway_ensure_packages meson ninja-build gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib \
  qemu-system-arm || exit 1

# One cross build per profile: mbedTLS (cached) and keyway + the images.
build_profile() {  # profile, build dir
  local prefix
  prefix=$(ports/qemu-m4/mbedtls_m4.sh "$1" | tail -1)
  [ -f "$prefix/lib/libmbedcrypto.a" ] || { echo "m4 FAILED mbedTLS cross build ($1)"; return 1; }
  if [ ! -f "$2/build.ninja" ]; then
    meson setup "$2" --cross-file ports/qemu-m4/cross-m4.ini -Dmbedtls_prefix="$prefix" -Dprofile="$1" \
      >"$2.setup.log" 2>&1 || { cat "$2.setup.log"; echo "m4 FAILED meson setup ($1)"; return 1; }
  fi
  ninja -C "$2" >"$2.build.log" 2>&1 || { tail -40 "$2.build.log"; echo "m4 FAILED build ($1)"; return 1; }
}
minimal_build="$build-minimal"
build_profile full "$build" || exit 1
if [ "$what" = all ] || [ "$what" = minimal ]; then build_profile minimal "$minimal_build" || exit 1; fi

# -icount shift=3: emulated time advances 8 ns per instruction (125 million
# instructions per second), so the SysTick milliseconds in the images are
# the same on every run and every host; they are not silicon figures.
run_image() {  # name [build dir]
  local elf="${2:-$build}/ports/qemu-m4/m4_$1.elf" out status last
  echo "== m4 $1: qemu-system-arm -M netduinoplus2 $elf"
  out=$(timeout "$timeout_s" qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial none \
        -semihosting-config enable=on,target=native -icount shift=3 -kernel "$elf" 2>&1)
  status=$?
  printf '%s\n' "$out"
  last=$(printf '%s\n' "$out" | tail -1)
  # Budget (issue 17): the main stack, which runs each endpoint in turn, at most 8 KiB.
  local stack
  stack=$(printf '%s\n' "$last" | sed -n 's/.* stack_peak_bytes=\([0-9]*\).*/\1/p')
  if [ -n "$stack" ] && [ "$stack" -gt 8192 ]; then
    echo "m4 $1 FAILED stack_peak_bytes=$stack over the 8 KiB budget"
    return 1
  fi
  # Budget (issue 17): per endpoint established at most 6 KiB, held by the
  # call of either profile.
  local established
  established=$(printf '%s\n' "$last" | sed -n 's/.* established_bytes=\([0-9]*\).*/\1/p')
  if [ -n "$established" ] && [ "$established" -gt 6144 ]; then
    echo "m4 $1 FAILED established_bytes=$established over the 6 KiB budget"
    return 1
  fi
  case "$last" in
    "m4 $1 ok "*) [ "$status" -eq 0 ] && return 0 ;;
  esac
  [ "$status" -eq 124 ] && echo "m4 $1 FAILED timeout after ${timeout_s}s"
  [ "$status" -ne 0 ] || echo "m4 $1 FAILED exit status 0 but no ok line"
  return 1
}

# The forced failure (main_fail.cpp): "m4 FAILED abort" and a failing exit
# status, long before the timeout (before board.cpp's _exit/abort it hung).
run_fail() {
  local elf="$build/ports/qemu-m4/m4_fail.elf" out status
  echo "== m4 fail: qemu-system-arm -M netduinoplus2 $elf (must fail fast)"
  out=$(timeout 30 qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial none \
        -semihosting-config enable=on,target=native -icount shift=3 -kernel "$elf" 2>&1)
  status=$?
  printf '%s\n' "$out"
  if [ "$status" -ne 0 ] && [ "$status" -ne 124 ] && [ "$(printf '%s\n' "$out" | tail -1)" = "m4 FAILED abort" ]; then
    echo "m4 fail ok exit_status=$status"
    return 0
  fi
  echo "m4 fail FAILED exit status $status (124: hung until the timeout)"
  return 1
}

# Flash per part of the call image (keyway by folder, mbedTLS, runtime, port).
/usr/bin/python3 ports/qemu-m4/footprint.py "$build/ports/qemu-m4/m4_call.map" || { echo "m4 FAILED footprint"; exit 1; }
if [ -f "$minimal_build/ports/qemu-m4/m4_call.map" ] && { [ "$what" = all ] || [ "$what" = minimal ]; }; then
  /usr/bin/python3 ports/qemu-m4/footprint.py "$minimal_build/ports/qemu-m4/m4_call.map" --profile minimal \
    || { echo "m4 FAILED footprint (minimal)"; exit 1; }
  /usr/bin/python3 ports/qemu-m4/footprint.py "$minimal_build/ports/qemu-m4/m4_device.map" --profile minimal --image device \
    || { echo "m4 FAILED footprint (minimal device)"; exit 1; }
fi

fail=0
case "$what" in
  fail) run_fail || fail=1 ;;
  cycles) run_image cycles || fail=1 ;;
  call) run_image call || fail=1 ;;
  minimal) run_image device "$minimal_build" || fail=1; run_image call "$minimal_build" || fail=1 ;;
  device) run_image device || fail=1 ;;
  all) run_fail || fail=1; run_image device "$minimal_build" || fail=1; run_image call "$minimal_build" || fail=1
       run_image cycles || fail=1; run_image call || fail=1 ;;
  *) echo "usage: $0 [fail|cycles|call|minimal|device|all]" >&2; exit 2 ;;
esac
exit $fail
