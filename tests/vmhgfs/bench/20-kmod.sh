#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmhgfs.ko on the same server, share and VM as 10-fuse.sh, the same three
# cases. Prints BENCH vmhgfs <case>/vmhgfs and RATIO vmhgfs <case>/fuse
# (ours / vmhgfs-fuse, higher is better).
. "$PVBED_DIR/cases.lib"
M=/mnt/hgfs

mount_ours() { mkdir -p "$M" && mount -t vmhgfs .host:/ "$M"; }
remount() { umount "$M" && mount_ours; }

grep -q " $M " /proc/mounts && umount "$M"
mount_ours || { echo "vmhgfs did not mount"; exit 1; }
run_cases vmhgfs "$M/data" remount || exit 1
umount "$M"
ratios vmhgfs fuse
