#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The QEMU glue (host/qemu/) is QEMU code: QEMU's own scripts/checkpatch.pl,
# from the QEMU source host/build-qemu.sh unpacked into the cache, finds no
# error in it (its 80-column warnings are allowed, as in QEMU's tree).
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/ktap.sh

ktap_plan 1
cp=${PVTOOLS_CACHE:-/var/cache/pvtools}/qemu/src/scripts/checkpatch.pl
if [ ! -f "$cp" ]; then
	ktap_skip qemu-checkpatch "no QEMU source in the cache yet (host/build-qemu.sh unpacks it)"
	ktap_exit
fi
out=$(for f in host/qemu/*.c host/qemu/*.h; do
	perl "$cp" --no-tree --terse -q -f "$f" 2>&1 | grep -E '(^|: )ERROR:'
done)
if [ -z "$out" ]; then
	ktap_ok qemu-checkpatch
else
	ktap_fail qemu-checkpatch "$(echo "$out" | head -n 5 | tr '\n' ' ')"
fi
ktap_exit
