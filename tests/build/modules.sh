#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the pvtools guest modules for one kernel ABI out of the source tree
# and copies the .ko files to <outdir> (flat). Used by the test bed.
#   tests/build/modules.sh <abi> <outdir>
# Kernel lines of another Debian release (kernels.conf) build inside that
# release's root (tests/bed/release-root). The build runs in a private rsync'ed copy, $PVTOOLS_CACHE/modsrc/<abi>
# (not under <outdir>: the bed collects every .ko below <outdir>), so an
# unchanged tree costs one rsync and one no-op kbuild pass.

set -euo pipefail

abi=${1:?usage: modules.sh <abi> <outdir>}
outdir=${2:?usage: modules.sh <abi> <outdir>}
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${PVTOOLS_CACHE:-/var/cache/pvtools}
src=$cache/modsrc/$abi
log=$cache/modsrc/$abi.log

. "$root/tests/build/build.lib"

ensure_headers "$abi" >&2 || { echo "modules.sh: no headers for $abi" >&2; exit 1; }
kdir=$(headers_dir "$abi")
mkdir -p "$src" "$outdir"

# Serialise concurrent builds for the same ABI.
exec 9>"$cache/modsrc/$abi.lock"
flock 9

changed=$(sync_tree "$root" "$src")
stamp=$src/.pvtools-built
# Nothing copied and the last build succeeded against these headers: done.
if [ -n "$changed" ] || [ ! -e "$stamp" ] || [ "$kdir/Makefile" -nt "$stamp" ]; then
	rm -f "$stamp"
	if ! kmake "$abi" "$src" -j"$(nproc)" PVTOOLS_TESTMODS=1 modules >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		echo "modules.sh: build for $abi failed (log: $log)" >&2
		exit 1
	fi
	touch "$stamp"
fi

n=0
while IFS= read -r -d '' ko; do
	dest=$outdir/$(basename "$ko")
	cmp -s "$ko" "$dest" || cp -f "$ko" "$dest"
	n=$((n + 1))
done < <(find "$src" -name '*.ko' -print0)
if [ "$n" -eq 0 ]; then
	echo "modules.sh: build for $abi produced no .ko" >&2
	exit 1
fi
