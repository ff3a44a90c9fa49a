#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 13: `meson install --destdir` installs exactly the library (static and
# shared), the headers under keyway/ and keyway.pc; a program outside the tree
# builds against that copy with `pkg-config --cflags --libs keyway` and runs.
# The program is examples/in_memory_call.cpp: a whole call on public headers only.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -eu
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d /tmp/keyway-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
stage="$work/stage"

meson install -C "$build" --no-rebuild --quiet --destdir "$stage" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; echo "FAIL meson install"; exit 1; }

# Exactly the library, headers and keyway.pc: anything else is a packaging bug.
(cd "$stage" && find . -type f -o -type l | sed 's|^\./||' | sort) >"$work/files"
unexpected=$(grep -vE '/include/keyway/.+\.(hpp|h)$|/libkeyway\.(a|so(\.[0-9]+)*)$|/pkgconfig/keyway\.pc$' "$work/files" || true)
if [ -n "$unexpected" ]; then echo "FAIL installed files other than library, headers, keyway.pc:"; echo "$unexpected"; exit 1; fi
for want in 'include/keyway/peer/connection.hpp' 'include/keyway/version.hpp' 'libkeyway.a' 'libkeyway.so' 'pkgconfig/keyway.pc'; do
  grep -q "$want\$" "$work/files" || { echo "FAIL not installed: $want"; exit 1; }
done
echo "installed $(wc -l <"$work/files") files: library, $(grep -c '/include/keyway/' "$work/files") headers, keyway.pc"

# pkg-config against the staged copy: the sysroot maps the .pc's prefix into the stage.
pcdir=$(dirname "$(grep '/pkgconfig/keyway.pc$' "$work/files")")
export PKG_CONFIG_PATH="$stage/$pcdir" PKG_CONFIG_SYSROOT_DIR="$stage"
flags=$(pkg-config --cflags --libs keyway)
echo "pkg-config --cflags --libs keyway: $flags"
mkdir "$work/outside" && cp "$src/examples/in_memory_call.cpp" "$work/outside/main.cpp"
cd "$work/outside"
# shellcheck disable=SC2086  # flags are words
c++ -std=c++20 -o call main.cpp $flags
libdir=$(pkg-config --libs-only-L keyway | sed 's/^ *-L//; s/ *$//')
LD_LIBRARY_PATH="$libdir" ./call >out.txt 2>&1 || { cat out.txt; echo "FAIL the outside program"; exit 1; }
tail -2 out.txt
# The same program linked statically against libkeyway.a.
c++ -std=c++20 -o call-static main.cpp $(pkg-config --cflags keyway) "$libdir/libkeyway.a" -lmbedcrypto
./call-static >out-static.txt 2>&1 || { cat out-static.txt; echo "FAIL the outside program (static)"; exit 1; }
ldd ./call | grep -q libkeyway.so || { echo "FAIL ./call does not use libkeyway.so"; exit 1; }
echo "install ok"
