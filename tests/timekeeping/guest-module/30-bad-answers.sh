#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A host that starts answering nonsense (or stops answering) after the
# module loaded: every PHC read fails with an error instead of a wrong time,
# errors are counted, the log says it once per episode, and reads recover
# when the host does.
. "$PVBED_DIR/module.lib"
ktap_need_hostctl
ktap_plan 9

# phc_ctl stops at the first failed command: one process per read.
N=6

reads_ok() { [ -n "$(phc_get_ns "$PHC")" ]; }

# $N reads under host setting $1=$2: all fail, all counted,
# one log line; then the host recovers: reads work, one more line.
fails_under() {
	mark=$(dmesg | wc -l)
	host_set "$1" "$2" || return 1
	e0=$(stat read_errors)
	got=0
	i=0
	while [ $i -lt $N ]; do
		reads_ok && got=$((got + 1))
		i=$((i + 1))
	done
	e1=$(stat read_errors)
	host_restore || return 1
	reads_ok || { echo "reads did not recover"; return 1; }
	log=$(dmesg | tail -n +"$((mark + 1))" | grep "$NAME")
	echo "$log"
	echo "good reads $got of $N, read_errors $e0 -> $e1, log lines $(echo "$log" | grep -c .)"
	[ "$got" = 0 ] && [ $((e1 - e0)) -ge $N ] &&
		[ "$(echo "$log" | grep -c 'invalid times')" = 1 ] &&
		[ "$(echo "$log" | grep -c 'plausibly again')" = 1 ]
}

load || { ktap_fail load "$LOAD_OUT"; ktap_exit; }
PHC=$(phc_device)
ktap_check precise-reads-work reads_ok
ktap_note precise-error-fails-reads fails_under time-fault precise-error
ktap_check untouched-fails-reads fails_under time-fault untouched
ktap_check services-off-fails-reads fails_under time-services false
unload

# The same on GETTIMEFULL_WITH_LAG, whose answers have more to validate.
host_set time-precise false
load || { ktap_fail load-on-55 "$LOAD_OUT"; ktap_exit; }
host_restore
PHC=$(phc_device)
ktap_check source-is-55 [ "$(stat source)" = gettimefull_with_lag ]
ktap_note bad-micros-fails-reads fails_under time-fault bad-micros
ktap_check zero-seconds-fails-reads fails_under time-fault zero-seconds
ktap_check untouched-55-fails-reads fails_under time-fault untouched
ktap_check still-one-clock phc_device
unload
ktap_exit
