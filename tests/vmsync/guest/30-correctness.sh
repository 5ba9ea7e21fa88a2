#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Each filesystem is frozen once however it is named, unfreezable ones are
# skipped and reported, someone else's freeze is refused without freezing
# anything, mount ids work, and bad callers get errors, not oopses.
. "$PVBED_DIR/vmsync.lib"
ktap_plan 15

setup_fs

ktap_check duplicates-freeze-once vmsync_ctl F "$E:$E:$E/lost+found:$X:$X/" Q 2 T Q 0

mount --bind $E /mnt/bind
bind_once() {
	ctl X "$E,/mnt/bind" Q 1 T Q 0 && grep -q 'target 1: duplicate' /tmp/ctl.out
}
ktap_check bind-mount-freezes-once bind_once
umount /mnt/bind

skip_rule() {
	ctl X "/tmp,/proc,$E" Q 1 T && grep -q 'target 0: skipped error=95 .*fstype=tmpfs' /tmp/ctl.out &&
		grep -q 'target 1: skipped .*fstype=proc' /tmp/ctl.out &&
		grep -q 'target 2: frozen .*fstype=ext4' /tmp/ctl.out
}
ktap_check unfreezable-skipped-and-reported skip_rule
ktap_check classic-skip-rule vmsync_ctl F "/tmp:/proc:/sys:$E" Q 1 T Q 0

fsfreeze_busy() {
	/sbin/fsfreeze -f $X || return 1
	ctl E EBUSY X "$E,$X" Q 0
	rc=$?
	grep -q 'target 1: failed error=16' /tmp/ctl.out || rc=1
	writable $E || rc=1
	/sbin/fsfreeze -u $X
	return $rc
}
ktap_check frozen-by-fsfreeze-ebusy-nothing-frozen fsfreeze_busy

other_fd() {
	hold /tmp/o.out F $E H || return 1
	vmsync_ctl E EBUSY F "$X:$E" Q 1
	rc=$?
	kill $HOLDER
	wait $HOLDER 2>/dev/null
	return $rc
}
ktap_check held-by-other-file-ebusy other_fd
ktap_check same-file-again-is-held vmsync_ctl F $E F "$E:$X" Q 2 T Q 0

mnt_id() {
	id=$(awk -v m=$E '$5 == m { print $1 }' /proc/self/mountinfo)
	ctl M "$id" Q 1 L T Q 0 && grep -q "^  $E mnt_id=$id " /tmp/ctl.out &&
		vmsync_ctl E ENOENT M 999999
}
ktap_check freeze-by-mount-id mnt_id
ktap_check ext-interface-on-dev-node vmsync_ctl -n /dev/vmsync X "$E" S C frozen=1 T Q 0

ktap_check non-root-eperm vmsync_ctl -U 65534 E EPERM F $E E EPERM T E EPERM X $E Q 0
ktap_check non-root-no-dev-node sh -c "! vmsync_ctl -U 65534 -n /dev/vmsync Q 0"
ktap_check bad-pointers-efault vmsync_ctl B Q 0
ktap_check path-list-too-long vmsync_ctl E ENAMETOOLONG F "$(printf '%070000d' 0)"
ktap_check missing-path-enoent vmsync_ctl E ENOENT F "$E:/nonexistent" Q 0
no_oops() { ! dmesg | grep -E 'BUG|Oops|WARNING|general protection'; }
ktap_check no-oops no_oops
ktap_exit
