#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# stress-ng's file system stressors on the vmhgfs mount, one at a time for a
# bounded time, with --verify where a stressor checks data: hdd (writes and
# reads back), dir and dentry (directory and name churn), rename, symlink,
# seek, fstat, and iomix (mixed I/O). Each must pass (exit 0, "successful
# run completed"); a stressor that skips itself is `not ok`, with its
# reason; no oops after.
# hdd found that fstat and ftruncate of an open file after its unlink asked
# the host by name (ENOENT); they now use what is known and the handle.
. "$PVBED_DIR/hgfs.lib"
ktap_need_hostctl
STRESSORS="hdd dir dentry rename symlink seek fstat iomix"
# mount, stress-dir, one per stressor, no-oops
ktap_plan 11

mount_check
S="$M/data/stress"
fuse_check stress-dir mkdir -p "$S"

# stress_one NAME: stress-ng --NAME 1 on $S for 5 s. -v: without a terminal
# stress-ng prints nothing else; its verdict is the exit status and the
# "successful run completed" line, and no stressor may fail or skip itself.
stress_one() {
	out=$(cd "$S" && stress-ng --temp-path "$S" --"$1" 1 --verify --timeout 5s -v 2>&1)
	rc=$?
	echo "$out" | grep -E "metrc: .* $1 |fail:|skipp|successful run" | head -n 6
	[ $rc = 0 ] || echo "exit $rc; $(echo "$out" | tail -n 4)"
	[ $rc = 0 ] && echo "$out" | grep -q "successful run completed" &&
		! echo "$out" | grep -qE "fail:|skipping|skipped: [1-9]|failed: [1-9]"
}

for s in $STRESSORS; do
	fuse_check "stress-ng-$s" stress_one "$s"
done
ktap_check no-oops sh -c '! dmesg | grep -E "BUG|Oops|WARNING|general protection"'
# The bed's leak check (debug line) unloads vmhgfs after the scripts.
rm -rf "$S"
umount "$M"
ktap_exit
