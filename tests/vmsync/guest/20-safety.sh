#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A freeze never outlives its owner: closing the file, kill -9 of the
# holder and the auto-thaw timeout all thaw (the last one loudly, and the
# host hears of it); a failure part-way thaws what was frozen.
. "$PVBED_DIR/vmsync.lib"
ktap_need_hostctl
ktap_plan 9

setup_fs

ktap_check close-thaws sh -c "vmsync_ctl F '$E:$X:$L' Q 3 && vmsync_ctl Q 0 && timeout 5 sh -c 'echo x > $E/after-close'"

kill9() {
	hold /tmp/k.out F "$E:$X:$L" H || return 1
	vmsync_ctl Q 3 || return 1
	start_write $X
	write_blocked || return 1
	kill -9 $HOLDER
	wait $HOLDER 2>/dev/null
	write_done && vmsync_ctl Q 0
}
ktap_check kill-9-of-holder-thaws kill9

# 5 s: a freeze of two filesystems can take a second or more on a loaded
# TCG host, and the timer runs from the start of the FREEZE call.
autothaw() {
	echo 5000 > /sys/module/vmsync/parameters/autothaw_ms
	rm -f /tmp/go2
	mark=$(dmesg | wc -l)
	hold /tmp/a.out F "$E:$X" S C timeout_ms=5000 P /tmp/go2 S C autothawed=1 C frozen=0 E ETIMEDOUT T T || return 1
	start_write $E
	wait_query 0 || { echo "still frozen"; return 1; }
	write_done || { echo "writer still blocked"; return 1; }
	touch /tmp/go2
	wait $HOLDER || { grep -v ': ok$' /tmp/a.out; return 1; }
	dmesg | tail -n +$((mark + 1)) | grep 'vmsync: AUTO-THAW after 5000 ms: thawed 2 ' ||
		{ echo "no log line"; return 1; }
}
ktap_check autothaw-fires autothaw
echo 30000 > /sys/module/vmsync/parameters/autothaw_ms
host_told() { hostctl get bdoor guestinfo | grep 'vmsync.autothaw.*count=1 .*nr_fs=2'; }
ktap_check autothaw-reported-to-host host_told

# Wrong order for stacked filesystems: the loop device's backing file is on
# $E, frozen first, so freezing the loop filesystem waits for writeback
# that waits for $E. The auto-thaw (which takes no lock the stuck FREEZE
# holds) thaws $E, the stuck freeze completes, undoes itself, ETIMEDOUT.
stacked() {
	ext4_on_file $E/stack.img /mnt/stack || return 1
	vmsync_io fill /mnt/stack/data stacked-data 4096
	echo 2000 > /sys/module/vmsync/parameters/autothaw_ms
	timeout 90 vmsync_ctl E ETIMEDOUT F "$E:/mnt/stack" Q 0
	rc=$?
	echo 30000 > /sys/module/vmsync/parameters/autothaw_ms
	writable /mnt/stack && writable $E || rc=1
	umount /mnt/stack && losetup -d "$SDEV" && rm -f $E/stack.img
	return $rc
}
ktap_check stuck-freeze-ended-by-autothaw stacked

# Unloading the module closes its proc files, which thaws.
unload() {
	hold /tmp/u.out F "$E" H || return 1
	rmmod vmsync
	rc=$?
	writable $E || rc=1
	kill $HOLDER
	wait $HOLDER 2>/dev/null
	modprobe vmsync || rc=1
	return $rc
}
ktap_check rmmod-thaws unload

# An xfs that was shut down cannot freeze: the ext4 filesystems before it
# in the list were frozen and must be thawed again.
ktap_check rollback-setup shut_down_xfs /mnt/xbad
rollback() {
	ctl E EIO X "$E,$L,/mnt/xbad" Q 0 || return 1
	grep -q 'target 0: rolled-back' /tmp/ctl.out && grep -q 'target 1: rolled-back' /tmp/ctl.out &&
		grep -q 'target 2: failed error=5' /tmp/ctl.out && grep -q 'failed_index=2' /tmp/ctl.out &&
		writable $E && writable $L
}
ktap_check rollback-on-partial-failure rollback
rollback_logged() { dmesg | grep 'vmsync: freezing /mnt/xbad .* failed with -5; thawed 2 filesystems'; }
ktap_check rollback-logged rollback_logged
ktap_exit
