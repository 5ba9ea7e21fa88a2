#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Two host answers a review found mishandled. (1) A single-page LOCK or
# UNLOCK answered "success with capabilities" (0x03000000, which only START
# may answer) is not a success: an UNLOCK taken as one frees a page the host
# still holds. (2) Compaction whose UNLOCK the host refuses puts the page
# back through the kernel's putback, which alone decrements the isolated
# count: the driver must not decrement it too.
. "$PVBED_DIR/balloon.lib"
ktap_need_hostctl
ktap_plan 10

CAPS_STATUS=50331648
isolated() { sed -n 's/^isolated *: *\([0-9]*\)$/\1/p' /sys/kernel/debug/vmmemctl; }
# Failed unlock commands (single and batched) so far.
unlock_failed() {
	sed -n 's/^\(unlock\|batchUnlock\) *: *[0-9]* (\([0-9]*\) failed)$/\2/p' \
		/sys/kernel/debug/vmmemctl | awk '{ n += $1 } END { print n + 0 }'
}
counts_equal() {
	g=$(guest_current) h=$(locked)
	[ "$g" = "$h" ] || { echo "guest holds $g frames, host $h"; return 1; }
}

# (1) Single-page commands only (BASIC | 64BIT_TARGET).
hset caps 34 && renegotiate
hset force-status "2 $CAPS_STATUS 100"
set_target_mib 16
ktap_check single-inflated wait_target 16 60
sleep 1
ktap_check lock-with-caps-is-no-success counts_equal
hset force-status "3 $CAPS_STATUS 100"
set_target_mib 0
ktap_check unlock-with-caps-is-no-success wait_locked 0 0 60
ktap_check single-counts-equal counts_equal

# (2) 4K batches (BASIC | BATCHED | 64BIT_TARGET), as 80-compaction.sh.
inflate_fragmented_4k
f0=$(unlock_failed)
hset fault busy
echo 1 > /proc/sys/vm/compact_memory
sleep 2
hset fault none
f1=$(unlock_failed)
echo "# unlocks refused during compaction: $((f1 - f0)), isolated now: $(isolated)"
if [ "$f1" -gt "$f0" ]; then
	ktap_check isolated-count-back-to-0 sh -c "[ '$(isolated)' = 0 ]"
else
	ktap_skip isolated-count-back-to-0 "compaction tried no balloon page this time"
fi
ktap_check compaction-counts-equal counts_equal
ktap_check back-to-0 back_to_zero
hset caps 46
ktap_check renegotiate-default-caps renegotiate
ktap_check no-oom no_oom
ktap_exit
