#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# One PTP clock named vmw_hostclock that runs on the host's time at the
# guest clock's rate, counts its reads and checks, and refuses every attempt
# to steer the host's clock.
. "$PVBED_DIR/module.lib"
ktap_plan 9

load || { ktap_fail load "$LOAD_OUT"; ktap_exit; }
PHC=$(phc_device)

one_clock() {
	n=$(grep -lx "$NAME" /sys/class/ptp/ptp*/clock_name | grep -c .)
	[ "$n" = 1 ]
}

# phc_ctl cmp: CLOCK_REALTIME - PHC; the guest boots on the host's clock
# (RTC), so within a second; the exact bound is the time group's.
near_realtime() {
	out=$(/usr/sbin/phc_ctl "$PHC" cmp 2>&1) || { echo "$out"; return 1; }
	ns=$(echo "$out" | sed -n 's/.*offset from CLOCK_REALTIME is \(-\{0,1\}[0-9]*\)ns.*/\1/p')
	echo "$out"
	[ -n "$ns" ] && [ "${ns#-}" -lt 1000000000 ]
}

# phc_ctl cmp (CLOCK_REALTIME - PHC) twice, a second or more apart: the
# difference barely moves, so the PHC runs at the guest clock's rate (a
# stuck or wrongly scaled clock would move it by about a second). Compared
# with the guest clock, not with sleep's nominal second, which a loaded host
# stretches.
cmp_ns() {
	/usr/sbin/phc_ctl "$PHC" cmp 2>/dev/null |
		sed -n 's/.*offset from CLOCK_REALTIME is \(-\{0,1\}[0-9]*\)ns.*/\1/p'
}
advances() {
	a=$(cmp_ns)
	sleep 1
	b=$(cmp_ns)
	[ -n "$a" ] && [ -n "$b" ] || return 1
	d=$((b - a))
	echo "realtime - phc: $a ns, then $b ns"
	[ "${d#-}" -lt 5000000 ]
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
ktap_note phc-runs-at-guest-clock-rate advances
ktap_check reads-counted reads_counted
ktap_check settime-refused refuses set 0
ktap_check adjtime-refused refuses adj 1
ktap_check freq-refused refuses freq 100
ktap_check periodic-checks-run checks_run
ktap_check unload-removes-clock unloads
ktap_exit
