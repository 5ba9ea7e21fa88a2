#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmhgfs.ko against the server's fault switches: under each fault a fresh
# lookup fails with EIO within a bounded time (pvcore's rpc_timeout_ms for
# a silent host) instead of succeeding with bad data; a task waiting on a
# silent host dies on SIGKILL; the same mount works again once the fault
# is cleared; a share removed while mounted disappears and comes back.
. "$PVBED_DIR/hgfs.lib"
ktap_need_hostctl
ktap_plan 9

usable() { [ "$(cat "$M/data/hello.txt")" = "hello from the host" ]; }
now() { cut -d. -f1 /proc/uptime; }

fault_case() {
	hostctl set hgfs fault "$1" || return 1
	t0=$(now)
	e=$(err_of timeout -s KILL 30 stat "$M/data/fresh-$1")
	t1=$(now)
	hostctl set hgfs fault none
	echo "fault $1: '$e' after $((t1 - t0)) s"
	case $e in *"Input/output error"*) ;; *) return 1 ;; esac
	[ $((t1 - t0)) -le 15 ] || return 1
	echo "fault now: $(hostctl get hgfs fault)"
	[ "$(hostctl get hgfs fault)" = none ] || return 1
	wait_for 5 usable || { echo "after: $(cat "$M/data/hello.txt" 2>&1)"; return 1; }
}

# A reader stuck on a host that never answers is killable.
killable() {
	hostctl set hgfs fault silent || return 1
	stat "$M/data/fresh-kill" >/dev/null 2>&1 &
	pid=$!
	sleep 1
	kill -9 $pid
	t0=$(now)
	wait_for 3 sh -c "! kill -0 $pid 2>/dev/null"
	rc=$?
	hostctl set hgfs fault none
	wait $pid 2>/dev/null
	[ $rc = 0 ] && wait_for 5 usable
}

share_removed() {
	: >"$M/data/kept" &&
		hostctl set hgfs removed-shares data &&
		wait_for 20 sh -c "! ls '$M/data/kept' >/dev/null 2>&1" &&
		[ "$(ls "$M")" = ro ] &&
		hostctl set hgfs removed-shares "" &&
		wait_for 20 test -e "$M/data/kept" && usable
}

mount_check
for f in silent wrong-status wrong-id truncate overlength; do
	fuse_check "fault-$f-eio" fault_case "$f"
done
fuse_check silent-host-task-killable killable
fuse_check share-removed-while-mounted share_removed
ktap_check no-oops sh -c '! dmesg | grep -E "BUG|Oops|WARNING|general protection"'
umount "$M"
ktap_exit
