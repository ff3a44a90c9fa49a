#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 13: keyway as a Meson subproject. A consumer project takes
# dependency('keyway') (which keyway overrides), builds examples/in_memory_call.cpp
# against it and runs it; the subproject builds neither tests, tools, bench,
# fuzz targets nor examples, so the consumer needs neither doctest nor fmt.
# Usage: subproject_test.sh SOURCE_DIR
set -eu
src=$(cd "$1" && pwd)
work=$(mktemp -d /tmp/keyway-subproject.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/consumer/subprojects"
# The tree as a subproject, without its build directories.
mkdir "$work/consumer/subprojects/keyway"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
  git -C "$src" ls-files -z | tar -C "$src" --null -T - -cf - | tar -C "$work/consumer/subprojects/keyway" -xf -
else
  tar -C "$src" --exclude='./build*' -cf - . | tar -C "$work/consumer/subprojects/keyway" -xf -
fi
cp "$src/examples/in_memory_call.cpp" "$work/consumer/main.cpp"
cat >"$work/consumer/meson.build" <<'MESON'
project('consumer', 'cpp', default_options : ['cpp_std=c++20'])
keyway = dependency('keyway', fallback : ['keyway'])
message('keyway version ' + keyway.version())
test('call', executable('call', 'main.cpp', dependencies : keyway))
MESON
cd "$work/consumer"
meson setup build >setup.log 2>&1 || { cat setup.log; echo "FAIL meson setup"; exit 1; }
grep -m1 'keyway version' setup.log
# What the subproject builds: the library only.
targets=$(meson introspect build --targets | python3 -c 'import json,sys; print(" ".join(sorted(t["name"] for t in json.load(sys.stdin))))')
echo "targets: $targets"
case " $targets " in
  *" test_"*|*" keyway-bench "*|*" fuzz_"*|*" in_memory_call "*) echo "FAIL the subproject builds more than the library"; exit 1 ;;
esac
ninja -C build >build.log 2>&1 || { tail -30 build.log; echo "FAIL build"; exit 1; }
./build/call >out.txt 2>&1 || { cat out.txt; echo "FAIL the consumer program"; exit 1; }
tail -2 out.txt
echo "subproject ok"
