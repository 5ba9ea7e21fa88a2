#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# VMware's own agent as the host drives it over TCLO: one-shot syncs
# (Time_Synchronize, backward only when allowed), the periodic loop
# (Set_Option synctime 1) and the host's discontinuity event. It must bring
# the guest to the same host time that vmw_hostclock's PHC reports.
. "$PVBED_DIR/time.lib"
ktap_need_hostctl
ktap_plan 8

# A step lands where vmtoolsd computed it: read host, read guest, add. Its
# error is the guest time between those reads and its settimeofday: tens of
# us, but ~10 ms the first time, when TCG translates that code path.
STEP_BOUND_US=20000

tclo() {
	hostctl set bdoor tclo-results "" || return 1
	hostctl set bdoor tclo-send "$1" || return 1
	wait_for 20 tclo_answered
	hostctl get bdoor tclo-results
}
tclo_answered() { [ -n "$(hostctl get bdoor tclo-results)" ]; }

offset_us() { kv offset_us "$(timecmp offset)"; }

# |guest - host - expected| within STEP_BOUND_US: near EXPECTED_US (us).
near() {
	o=$(offset_us)
	echo "guest - host: $o us (expected $1 us)"
	fle "$(fabs "$(awk -v o="$o" -v e="$1" 'BEGIN { print o - e }')")" $STEP_BOUND_US
}

tclo_channel_open() { hostctl get bdoor channels | grep -q TCLO; }

start_agent() {
	vmtoolsd -b /run/vmtoolsd.pid >/tmp/vmtoolsd.log 2>&1 || return 1
	wait_for 30 tclo_channel_open
}

# Guest behind by 5 s: a one-shot without backward permission steps forward.
oneshot_forward() {
	host_set time-offset-ns 5000000000 || return 1
	tclo "Time_Synchronize 0" | grep -q '^OK' || return 1
	near 0
}

# Guest ahead by 5 s: "Time_Synchronize 0" must leave it there, "1" not.
oneshot_no_backward() {
	host_set time-offset-ns 0 || return 1
	ahead=$(offset_us)
	tclo "Time_Synchronize 0" | grep -q '^OK' || return 1
	fle 4000000 "$ahead" && near "$ahead"
}

oneshot_backward() {
	tclo "Time_Synchronize 1" | grep -q '^OK' || return 1
	near 0
}

# The periodic loop's first sync happens when it starts: forward 3 s.
periodic_steps_forward() {
	host_set time-offset-ns 3000000000 || return 1
	tclo "Set_Option synctime.period 1" | grep -q '^OK' || return 1
	tclo "Set_Option synctime 1" | grep -q '^OK' || return 1
	wait_for 10 near 0
}

periodic_off() { tclo "Set_Option synctime 0" | grep -q '^OK'; }

# The host's event after resume/revert/migration: time jumps 4 s ahead of the
# guest and Time_Synchronize is queued for the agent.
discontinuity_resynced() {
	n=$(host_get time-discontinuities)
	host_set time-discontinuity 4000000000 || return 1
	wait_for 10 near 0 || return 1
	[ "$(host_get time-discontinuities)" -gt "$n" ]
}

# Where vmtoolsd put the guest clock, vmw_hostclock's PHC must agree: PHC -
# REALTIME near 0. step_threshold_ms=0 keeps the module from stepping itself.
phc_agrees_with_agent() {
	modprobe vmw_hostclock step_threshold_ms=0 || return 1
	phc=$(phc_device) || return 1
	near 0 || return 1
	out=$(timecmp phc "$phc" 200) || return 1
	echo "$out"
	d=$(fabs "$(kv phc_minus_host_us "$out")")
	fle "$d" "$(kv bound_us "$out")" || return 1
	out=$(/usr/sbin/phc_ctl "$phc" cmp) || return 1
	echo "$out"
	ns=$(echo "$out" | sed -n 's/.*offset from CLOCK_REALTIME is \(-\{0,1\}[0-9]*\)ns.*/\1/p')
	fle "$(fabs "$((ns / 1000))")" $STEP_BOUND_US
}

stop_agent() {
	kill "$(cat /run/vmtoolsd.pid)" 2>/dev/null
	rm -f /run/vmtoolsd.pid
	return 0
}

# vmtoolsd against our host model alone: model/ checks; the last one is ours.
ktap_measure model/vmtoolsd-starts start_agent
ktap_measure model/oneshot-steps-forward oneshot_forward
ktap_measure model/oneshot-never-back-unless-allowed oneshot_no_backward
ktap_measure model/oneshot-steps-back-when-allowed oneshot_backward
ktap_measure model/periodic-sync-steps-forward periodic_steps_forward
ktap_measure model/periodic-sync-off periodic_off
ktap_measure model/discontinuity-event-resynced discontinuity_resynced
ktap_measure phc-agrees-with-vmtoolsd phc_agrees_with_agent
stop_agent
ktap_exit
