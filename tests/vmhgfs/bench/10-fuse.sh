#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmhgfs-fuse on our HGFS server, one VM, one share: sequential write (64 MiB,
# fsync included), sequential read with cold caches (drop_caches, remount),
# and a metadata loop (create, stat, list, remove 500 files).
# Prints BENCH vmhgfs <case>/fuse <value> <unit> (the runner adds the kernel)
# and keeps the values in /tmp/hgfs-bench.fuse for the ratios of 20-kmod.sh.
M=/mnt/hgfs

MIB=64

now_ms() { awk '{printf "%d\n", $1 * 1000}' /proc/uptime; }

mount_fuse() {
	mkdir -p "$M" && vmhgfs-fuse .host:/ "$M" >/tmp/vmhgfs-fuse.log 2>&1 &&
		grep -q " $M fuse" /proc/mounts
}

remount() {
	umount "$M"
	while pidof vmhgfs-fuse >/dev/null; do sleep 0.2; done
	mount_fuse
}

rm -f /tmp/hgfs-bench.fuse
mount_fuse || { echo "vmhgfs-fuse did not mount"; exit 1; }
dd if=/dev/urandom of=/tmp/src bs=1M count=$MIB 2>/dev/null

t0=$(now_ms)
dd if=/tmp/src of="$M/data/seq" bs=1M conv=fsync 2>/dev/null || exit 1
t1=$(now_ms)
v=$((MIB * 1000 / (t1 - t0 + 1)))
echo "BENCH vmhgfs seqwrite/fuse $v MiB/s"
echo "seqwrite $v" >>/tmp/hgfs-bench.fuse

remount || exit 1
sync
echo 3 >/proc/sys/vm/drop_caches
t0=$(now_ms)
dd if="$M/data/seq" of=/dev/null bs=1M 2>/dev/null || exit 1
t1=$(now_ms)
v=$((MIB * 1000 / (t1 - t0 + 1)))
echo "BENCH vmhgfs seqread/fuse $v MiB/s"
echo "seqread $v" >>/tmp/hgfs-bench.fuse
rm -f "$M/data/seq"

mkdir "$M/data/meta" || exit 1
t0=$(now_ms)
i=0
while [ $i -lt 500 ]; do : >"$M/data/meta/f$i"; i=$((i + 1)); done
i=0
while [ $i -lt 500 ]; do stat "$M/data/meta/f$i" >/dev/null || exit 1; i=$((i + 1)); done
[ "$(ls "$M/data/meta" | wc -l)" = 500 ] || exit 1
rm -r "$M/data/meta" || exit 1
t1=$(now_ms)
v=$((500 * 1000 / (t1 - t0 + 1)))
echo "BENCH vmhgfs meta/fuse $v files/s"
echo "meta $v" >>/tmp/hgfs-bench.fuse
umount "$M"
