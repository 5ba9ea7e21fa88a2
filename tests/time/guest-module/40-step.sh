#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Discontinuities: a host that jumps ahead (what the guest sees after a
# resume, revert or migration) makes the module step the guest clock once;
# it never steps back unless allowed, leaves the step to a sync daemon that
# reads the PHC, and does nothing with step_threshold_ms=0.
. "$PVBED_DIR/module.lib"

P=/sys/module/$NAME/parameters
JUMP=3000000000

load || { ktap_fail load "$LOAD_OUT"; ktap_exit; }
PHC=$(phc_device)

# |last_offset_ns| below 200 ms once a check ran after the event.
settled() {
	o=$(stat last_offset_ns)
	[ "${o#-}" -lt 200000000 ]
}
offset_near() {
	o=$(stat last_offset_ns)
	d=$((o - $1))
	[ "${d#-}" -lt 200000000 ]
}
# Waits for the checks counter to pass two more checks.
two_checks() {
	c=$(( $(stat checks) + 2 ))
	wait_for 10 stat_gt checks $((c - 1))
}

steps=0
stepped_once() {
	mark=$(dmesg | wc -l)
	host_set time-discontinuity $JUMP || return 1
	wait_for 10 stat_gt steps $steps || return 1
	steps=$(stat steps)
	two_checks
	cat "$STATS"
	settled && [ "$(stat steps)" = "$steps" ] &&
		dmesg | tail -n +"$((mark + 1))" | grep -q "$NAME: guest clock was off the host by .* us: stepped" &&
		[ "$(hostctl get bdoor time-discontinuities)" -ge 1 ]
}

not_back() {
	r=$(stat steps_refused_backward)
	host_set time-step-ns -$JUMP || return 1
	wait_for 10 stat_gt steps_refused_backward $r || return 1
	two_checks
	cat "$STATS"
	[ "$(stat steps)" = "$steps" ] && offset_near -$JUMP
}

back_when_allowed() {
	echo 1 >$P/step_backward
	wait_for 10 stat_gt steps $steps
	r=$?
	echo 0 >$P/step_backward
	steps=$(stat steps)
	two_checks
	cat "$STATS"
	[ $r = 0 ] && settled
}

# A PTP_SYS_OFFSET_* read (phc_ctl cmp, as chrony or phc2sys do) marks a
# daemon: the step is left to it while the window lasts.
deferred() {
	echo 30 >$P/defer_to_daemon_s
	/usr/sbin/phc_ctl "$PHC" cmp >/dev/null
	[ "$(stat reads_with_system_ts)" -ge 1 ] || { echo "cmp did not use system timestamps"; return 1; }
	d=$(stat steps_deferred_to_daemon)
	host_set time-discontinuity $JUMP || return 1
	wait_for 10 stat_gt steps_deferred_to_daemon $d || return 1
	cat "$STATS"
	[ "$(stat steps)" = "$steps" ] && offset_near $JUMP
}

undeferred() {
	echo 0 >$P/defer_to_daemon_s
	wait_for 10 stat_gt steps $steps || return 1
	steps=$(stat steps)
	echo 10 >$P/defer_to_daemon_s
	two_checks
	settled
}

threshold_off() {
	echo 0 >$P/step_threshold_ms
	host_set time-discontinuity $JUMP || return 1
	two_checks
	two_checks
	cat "$STATS"
	[ "$(stat steps)" = "$steps" ] && offset_near $JUMP
}

threshold_back() {
	echo 1000 >$P/step_threshold_ms
	wait_for 10 stat_gt steps $steps
}

ktap_check jump-ahead-stepped-once stepped_once
ktap_check host-back-not-stepped-back not_back
ktap_check step-back-when-allowed back_when_allowed
ktap_check left-to-daemon deferred
ktap_check stepped-when-defer-off undeferred
ktap_check no-step-with-threshold-0 threshold_off
ktap_check stepped-when-threshold-restored threshold_back
rmmod $NAME
ktap_exit
