#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Host reset in the middle of a 4K batched inflation: the guest drops its
# balloon without UNLOCK, starts a new session and reaches the target again.
. "$PVBED_DIR/balloon.lib"
ktap_need_hostctl
ktap_plan 6

# 4K batches only, so inflating 512 MiB takes hundreds of commands.
hset caps 38 && renegotiate
hset cmd-log ""
# The 101st batched lock of this inflation answers RESET: 100 batches in.
hset force-status "6 7 100"
set_target_mib 512
ktap_check reinflates-after-reset wait_target 512
ktap_check reset-landed-mid-inflate sh -c 'hostctl get balloon cmd-log | tr " " "\n" | grep -qx "6:7"'
resets=$(hget host-resets)
ktap_check host-reset-counted sh -c "[ $resets -ge 2 ]"

# Between the RESET status and the next START: no unlock of any kind.
no_unlock_after_reset() {
	hget cmd-log | tr ' ' '\n' | awk -F: '
		$2 == "7" { pending = 1 }
		pending && ($1 == "3" || $1 == "7" || $1 == "9") { bad = 1 }
		$1 == "0" { if (pending) seen = 1; pending = 0 }
		END { exit !(seen && !bad) }'
}
ktap_check no-unlock-between-reset-and-start no_unlock_after_reset
ktap_check back-to-0 back_to_zero
hset caps 46
ktap_check renegotiate-default-caps renegotiate
ktap_exit
