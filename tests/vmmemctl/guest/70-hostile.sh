#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Hostile host switches: for each, the driver logs one clear line, does not
# crash or OOM the guest, and works normally once the fault is cleared.
. "$PVBED_DIR/balloon.lib"
ktap_need_hostctl
ktap_plan 25

# hostile FAULT MIB SECONDS
hostile() {
	fault=$1 mib=$2 secs=$3
	n0=$(driver_log_lines)
	hset fault "$fault" && set_target_mib "$mib" || { ktap_fail "$fault" "hostctl"; return; }
	# The driver meets the fault at its next balloon step, which a loaded
	# host can delay: wait up to 4 x SECONDS for its first line, then
	# SECONDS more for any repeat (at most 2 lines are allowed).
	t=0
	while [ "$(driver_log_lines)" -le "$n0" ] && [ "$t" -lt $((4 * secs)) ]; do
		sleep 1
		t=$((t + 1))
	done
	sleep "$secs"
	n1=$(driver_log_lines)
	new=$((n1 - n0))
	dmesg | grep "$DRIVER" | tail -n "$new" | sed 's/^/# /'
	if [ "$new" -lt 1 ] || [ "$new" -gt 2 ]; then
		ktap_fail "$fault-one-log-line" "$new new log lines"
	else
		ktap_ok "$fault-one-log-line"
	fi
	ktap_check "$fault-no-oom" no_oom
	hset fault none
	set_target_mib 64
	ktap_check "$fault-recovers" wait_target 64 120
	ktap_check "$fault-back-to-0" back_to_zero
}

hostile bad-cmd-status 64 6
hostile bad-entry-status 64 6
hostile refuse-all 64 6
hostile busy 64 6
hostile reset-always 64 6
hostile target-over-ram 0 20
ktap_check guest-still-alive sh -c 'echo alive > /tmp/alive && [ "$(cat /tmp/alive)" = alive ]'
ktap_exit
