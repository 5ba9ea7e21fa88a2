#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The host stops delivering alarms (fault alarm-lost) while CPU 1 ticks from
# vmi-timer and vmi-timer is the current clocksource: the guardian notices
# within its grace (10 ms) and a few rescues, the device goes out of service
# with one log line, the clocksource reverts, and CPU 1 keeps its timers on
# the guardian's relay: sleeps on CPU 1 still end. No RCU stall, no oops.
. "$PVBED_DIR/vmi.lib"
# 50-irq-storm.sh (guest-storm) runs this script and repeats its plan.
ktap_need_hostctl
ktap_plan 10
FAULT=${VMI_FAULT:-alarm-lost}
BOUND_MS=2000
m=/tmp/fault.mark
up_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
count() { dmesg_since $m | grep -c "device misbehaved"; }
one_line() { [ "$(count)" = 1 ]; }
cs_not() { [ "$(cur_cs)" != vmi-timer ]; }
ce_is() { [ "$(ce_of $1)" = "$2" ]; }
sleeps_cpu1() {
	out=$(vmi_clock sleep 1 50 2000) || return 1
	echo "# relayed nanosleep 2 ms on CPU1: $out"
	max=$(echo "$out" | sed 's/.*max_us=\([0-9-]*\).*/\1/')
	[ "$max" -lt 100000 ]
}

ce_is 1 vmi-timer || reload $VMI_PARAMS
ktap_check ce-cpu1 wait_for 5 ce_is 1 vmi-timer
ktap_check select-vmi select_vmi
mark $m
t0=$(up_ms)
fault "$FAULT"
wait_for 5 dmesg_since_has $m "device misbehaved"
t1=$(up_ms)
echo "# $FAULT: $(dmesg_since $m | grep 'device misbehaved' | head -n 1 | sed 's/^\[[^]]*\] //')"
echo "# $FAULT: fallback after $((t1 - t0)) ms; clocksource $(cur_cs), CPU1 $(ce_of 1)"
ktap_check "$FAULT/fallback-in-time" test $((t1 - t0)) -le $BOUND_MS -a "$(count)" -ge 1
ktap_check "$FAULT/one-log-line" one_line
ktap_check "$FAULT/clocksource-reverted" cs_not
ktap_check "$FAULT/cpu1-relayed" dmesg_since_has $m "timer relay"
ktap_check "$FAULT/cpu1-sleeps" sleeps_cpu1
ktap_check "$FAULT/time-runs" uptime_moves
sleep 2
ktap_check "$FAULT/still-one-line" one_line
fault none
ktap_check "$FAULT/clean-log" clean_log $m
ktap_exit
