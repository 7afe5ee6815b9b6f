#!/usr/bin/env bash
# Debian's OpenBLAS for the PyTorch peer, without installing it system-wide (issue 7, part 1e).
# python3-torch links libblas.so.3, which resolves to the slow reference BLAS unless OpenBLAS is
# the system alternative; unpacking libopenblas0-pthread into a cache folder and putting that folder
# on LD_LIBRARY_PATH gives torch OpenBLAS for this process tree only and leaves the machine alone.
#
# Usage: bench/peer/openblas.sh [CACHE_DIR]   (default ${QUSOP_PEER_CACHE:-$HOME/.cache/qusop-peer})
# Prints ONE line on stdout: the folder holding libblas.so.3 and libopenblas.so.0. Idempotent: a
# complete earlier unpack is reused; apt's chatter goes to stderr.
set -euo pipefail

pkg=libopenblas0-pthread
cache="${1:-${QUSOP_PEER_CACHE:-$HOME/.cache/qusop-peer}}"
root="$cache/$pkg"

# The unpacked library folder under $1, or nothing; ldd proves its dependencies (libgfortran5) resolve.
usable_dir() {
  local lib
  lib=$(find "$1" -name libopenblas.so.0 -print -quit 2>/dev/null || true)
  [ -n "$lib" ] || return 0
  local dir
  dir=$(dirname "$lib")
  [ -e "$dir/libblas.so.3" ] || return 0
  if ldd "$lib" | grep -q 'not found'; then
    echo "openblas.sh: $lib has unresolved dependencies:" >&2
    ldd "$lib" | grep 'not found' >&2
    exit 1
  fi
  echo "$dir"
}

dir=$(usable_dir "$root")
if [ -n "$dir" ]; then
  echo "$dir"
  exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/.unpack.XXXXXX")
trap 'rm -rf "$work"' EXIT
# apt drops privileges to _apt for downloads; let it write into the work folder.
chmod 0777 "$work"

download() { (cd "$work" && apt-get download -q "$pkg" >&2); }
if ! download; then
  # A fresh machine may have no package lists yet; refresh them once if we may.
  if [ "$(id -u)" = 0 ]; then
    echo "openblas.sh: apt-get download $pkg failed; running apt-get update and retrying" >&2
    apt-get update -qq >&2
    download
  else
    echo "openblas.sh: apt-get download $pkg failed (not root, so no apt-get update was tried)" >&2
    exit 1
  fi
fi

debs=("$work"/"$pkg"_*.deb)
[ -f "${debs[0]}" ] || { echo "openblas.sh: apt-get download left no $pkg .deb in $work" >&2; exit 1; }
mkdir "$work/tree"
dpkg -x "${debs[0]}" "$work/tree"
dir=$(usable_dir "$work/tree")
[ -n "$dir" ] || { echo "openblas.sh: ${debs[0]} holds no libopenblas.so.0 beside libblas.so.3" >&2; exit 1; }

# Publish atomically: a concurrent run either sees no folder or a complete one.
if ! mv -T "$work/tree" "$root" 2>/dev/null; then
  [ -d "$root" ] || { echo "openblas.sh: could not move the unpacked tree to $root" >&2; exit 1; }
fi
dir=$(usable_dir "$root")
[ -n "$dir" ] || { echo "openblas.sh: $root is incomplete; remove it and run again" >&2; exit 1; }
echo "$dir"
