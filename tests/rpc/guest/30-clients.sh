#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# VMware's own clients against our host model: vmware-rpctool over RPCI,
# vmtoolsd's TCLO loop (version report, ping, reset), vmware-toolbox-cmd's
# host time, and values crossing between them and pvcore.
. "$PVBED_DIR/rpc.lib"
ktap_need_hostctl
ktap_plan 10

rpctool_set_get() {
	vmware-rpctool "info-set guestinfo.k v" &&
		[ "$(vmware-rpctool 'info-get guestinfo.k')" = v ]
}

rpctool_sees_pvcore_value() {
	rpc_client -p "1 " "info-set guestinfo.cross from-pvcore" &&
		[ "$(vmware-rpctool 'info-get guestinfo.cross')" = from-pvcore ]
}

pvcore_sees_rpctool_value() {
	vmware-rpctool "info-set guestinfo.cross2 from-rpctool" &&
		rpc_client -p "1 from-rpctool" "info-get guestinfo.cross2"
}

rpctool_unknown_fails() { ! vmware-rpctool "no.such.command" >/dev/null 2>&1; }

start_vmtoolsd() {
	hostctl set bdoor tclo-results "" || return 1
	vmtoolsd -b /run/vmtoolsd.pid >/tmp/vmtoolsd.log 2>&1
}

has_version() { [ -n "$(hostctl get bdoor tools-version)" ]; }

# As a VMX does after the agent's reset: ask it to register, and it reports
# its capabilities and version over RPCI.
tools_version_reported() {
	hostctl set bdoor tclo-send Capabilities_Register &&
		wait_for 30 has_version &&
		hostctl get bdoor tools-version &&
		hostctl get bdoor rpci-log | grep -q '^tools.capability.'
}

result_seen() { hostctl get bdoor tclo-results | grep -q "$1"; }

tclo_reset() {
	hostctl set bdoor tclo-send reset &&
		wait_for 30 result_seen '^OK ATR toolbox'
}

tclo_ping() {
	hostctl set bdoor tclo-results "" &&
		hostctl set bdoor tclo-send ping &&
		wait_for 30 result_seen '^OK $'
}

tclo_unknown() {
	hostctl set bdoor tclo-results "" &&
		hostctl set bdoor tclo-send "no.such.tclo.command" &&
		wait_for 30 result_seen '^ERROR Unknown Command'
}

# Uses GETTIMEFULL(_WITH_LAG); our host answers with its wall clock.
toolbox_host_time() {
	out=$(vmware-toolbox-cmd stat hosttime) || return 1
	echo "$out"
	[ -n "$out" ]
}

stop_vmtoolsd() {
	kill "$(cat /run/vmtoolsd.pid)" 2>/dev/null
	rm -f /run/vmtoolsd.pid
	return 0
}

# VMware's clients against our host model alone are model/ checks; those
# that cross over to pvcore are ours.
ktap_check model/rpctool-info-set-get rpctool_set_get
ktap_check rpctool-reads-pvcore-value rpctool_sees_pvcore_value
ktap_check pvcore-reads-rpctool-value pvcore_sees_rpctool_value
ktap_check model/rpctool-unknown-command-fails rpctool_unknown_fails
ktap_check model/vmtoolsd-starts start_vmtoolsd
ktap_check model/vmtoolsd-tclo-reset tclo_reset
ktap_check model/vmtoolsd-reports-version tools_version_reported
ktap_check model/vmtoolsd-tclo-ping tclo_ping
ktap_check model/vmtoolsd-tclo-unknown tclo_unknown
ktap_check model/toolbox-cmd-hosttime toolbox_host_time
stop_vmtoolsd
ktap_exit
