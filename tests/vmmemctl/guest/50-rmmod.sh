#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Unloading the driver while inflated gives every page back to the guest and
# leaves the host holding nothing; reloading resumes ballooning.
. "$PVBED_DIR/balloon.lib"
ktap_need_hostctl
ktap_plan 8

set_target_mib 512
ktap_check inflated wait_target 512
free0=$(mem_free_kib)
hset cmd-log ""
rmmod "$DRIVER"
ktap_check host-holds-nothing sh -c '[ "$(hostctl get balloon locked-pages)" = 0 ]'
ktap_check guest-memory-back sh -c "[ $(mem_free_kib) -gt $((free0 + 400 * 1024)) ]"

# Ours unlocks everything and then ends the session with START(0).
unlocked_then_start() {
	hget cmd-log | tr ' ' '\n' | awk -F: '
		($1 == "7" || $1 == "9") && $2 == "0" { unlocked = 1 }
		$1 == "0" { start = unlocked }
		END { exit !start }'
}
if [ "$DRIVER" = vmmemctl ]; then
	ktap_check unlocks-then-ends-session unlocked_then_start
else
	ktap_skip unlocks-then-ends-session "vmmemctl's own order; the in-tree driver's is not specified"
fi

s=$(hget starts)
modprobe "$DRIVER"
ktap_check reload-reinflates wait_target 512
ktap_check new-session sh -c "[ \$(hostctl get balloon starts) -gt $s ]"
ktap_check back-to-0 back_to_zero
ktap_check no-oom no_oom
ktap_exit
