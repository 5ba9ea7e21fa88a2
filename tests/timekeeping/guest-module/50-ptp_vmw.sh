#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kernel's own ptp_vmw as a second, independent client of the host's
# precise clock: it binds to the ACPI device VMW0005 our host describes and
# its PHC tells the same time as ours (both against CLOCK_REALTIME).
. "$PVBED_DIR/module.lib"
ktap_need_hostctl
ktap_plan 4 ref

acpi_device() { ls -d /sys/bus/acpi/devices/VMW0005:* 2>/dev/null | grep -q .; }
ptp_vmw_binds() {
	modprobe ptp_vmw || return 1
	grep -lx ptp_vmw /sys/class/ptp/ptp*/clock_name
}

# CLOCK_REALTIME - PHC in ns, phc_ctl cmp's answer.
phc_offset() {
	/usr/sbin/phc_ctl "$1" cmp 2>/dev/null |
		sed -n 's/.*offset from CLOCK_REALTIME is \(-\{0,1\}[0-9]*\)ns.*/\1/p'
}

# Both read the same host clock: their offsets agree within 1 ms (each read
# window is tens of us under TCG; the rest is the host model's ns vs us).
same_time() {
	theirs=/dev/$(basename "$(dirname "$(grep -lx ptp_vmw /sys/class/ptp/ptp*/clock_name)")")
	load || return 1
	ours=$(phc_device)
	a=$(phc_offset "$theirs")
	b=$(phc_offset "$ours")
	echo "ptp_vmw $theirs: $a ns, vmw_hostclock $ours: $b ns"
	[ -n "$a" ] && [ -n "$b" ] || return 1
	d=$((a - b))
	[ "${d#-}" -lt 1000000 ]
}

# ptp_vmw, too, sees the host model's offset: 2 s more on the host is 2 s
# less in CLOCK_REALTIME - PHC.
follows_offset() {
	theirs=/dev/$(basename "$(dirname "$(grep -lx ptp_vmw /sys/class/ptp/ptp*/clock_name)")")
	a=$(phc_offset "$theirs")
	host_set time-step-ns 2000000000 || return 1
	b=$(phc_offset "$theirs")
	host_set time-step-ns -2000000000
	d=$((a - b - 2000000000))
	echo "before $a ns, after +2 s step $b ns"
	[ "${d#-}" -lt 50000000 ]
}

ktap_check acpi-device-VMW0005 acpi_device
ktap_check ptp_vmw-binds ptp_vmw_binds
ktap_note same-time-as-vmw_hostclock same_time
ktap_note ptp_vmw-follows-host-offset follows_offset
unload
rmmod ptp_vmw
ktap_exit
