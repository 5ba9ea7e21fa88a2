#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rmmod while vmi-timer is the current clocksource: the kernel switches to
# the next clocksource, time keeps going. Load/unload cycles. Meanwhile
# (a healthy run: 50-faults.sh, which rightly upsets the watchdog, is over)
# the kernel watchdog never marked vmi-timer unstable.
. "$PVBED_DIR/vmi.lib"
ktap_plan 10
m=/tmp/rmmod.mark
m0=/tmp/rmmod-start.mark
mark $m0
ce_not() { [ "$(ce_of 1)" != vmi-timer ]; }
cs_not() { [ "$(cur_cs)" != vmi-timer ]; }

setup_current() { reload && select_vmi; }
ktap_check setup setup_current
mark $m
ktap_check rmmod-while-current rmmod vmi_timer
echo "# after rmmod: clocksource $(cur_cs), CPU1 $(ce_of 1)"
ktap_check clocksource-switched cs_not
ktap_check switched-line dmesg_since_has $m "Switched to clocksource"
ktap_check time-runs uptime_moves
ktap_check no-fault-line not dmesg_since_has $m "device misbehaved"
cycles() {
	i=0
	while [ $i -lt 10 ]; do
		modprobe vmi_timer && rmmod vmi_timer || return 1
		i=$((i + 1))
	done
}
ktap_check load-unload-10 cycles
ktap_check reload reload
ktap_check watchdog-never-unstable never_unstable_since $m0
ktap_check clean-log clean_log $m
ktap_exit
