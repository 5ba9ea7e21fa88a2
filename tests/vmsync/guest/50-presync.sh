#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The pre-sync (presync=1): a FREEZE of several filesystems syncs them side by side
# before the first freeze, only once every target resolved and was claimed;
# its errors fail the call at the target they belong to, as freeze_super()'s
# own sync would have; a pre-sync stuck on a frozen backing filesystem is
# ended like a stuck freeze (auto-thaw, ETIMEDOUT, nothing left frozen).
. "$PVBED_DIR/vmsync.lib"
ktap_plan 14

setup_fs
PARAM=/sys/module/vmsync/parameters/presync
STATS=/sys/kernel/debug/vmsync/stats
presynced() { awk '$1 == "presynced" { print $2 }' $STATS; }

# presync_delta N STEPS...: vmsync_ctl STEPS succeeds and pre-syncs N filesystems.
presync_delta() {
	want=$1
	shift
	before=$(presynced)
	ctl "$@" || return 1
	after=$(presynced)
	[ $((after - before)) -eq "$want" ] || { echo "presynced $before -> $after, want +$want"; return 1; }
}

ktap_check params-default sh -c "grep -qx N $PARAM && grep -qx Y ${PARAM%/*}/expedite_rcu"
ktap_check freeze-without-expedite sh -c "echo 0 > ${PARAM%/*}/expedite_rcu && vmsync_ctl F '$E:$X:$L' Q 3 T Q 0; rc=\$?; echo 1 > ${PARAM%/*}/expedite_rcu; exit \$rc"
echo 1 > $PARAM
ktap_check presync-every-target presync_delta 3 F "$E:$X:$L" Q 3 T Q 0
ktap_check presync-once-per-filesystem presync_delta 2 F "$E:$E/lost+found:$X" Q 2 T Q 0
ktap_check presync-not-for-one-target presync_delta 0 F "$E" Q 1 T Q 0
ktap_check presync-only-new-claims presync_delta 0 F "$E" F "$E:$X" Q 2 T Q 0
ktap_check presync-not-after-failed-resolve presync_delta 0 E ENOENT F "$E:/nonexistent:$X" Q 0
busy() {
	hold /tmp/p.out F $X H || return 1
	presync_delta 0 E EBUSY F "$E:$L:$X" Q 1
	rc=$?
	kill $HOLDER
	wait $HOLDER 2>/dev/null
	return $rc
}
ktap_check presync-not-when-busy busy
off() {
	echo 0 > $PARAM
	presync_delta 0 F "$E:$X:$L" Q 3 T Q 0
	rc=$?
	echo 1 > $PARAM
	return $rc
}
ktap_check presync-off-by-parameter off

# A shut-down xfs last: its pre-sync fails with EIO; the two before it are
# frozen and rolled back, as without the pre-sync (checked both ways).
ktap_check shutdown-setup shut_down_xfs /mnt/xdown
failed_last() {
	echo "$1" > $PARAM
	ctl E EIO X "$E,$L,/mnt/xdown" Q 0
	rc=$?
	echo 1 > $PARAM
	[ $rc -eq 0 ] && grep -q 'target 0: rolled-back' /tmp/ctl.out &&
		grep -q 'target 1: rolled-back' /tmp/ctl.out &&
		grep -q 'target 2: failed error=5' /tmp/ctl.out && writable $E && writable $L
}
ktap_check presync-error-fails-its-target failed_last 1
ktap_check same-without-presync failed_last 0

# $E frozen by another file; a loop filesystem on it has dirty data, so its
# pre-sync waits for $E. The auto-thaw (2 s) fires meanwhile with nothing
# frozen; once $E thaws, the call ends ETIMEDOUT without freezing $X.
stuck() {
	ext4_on_file $E/pstack.img /mnt/pstack || return 1
	sync
	hold /tmp/s.out F $E H || return 1
	vmsync_io fill /mnt/pstack/data presync-stuck 1024
	mark=$(dmesg | wc -l)
	since() { dmesg | tail -n +$((mark + 1)); }
	echo 2000 > /sys/module/vmsync/parameters/autothaw_ms
	timeout 120 vmsync_ctl E ETIMEDOUT F "/mnt/pstack:$X" Q 0 > /tmp/stuck.out 2>&1 &
	stuck_pid=$!
	i=0
	until since | grep -q 'AUTO-THAW after 2000 ms: thawed 0 .*(a freeze was still in progress)'; do
		i=$((i + 1))
		[ $i -gt 150 ] && break
		sleep 0.2
	done
	rc=0
	since | grep -q 'thawed 0 .*still in progress' || { echo "no auto-thaw log"; rc=1; }
	kill -0 $stuck_pid 2>/dev/null || { echo "FREEZE was not stuck"; rc=1; }
	vmsync_ctl Q 1 || rc=1
	writable $X || { echo "$X frozen"; rc=1; }
	kill $HOLDER
	wait $HOLDER 2>/dev/null
	wait $stuck_pid || { cat /tmp/stuck.out; rc=1; }
	echo 30000 > /sys/module/vmsync/parameters/autothaw_ms
	vmsync_ctl Q 0 && writable /mnt/pstack && writable $X || rc=1
	umount /mnt/pstack && losetup -d "$SDEV" && rm -f $E/pstack.img
	return $rc
}
ktap_check stuck-presync-ended-by-autothaw stuck
echo 0 > $PARAM
# Not the kernel command line (hung_task_panic=1), which dmesg -c used to hide.
no_oops() { ! dmesg | grep -v 'ommand line:' | grep -E 'BUG|Oops|WARNING|general protection|hung_task'; }
ktap_check no-oops no_oops
ktap_exit
