#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmhgfs.ko on the same server, share and VM as 10-fuse.sh, the same three
# cases: sequential write (64 MiB, fsync included), sequential read with
# cold caches (remount, drop_caches), metadata loop (create, stat, list,
# remove 500 files). Prints BENCH vmhgfs <case>/vmhgfs and
# RATIO vmhgfs <case>/fuse (ours / vmhgfs-fuse, higher is better).
M=/mnt/hgfs
MIB=64

now_ms() { awk '{printf "%d\n", $1 * 1000}' /proc/uptime; }
mount_ours() { mkdir -p "$M" && mount -t vmhgfs .host:/ "$M"; }
fuse_of() { awk -v c="$1" '$1 == c { print $2 }' /tmp/hgfs-bench.fuse 2>/dev/null; }
ratio() {
	f=$(fuse_of "$1")
	[ -n "$f" ] && [ "$f" -gt 0 ] &&
		echo "RATIO vmhgfs $1/fuse $(awk -v a="$2" -v b="$f" 'BEGIN { printf "%.2f", a / b }')"
}

grep -q " $M " /proc/mounts && umount "$M"
mount_ours || { echo "vmhgfs did not mount"; exit 1; }
[ -s /tmp/src ] || dd if=/dev/urandom of=/tmp/src bs=1M count=$MIB 2>/dev/null

t0=$(now_ms)
dd if=/tmp/src of="$M/data/seq" bs=1M conv=fsync 2>/dev/null || exit 1
t1=$(now_ms)
w=$((MIB * 1000 / (t1 - t0 + 1)))
echo "BENCH vmhgfs seqwrite/vmhgfs $w MiB/s"

umount "$M" && mount_ours || exit 1
sync
echo 3 >/proc/sys/vm/drop_caches
t0=$(now_ms)
dd if="$M/data/seq" of=/dev/null bs=1M 2>/dev/null || exit 1
t1=$(now_ms)
r=$((MIB * 1000 / (t1 - t0 + 1)))
echo "BENCH vmhgfs seqread/vmhgfs $r MiB/s"
cmp /tmp/src "$M/data/seq" || { echo "read back differs"; exit 1; }
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
m=$((500 * 1000 / (t1 - t0 + 1)))
echo "BENCH vmhgfs meta/vmhgfs $m files/s"
umount "$M"

ratio seqwrite $w
ratio seqread $r
ratio meta $m
