#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The server's fault switches seen by vmhgfs-fuse: an operation under a
# fault fails within a bounded time instead of succeeding with bad data,
# and once the fault is cleared the server serves again. vmhgfs-fuse
# downgrades an operation to V2/V1 for good after a reply it cannot parse
# (EPROTO), which this server does not offer, so each fault gets a fresh
# mount and "usable" is checked on a fresh mount too; whether the faulted
# mount itself recovered is printed as a diagnostic. A share removed while
# mounted disappears and comes back on the same mount.
. "$PVBED_DIR/hgfs.lib"
ktap_need_hostctl
ktap_plan 7 model

usable() { [ "$(cat "$M/data/hello.txt")" = "hello from the host" ]; }

unmount() {
	umount "$M" 2>/dev/null || umount -l "$M"
	wait_for 10 sh -c '! pidof vmhgfs-fuse >/dev/null'
}

remount() { unmount; mount_fuse; }

# Under FAULT, a lookup of a fresh name (nothing cached) must not succeed.
fault_case() {
	remount || return 1
	hostctl set hgfs fault "$1" || return 1
	# (ktap_check runs this in a subshell: a counter would not advance.)
	if timeout -s KILL 30 stat "$M/data/fresh-$1" >/dev/null 2>&1; then
		hostctl set hgfs fault none
		echo "lookup succeeded under fault $1"
		return 1
	fi
	hostctl set hgfs fault none
	[ "$(hostctl get hgfs fault)" = none ] || return 1
	if wait_for 5 usable; then
		echo "# fault $1: the same vmhgfs-fuse mount recovered" >&2
	else
		echo "# fault $1: this vmhgfs-fuse mount stayed broken (sticky downgrade)" >&2
	fi
	remount && usable
}

share_removed() {
	: >"$M/data/kept" &&
		hostctl set hgfs removed-shares data &&
		wait_for 20 sh -c "! ls '$M/data/kept' >/dev/null 2>&1" &&
		[ "$(ls "$M")" = ro ] &&
		[ "$(hostctl get hgfs removed-shares)" = data ] &&
		hostctl set hgfs removed-shares "" &&
		wait_for 20 test -e "$M/data/kept" && usable
}

mount_check
fuse_check share-removed-while-mounted share_removed
for f in silent wrong-status wrong-id truncate overlength; do
	fuse_check "fault-$f" fault_case "$f"
done
unmount
ktap_exit
