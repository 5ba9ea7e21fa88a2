#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# virtio-9p on the same host directory as the HGFS share "data" (vm.conf:
# data:9p), the same three cases: the in-tree baseline. 9P2000.L, cache=none,
# msize 512000 (virtio's largest: 125 pages; 512 KiB would be cut to it).
# Prints BENCH vmhgfs <case>/9p and RATIO vmhgfs <case>/9p (ours / 9p).
. "$PVBED_DIR/cases.lib"
N=/mnt/9p

mount_9p() {
	mkdir -p "$N" &&
		mount -t 9p -o trans=virtio,version=9p2000.L,cache=none,msize=512000 data "$N"
}
remount() { umount "$N" && mount_9p; }

if ! mount_9p; then
	echo "virtio-9p did not mount; the kernel said:"
	dmesg | grep -iE '9p|virtio' | tail -n 5
	exit 1
fi
run_cases 9p "$N" remount || exit 1
umount "$N"
ratios vmhgfs 9p
