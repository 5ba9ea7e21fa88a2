#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A FREEZE on the same file while the auto-thaw thaws that file's
# filesystems: the ones being thawed are not "held", and the new freeze
# does not hide the auto-thaw from THAW. The first filesystem of a freeze is
# thawed last, so several ext4s in front of it keep it in the window; the
# tool freezes it again (with a new one) as soon as STATUS shows the
# auto-thaw took the file's entries.
. "$PVBED_DIR/vmsync.lib"
ktap_plan 5

small_ext4() {
	dd if=/dev/zero of="/tmp/race$1.img" bs=1M count=0 seek=16 2>/dev/null
	dev=$(losetup -f) && losetup "$dev" "/tmp/race$1.img" &&
		/sbin/mke2fs -q -t ext4 -F -E lazy_itable_init=0,lazy_journal_init=0,nodiscard \
			"$dev" && mkdir -p "/mnt/race$1" && mount -t ext4 "$dev" "/mnt/race$1" &&
		echo "$dev" >> /tmp/race.devs
}

: > /tmp/race.devs
ok=1
for i in 0 1 2 3 4; do small_ext4 $i || ok=0; done
no_oops() { ! dmesg | grep -E 'BUG|Oops|WARNING|general protection|list_del corruption'; }
if [ $ok = 0 ]; then
	ktap_fail race-setup "could not make the five loop ext4 filesystems"
	for t in autothaw-race-not-held nothing-left-frozen all-writable; do
		ktap_skip $t "no race-setup"
	done
	ktap_check no-oops no_oops
	ktap_exit
fi
ktap_ok race-setup
# Dirty data on each, so each thaw has a superblock to write.
for i in 0 1 2 3; do echo x > /mnt/race$i/f; done
if out=$(vmsync_ctl R /mnt/race0,$E,$X,/mnt/race1,/mnt/race2,/mnt/race3,$L /mnt/race4 40 2>&1); then
	ktap_ok autothaw-race-not-held
else
	ktap_fail autothaw-race-not-held "$(echo "$out" | grep FAIL | head -n 1)"
fi
echo "$out" | grep "^race:" | sed "s/^/# /"
echo "$out" | grep FAIL | head -n 5 | sed "s/^/# /"
ktap_check nothing-left-frozen vmsync_ctl Q 0
ktap_check all-writable sh -c "timeout 5 sh -c 'for i in 0 1 2 3 4; do echo y > /mnt/race\$i/f || exit 1; done'"
for i in 0 1 2 3 4; do umount /mnt/race$i; done
while read -r dev; do losetup -d "$dev"; done < /tmp/race.devs
rm -f /tmp/race?.img
ktap_check no-oops no_oops
ktap_exit
