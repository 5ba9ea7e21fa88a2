#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Stolen time injected by the host (a descheduled vCPU) shows up in the
# published per-CPU counters (debugfs and the device's sysfs stolen_ns), for
# that CPU only; REAL = AVAILABLE + STOLEN in one snapshot.
. "$PVBED_DIR/vmi.lib"
ktap_need_hostctl
ktap_plan 7
S=/sys/bus/pci/devices/$VMI_PCI/stolen_ns
val() { sed -n "s/^$2: //p" $DBG/cpu$1; }
sys_of() { sed -n "s/^cpu$1 //p" $S; }

s0=$(val 0 stolen_ns); s1=$(val 1 stolen_ns)
ktap_check inject hostctl set vmi steal "1:250000000"
ktap_check inject-cpu0 hostctl set vmi steal "0:40000000"
t0=$(val 0 stolen_ns); t1=$(val 1 stolen_ns)
echo "# stolen_ns CPU0 $s0 -> $t0, CPU1 $s1 -> $t1; sysfs: $(tr '\n' ' ' < $S)"
ktap_check cpu1-stolen test $((t1 - s1)) -eq 250000000
ktap_check cpu0-stolen test $((t0 - s0)) -eq 40000000
ktap_check sysfs-cpu1 test "$(sys_of 1)" -eq "$t1"
invariant() {
	set -- $(sed -n 's/^[a-z_]*_cycles: //p' $DBG/cpu1)
	[ $(($2 + $3)) -eq $1 ]
}
ktap_check real-is-available-plus-stolen invariant
ktap_check bad-slot-refused not hostctl set vmi steal "99:1"
ktap_exit
