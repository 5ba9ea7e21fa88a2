#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The device as the driver finds it: PCI identity, the two historical boot
# lines, the clocksource (not current by default: tsc works), no clockevents
# by default (opt-in, see guest-ce); then vmi-timer selected and back.
. "$PVBED_DIR/vmi.lib"
ktap_plan 16
P=/sys/bus/pci/devices/$VMI_PCI
# From boot on: the watchdog checks vmi-timer from its registration.
m0=/tmp/boot.mark
echo 0 > $m0

identity() { [ "$(cat $P/vendor):$(cat $P/device):$(cat $P/class):$(cat $P/revision)" = 0x15ad:0x0801:0x058000:0x01 ]; }
ktap_check pci-identity identity
ktap_check bound test -e /sys/bus/pci/drivers/vmi_timer/$VMI_PCI
ktap_check rom-version-line dmesg_has "Detected VMI ROM version 3.0"
ktap_check timer-active-line dmesg_has "VMI Timer active."
dmesg | grep -E 'vmi_timer' | sed 's/^/# /'
ktap_check shared-page grep -q 'real_from: shared-page' $DBG/status
ktap_check available-clocksource wait_for 5 in_available
not_current() { [ "$(cur_cs)" != vmi-timer ]; }
ktap_check default-not-current not_current
echo "# current clocksource $(cur_cs), CPU0 $(ce_of 0), CPU1 $(ce_of 1)"
# Clockevents are opt-in (ce_enable=1, tests/vmi/guest-ce): none by default.
no_ce() { ! grep -q 'Clock Event Device: vmi-timer' /proc/timer_list; }
ktap_check no-clockevents-by-default no_ce
m=/tmp/probe.mark; mark $m
prev=$(cur_cs)
ktap_check select-vmi select_vmi
ktap_check switched-line dmesg_has "Switched to clocksource vmi-timer"
ktap_check time-runs uptime_moves
ktap_check monotonic-2cpu vmi_clock mono 3
echo $prev > $CS/current_clocksource
ktap_check back-to-$prev cs_is $prev
ktap_check no-fault no_fault
ktap_check watchdog-never-unstable never_unstable_since $m0
ktap_check clean-log clean_log $m
ktap_exit
