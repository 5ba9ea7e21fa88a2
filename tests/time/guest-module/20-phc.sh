#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# One PTP clock named vmw_hostclock that runs at one second per second on
# the host's time, counts its reads and checks, and refuses every attempt
# to steer the host's clock.
. "$PVBED_DIR/module.lib"

load || { ktap_fail load "$LOAD_OUT"; ktap_exit; }
PHC=$(phc_device)

one_clock() {
	n=$(grep -lx "$NAME" /sys/class/ptp/ptp*/clock_name | grep -c .)
	[ "$n" = 1 ]
}

# phc_ctl cmp: PHC - CLOCK_REALTIME; the guest boots on the host's clock
# (RTC), so within a second; the exact bound is the time group's.
near_realtime() {
	out=$(/usr/sbin/phc_ctl "$PHC" cmp 2>&1) || { echo "$out"; return 1; }
	ns=$(echo "$out" | sed -n 's/.*offset from CLOCK_REALTIME is \(-\{0,1\}[0-9]*\)ns.*/\1/p')
	echo "$out"
	[ -n "$ns" ] && [ "${ns#-}" -lt 1000000000 ]
}

# Two reads one second apart in one phc_ctl process (no process start-up
# in between): the PHC advanced by about a second.
advances() {
	out=$(/usr/sbin/phc_ctl "$PHC" get wait 1 get 2>&1)
	a=$(echo "$out" | sed -n 's/.*clock time is \([0-9]*\)\.\([0-9]\{9\}\).*/\1\2/p' | head -n 1)
	b=$(echo "$out" | sed -n 's/.*clock time is \([0-9]*\)\.\([0-9]\{9\}\).*/\1\2/p' | tail -n 1)
	[ -n "$a" ] && [ -n "$b" ] || { echo "$out"; return 1; }
	d=$(( (b - a) / 1000000 ))
	echo "a=$a b=$b d=${d}ms"
	[ "$d" -ge 950 ] && [ "$d" -le 1300 ]
}

reads_counted() {
	before=$(stat reads)
	/usr/sbin/phc_ctl "$PHC" get >/dev/null
	after=$(stat reads)
	echo "reads $before -> $after"
	[ "$after" -gt "$before" ]
}

# phc_ctl exits 0 even when the ioctl fails; its message says it.
refuses() {
	out=$(/usr/sbin/phc_ctl "$PHC" "$@" 2>&1)
	echo "$out"
	echo "$out" | grep -qi -e 'not supported' -e 'failed'
}

checks_run() {
	a=$(stat checks)
	sleep 2
	b=$(stat checks)
	echo "checks $a -> $b"
	[ "$b" -gt "$a" ]
}

unloads() { rmmod $NAME && ! phc_device >/dev/null; }

ktap_check one-ptp-clock-named-vmw_hostclock one_clock
ktap_check phc-near-realtime near_realtime
ktap_check phc-advances-one-second-per-second advances
ktap_check reads-counted reads_counted
ktap_check settime-refused refuses set 0
ktap_check adjtime-refused refuses adj 1
ktap_check freq-refused refuses freq 100
ktap_check periodic-checks-run checks_run
ktap_check unload-removes-clock unloads
ktap_exit
