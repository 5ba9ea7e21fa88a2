#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# QEMU stopped for 10 s (a descheduled or suspended guest): the guest clock
# stood still, the host's did not; chrony steps it back in line.
. "$PVBED_DIR/time.lib"
ktap_need_hostctl
ktap_plan 3

PAUSE_S=10

paused() {
	chrony_running || chrony_start || return 1
	before=$(timecmp offset) || return 1
	hostctl pause $PAUSE_S || return 1
	after=$(timecmp offset) || return 1
	echo "before: $before; after: $after"
	# Behind by the pause: at least 9 s (chrony may already be stepping).
	fle "$(kv offset_us "$after")" -9000000
}

ktap_measure guest-behind-after-pause paused
ktap_measure converges-after-pause converges
ktap_measure holds-after-pause holds
ktap_exit
