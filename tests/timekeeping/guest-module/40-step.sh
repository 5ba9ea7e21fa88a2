#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Discontinuities: a host that jumps ahead (what the guest sees after a
# resume, revert or migration) makes the module step the guest clock once;
# it never steps back unless allowed, leaves the step to a sync daemon that
# reads the PHC, and does nothing with step_threshold_ms=0. Each case starts
# from where the previous one left the clocks.
. "$PVBED_DIR/module.lib"
ktap_need_hostctl
ktap_plan 7

P=/sys/module/$NAME/parameters
JUMP=3000000000

load || { ktap_fail load "$LOAD_OUT"; ktap_exit; }
PHC=$(phc_device)

summary() {
	echo "steps=$(stat steps) refused_backward=$(stat steps_refused_backward)" \
	     "deferred=$(stat steps_deferred_to_daemon) last_offset_ns=$(stat last_offset_ns)"
}
# |host - guest| at the last check is within 200 ms of $1 ns.
offset_near() {
	d=$(($(stat last_offset_ns) - $1))
	[ "${d#-}" -lt 200000000 ]
}
# Two more checks ran (so the offset is one measured after the event).
two_checks() {
	c=$(stat checks)
	wait_for 10 stat_gt checks $((c + 1))
}

stepped_once() {
	s0=$(stat steps)
	mark=$(dmesg | wc -l)
	host_set time-discontinuity $JUMP || return 1
	wait_for 10 stat_gt steps "$s0"
	two_checks
	dmesg | tail -n +"$((mark + 1))" | grep "$NAME"
	summary
	[ "$(stat steps)" = $((s0 + 1)) ] && offset_near 0 &&
		dmesg | tail -n +"$((mark + 1))" | grep -q "$NAME: guest clock was off the host by .* us: stepped" &&
		[ "$(hostctl get bdoor time-discontinuities)" -ge 1 ]
}

not_back() {
	s0=$(stat steps)
	r0=$(stat steps_refused_backward)
	host_set time-step-ns -$JUMP || return 1
	wait_for 10 stat_gt steps_refused_backward "$r0"
	two_checks
	summary
	[ "$(stat steps)" = "$s0" ] && offset_near -$JUMP
}

back_when_allowed() {
	s0=$(stat steps)
	echo 1 >$P/step_backward
	wait_for 10 stat_gt steps "$s0"
	echo 0 >$P/step_backward
	two_checks
	summary
	[ "$(stat steps)" = $((s0 + 1)) ] && offset_near 0
}

# phc_ctl cmp reads with system timestamps (PTP_SYS_OFFSET*), as chrony and
# phc2sys do: the module leaves the step to that reader for the window.
deferred() {
	s0=$(stat steps)
	d0=$(stat steps_deferred_to_daemon)
	echo 30 >$P/defer_to_daemon_s
	/usr/sbin/phc_ctl "$PHC" cmp
	[ "$(stat reads_with_system_ts)" -ge 1 ] || { echo "cmp read without system timestamps"; return 1; }
	host_set time-discontinuity $JUMP || return 1
	wait_for 10 stat_gt steps_deferred_to_daemon "$d0"
	two_checks
	summary
	[ "$(stat steps)" = "$s0" ] && offset_near $JUMP
}

undeferred() {
	s0=$(stat steps)
	echo 0 >$P/defer_to_daemon_s
	wait_for 10 stat_gt steps "$s0"
	echo 10 >$P/defer_to_daemon_s
	two_checks
	summary
	offset_near 0
}

threshold_off() {
	s0=$(stat steps)
	echo 0 >$P/step_threshold_ms
	host_set time-discontinuity $JUMP || return 1
	two_checks
	two_checks
	summary
	[ "$(stat steps)" = "$s0" ] && offset_near $JUMP
}

threshold_back() {
	s0=$(stat steps)
	echo 1000 >$P/step_threshold_ms
	wait_for 10 stat_gt steps "$s0"
	two_checks
	summary
	offset_near 0
}

ktap_note jump-ahead-stepped-once stepped_once
ktap_note host-back-not-stepped-back not_back
ktap_check step-back-when-allowed back_when_allowed
ktap_note left-to-daemon deferred
ktap_check stepped-when-defer-off undeferred
ktap_check no-step-with-threshold-0 threshold_off
ktap_check stepped-when-threshold-restored threshold_back
rmmod $NAME
ktap_exit
