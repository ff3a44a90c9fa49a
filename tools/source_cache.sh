# SPDX-License-Identifier: Apache-2.0
# Sourced by the scripts that build from source what the test command needs
# (mbedTLS 3.6 for the host, instrumented for fuzzing, cross-built for the
# Cortex-M4): a cache outside the clone, so that a fresh clone does not build
# them again. Where: $KEYWAY_CACHE_DIR, default ${XDG_CACHE_HOME:-~/.cache}/keyway.
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
