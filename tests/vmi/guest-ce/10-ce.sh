#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The per-CPU clockevent: CPU 1 ticks from vmi-timer, CPU 0 (the guardian)
# from its local APIC timer; interrupts arrive on CPU 1 only; our device is
# never the broadcast device. The module is pinned while CPU 1 ticks from it
# (rmmod says "in use") and CPU 1 cannot go offline: its displaced local APIC
# timer was taken by the broadcast layer (vmi/README).
. "$PVBED_DIR/vmi.lib"
ktap_plan 14
m=/tmp/ce.mark; mark $m

ktap_check reload-ce reload $VMI_PARAMS
dmesg | grep vmi_timer | tail -n 3 | sed 's/^/# /'
ce_is() { [ "$(ce_of $1)" = "$2" ]; }
echo "# CPU0 $(ce_of 0), CPU1 $(ce_of 1)"
ktap_check ce-cpu1 ce_is 1 vmi-timer
ktap_check ce-cpu0-guardian not ce_is 0 vmi-timer
ktap_check ce-in-timer-list grep -q 'Clock Event Device: vmi-timer' /proc/timer_list
bcast() { awk '/^Broadcast device/ { b = 1 } b && /Clock Event Device:/ { print $4; exit }' /proc/timer_list; }
echo "# broadcast device: $(bcast)"
not_bcast() { [ "$(bcast)" != vmi-timer ]; }
ktap_check not-broadcast not_bcast
ktap_check not-captured not grep -q 'captured 1' $DBG/status
irqs() { awk '/vmi-timer/ { c0 += $2; c1 += $3 } END { print c0 + 0, c1 + 0 }' /proc/interrupts; }
set -- $(irqs); a0=$1 a1=$2
sleep 1
set -- $(irqs); b0=$1 b1=$2
echo "# vmi-timer interrupts in 1 s: CPU0 $((b0 - a0)) CPU1 $((b1 - a1))"
ktap_check interrupts-on-cpu1 test $((b1 - a1)) -gt 0 -a $((b0 - a0)) -eq 0
ktap_check rmmod-refused-in-use not rmmod vmi_timer
offline1() { echo 0 > /sys/devices/system/cpu/cpu1/online; }
ktap_check offline-refused not offline1
ktap_check cpu1-still-online grep -q 1 /sys/devices/system/cpu/cpu1/online
ktap_check select-vmi select_vmi
ktap_check monotonic-2cpu vmi_clock mono 3
ktap_check no-fault no_fault
ktap_check clean-log clean_log $m
ktap_exit
