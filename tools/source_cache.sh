# SPDX-License-Identifier: Apache-2.0
# Sourced by the scripts that build from source what the test command needs
# (mbedTLS 3.6 for the host, instrumented for fuzzing, cross-built for the
# Cortex-M4; wolfSSL with DTLS 1.3), with the fetch of a Debian trixie source
# package they share (keyway_trixie_source, below): a cache outside the
# clone, so that a fresh clone does not build them again. Where: $KEYWAY_CACHE_DIR, default ${XDG_CACHE_HOME:-~/.cache}/keyway.
# An entry is a directory holding a keyway-stamp file; it is used only when the
# stamp's first line is exactly what the caller asks for (its cache key), so a
# change of version, compiler, flags or configuration builds afresh.
keyway_cache_root="${KEYWAY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/keyway}"

# keyway_cache_restore NAME STAMP DEST: DEST becomes a copy of the cached NAME
# when that entry's stamp starts with the line STAMP; returns 1 otherwise.
keyway_cache_restore() {
  local entry="$keyway_cache_root/$1" dest=$3
  [ -f "$entry/keyway-stamp" ] || return 1
  [ "$(head -1 "$entry/keyway-stamp")" = "$2" ] || return 1
  rm -rf "$dest" "$dest.cache-tmp" && mkdir -p "$(dirname "$dest")" || return 1
  cp -a "$entry" "$dest.cache-tmp" && mv "$dest.cache-tmp" "$dest" || { rm -rf "$dest.cache-tmp"; return 1; }
  echo "restored $dest from the cache ($entry)" >&2
}

# keyway_cache_store NAME DIR: DIR (with its keyway-stamp) becomes the cached
# NAME. Never fails the caller: a read-only or full disk only loses the cache.
keyway_cache_store() {
  local entry="$keyway_cache_root/$1" tmp
  mkdir -p "$keyway_cache_root" 2>/dev/null || return 0
  tmp=$(mktemp -d "$keyway_cache_root/.tmp.XXXXXX" 2>/dev/null) || return 0
  if cp -a "$2/." "$tmp/" 2>/dev/null; then
    rm -rf "$entry" && mv "$tmp" "$entry" || rm -rf "$tmp"
  else
    rm -rf "$tmp"
  fi
  return 0
}

# keyway_prefix_cached LIB NAME STAMP PREFIX: true when PREFIX holds a build
# whose stamp starts with the line STAMP (and has the file PREFIX/LIB), or
# when one is restored from the cached NAME.
keyway_prefix_cached() {
  { [ -f "$4/$1" ] && [ "$(head -1 "$4/keyway-stamp" 2>/dev/null)" = "$3" ]; } || keyway_cache_restore "$2" "$3" "$4"
}

# keyway_prefix_store NAME STAMP PREFIX SRC: stamps the build in PREFIX (first
# line STAMP, the cache key; second the Debian version built from SRC) and
# stores it as the cached NAME.
keyway_prefix_store() {
  printf '%s\nbuilt %s\n' "$2" "$(head -1 "$4/debian/changelog")" >"$3/keyway-stamp"
  keyway_cache_store "$1" "$3"
}

keyway_trixie_list=/etc/apt/sources.list.d/keyway-trixie-src.list

# keyway_trixie_source PACKAGE MARKER SERIES TOP: the source tree of Debian
# trixie's PACKAGE at $version, unpacked with Debian's patches applied
# (apt-get source, which runs dpkg-source -x) under TOP/src, or restored from
# the cache (entry PACKAGE-source-$version, stored after a fetch). MARKER is a
# file every whole tree has (a tree without it, left half-unpacked by an
# interrupted run, is unpacked again). When trixie no longer carries $version,
# the newest version of the same SERIES (a version prefix: "3.6.", "5.") is
# used and the output says which. The deb-src line for trixie is added in its own apt list
# ($keyway_trixie_list) if missing; no binary package is ever taken from trixie.
# Sets $src (and $version when it falls back); prints "PACKAGE source: $src".
keyway_trixie_source() {
  local package=$1 marker=$2 series=$3 top=$4 sudo="" found
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  if [ ! -f "$keyway_trixie_list" ]; then
    echo "adding $keyway_trixie_list (deb-src only)"
    echo "deb-src http://deb.debian.org/debian trixie main" | $sudo tee "$keyway_trixie_list" >/dev/null || return 1
    $sudo apt-get update -qq >/dev/null || { echo "apt-get update failed" >&2; return 1; }
  fi
  mkdir -p "$top/src"
  src="$top/src/$package-${version%%-*}"
  [ -f "$src/keyway-stamp" ] || keyway_cache_restore "$package-source-$version" "$package source $version" "$src" || true
  [ -f "$src/debian/changelog" ] && [ -f "$src/$marker" ] || rm -rf "$src"
  if [ ! -d "$src" ]; then
    has_version() { apt-cache showsrc "$package" 2>/dev/null | grep -q "^Version: $1\$"; }
    has_version "$version" || $sudo apt-get update -qq >/dev/null
    if ! has_version "$version"; then
      found=$(apt-cache showsrc "$package" 2>/dev/null | sed -n "s/^Version: \\($(echo "$series" | sed 's/\./\\./g').*\\)\$/\\1/p" \
                | sort -V | tail -1)
      if [ -z "$found" ]; then echo "no $package ${series}x source package in trixie" >&2; return 1; fi
      echo "$package $version not found; using trixie's $found"
      version=$found
      src="$top/src/$package-${version%%-*}"
    fi
    rm -rf "$src"
    (cd "$top/src" && apt-get source -qq "$package=$version" >"$top/source.log" 2>&1) \
      || { cat "$top/source.log"; echo "apt-get source $package=$version failed" >&2; return 1; }
    [ -f "$src/$marker" ] || { echo "no source tree $src after apt-get source" >&2; return 1; }
    echo "$package source $version" >"$src/keyway-stamp"
    keyway_cache_store "$package-source-$version" "$src"
  fi
  echo "$package source: $src"
}
