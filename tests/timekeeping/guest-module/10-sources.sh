#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The module takes the best time service the host offers and refuses to load
# (-ENODEV, exactly one log line) when every answer is absent or implausible.
. "$PVBED_DIR/module.lib"
ktap_need_hostctl
ktap_plan 9

# modprobe fails with -ENODEV and the module says why in one line.
refused() {
	unload
	! load
	r=$?
	echo "$LOAD_OUT"
	echo "$LOAD_LOG"
	[ $r = 0 ] && echo "$LOAD_OUT" | grep -q 'No such device' && ! loaded &&
		[ "$(echo "$LOAD_LOG" | grep -c .)" = 1 ] &&
		echo "$LOAD_LOG" | grep -q "$NAME: host offers no time service"
}

source_is() {
	unload
	load || { echo "$LOAD_OUT"; return 1; }
	echo "$LOAD_LOG"
	echo "$LOAD_LOG" | grep -q "host clock on $(phc_device) via $1" &&
		[ "$(stat source)" = "$1" ]
}

ktap_check precise-clock-first source_is precisionclock
host_set time-fault precise-error
ktap_check precise-error-falls-back-to-55 source_is gettimefull_with_lag
host_restore
host_set time-precise false
ktap_check no-precise-clock-uses-55 source_is gettimefull_with_lag
host_restore
host_set time-services false
ktap_check services-off-enodev refused
host_restore
# QEMU <= 5.0 machine types: EAX stays MAGIC, nothing else changes
# (docs/protocol/backdoor-and-rpc.md E3).
host_set time-fault untouched
ktap_check untouched-registers-enodev refused
host_restore
host_set time-precise false
host_set time-fault bad-micros
ktap_check bad-micros-enodev refused
host_set time-fault zero-seconds
ktap_check zero-seconds-enodev refused
host_restore
# A valid precise clock is enough even when 46/55 are broken.
host_set time-fault bad-micros
ktap_check broken-55-precise-still-used source_is precisionclock
host_restore
ktap_check loads-again-after-restore source_is precisionclock
unload
ktap_exit
