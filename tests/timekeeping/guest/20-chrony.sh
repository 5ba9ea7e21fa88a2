#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# chrony with refclock PHC on vmw_hostclock (the README's snippet) brings the
# guest to the host clock, and back to it after the host clock moves 5 s.
. "$PVBED_DIR/time.lib"
ktap_need_hostctl
ktap_plan 4

initial_sync() { chrony_start && converges 40 && wait_for 20 chrony_synced; }

# chrony, not the module, steps: the module defers to a daemon reading its clock.
offset_5s() {
	steps=$(hostclock_stat steps)
	host_set time-offset-ns 5000000000 || return 1
	# The host is 5 s ahead now: guest - host is -5 s until chrony steps.
	o=$(kv offset_us "$(timecmp offset)")
	echo "guest - host right after the host offset: $o us"
	fle "$(fabs "$(awk -v o="$o" 'BEGIN { print o + 5000000 }')")" 500000 ||
		{ echo "the 5 s host offset did not take effect"; return 1; }
	converges || return 1
	echo "module steps before $steps, after $(hostclock_stat steps)"
	[ "$(hostclock_stat steps)" = "$steps" ]
}

chrony_tracks_host() {
	wait_for 20 chrony_synced
	chronyc -n tracking | grep -q '^Reference ID.*(HOST)' || { chronyc -n tracking; return 1; }
}

ktap_measure chrony-initial-sync initial_sync
ktap_measure chrony-selects-host-phc chrony_tracks_host
ktap_measure converges-after-host-offset-5s offset_5s
ktap_measure holds-after-offset holds
ktap_exit
