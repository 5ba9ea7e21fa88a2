#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmhgfs-fuse on our HGFS server, one VM, one share: the three cases of
# cases.lib. Prints BENCH vmhgfs <case>/fuse <value> <unit> (the runner adds
# the kernel) and keeps the values for the ratios of 20-kmod.sh.
. "$PVBED_DIR/cases.lib"
M=/mnt/hgfs

mount_fuse() {
	mkdir -p "$M" && vmhgfs-fuse .host:/ "$M" >/tmp/vmhgfs-fuse.log 2>&1 &&
		grep -q " $M fuse" /proc/mounts
}

remount() {
	umount "$M"
	while pidof vmhgfs-fuse >/dev/null; do sleep 0.2; done
	mount_fuse
}

mount_fuse || { echo "vmhgfs-fuse did not mount"; exit 1; }
run_cases fuse "$M/data" remount || exit 1
umount "$M"
