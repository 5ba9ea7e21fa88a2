#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Memory compaction migrates 4K balloon pages: each move unlocks the old frame
# and locks the new one, so the host's count stays equal to the guest's.
. "$PVBED_DIR/balloon.lib"
ktap_need_hostctl
ktap_plan 6

migrated() { sed -n 's/^balloon_migrate \([0-9]*\)$/\1/p' /proc/vmstat; }

inflate_fragmented_4k
# Where the allocator put the pages decides how many move in one pass, so
# compaction gets several tries, with more page-cache churn between them; a
# balloon that never lets one page migrate (a broken migration hook) fails.
m0=$(migrated)
tries=0
while [ $tries -lt 6 ]; do
	tries=$((tries + 1))
	if [ $tries -gt 1 ]; then
		mount -t tmpfs -o size=50% tmpfs /mnt/c
		dd if=/dev/zero of=/mnt/c/c bs=1M count=100 2>/dev/null
		umount /mnt/c
	fi
	echo 1 > /proc/sys/vm/compact_memory
	sleep 2
	m1=$(migrated)
	[ "$m1" -gt "$m0" ] && break
done
echo "# balloon_migrate $m0 -> $m1 after $tries compaction(s)"
ktap_check pages-migrated [ "$m1" -gt "$m0" ]
g=$(guest_current)
ktap_check host-count-unchanged sh -c "[ $g = $(locked) ] && [ $g -ge $((256 * FPM)) ]"
ktap_check back-to-0 back_to_zero
hset caps 46
ktap_check renegotiate-default-caps renegotiate
ktap_check no-oom no_oom
ktap_exit
