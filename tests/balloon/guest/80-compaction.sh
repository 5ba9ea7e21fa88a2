#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Memory compaction migrates 4K balloon pages: each move unlocks the old frame
# and locks the new one, so the host's count stays equal to the guest's.
. "$PVBED_DIR/balloon.lib"

migrated() { sed -n 's/^balloon_migrate \([0-9]*\)$/\1/p' /proc/vmstat; }

hset caps 38 && renegotiate
set_target_mib 256
ktap_check inflated-4k wait_target 256
m0=$(migrated)
echo 1 > /proc/sys/vm/compact_memory
sleep 2
m1=$(migrated)
echo "# balloon_migrate $m0 -> $m1"
ktap_check pages-migrated sh -c "[ $m1 -gt $m0 ]"
g=$(guest_current)
ktap_check host-count-unchanged sh -c "[ $g = $(locked) ] && [ $g -ge $((256 * FPM)) ]"
ktap_check back-to-0 back_to_zero
hset caps 46
ktap_check renegotiate-default-caps renegotiate
ktap_check no-oom no_oom
ktap_exit
