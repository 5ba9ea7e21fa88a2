#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Timers and sleeps with the clockevent active: nanosleep lateness and a
# bounded cyclictest run on CPU 1 (vmi-timer) and on CPU 0 (local APIC timer)
# for comparison. Under TCG on a shared host even the local APIC timer sees
# maxima of 100+ ms, so the bounds (p50 < 2 ms, max < 1 s) catch a CPU whose
# timer stops, not jitter; the numbers are printed.
. "$PVBED_DIR/vmi.lib"
ktap_plan 7
m=/tmp/timers.mark; mark $m

ce_is() { [ "$(ce_of $1)" = "$2" ]; }
# Alarms are absolute REAL set from the page's line: how far that line
# stands from the register's REAL (the host's) is how late or early they fire.
page_offset() { grep -h '^page_minus_register' $DBG/status | sed 's/^/# /'; }
ktap_check ce-cpu1-active ce_is 1 vmi-timer
page_offset
for cpu in 1 0; do
	out=$(vmi_clock sleep $cpu 300 1000)
	echo "# nanosleep 1 ms on CPU$cpu ($(ce_of $cpu)): $out"
	p50=$(echo "$out" | sed 's/.*p50_us=\([0-9-]*\).*/\1/')
	max=$(echo "$out" | sed 's/.*max_us=\([0-9-]*\).*/\1/')
	[ $cpu = 1 ] && ktap_check nanosleep-cpu1-p50 test "$p50" -ge 0 -a "$p50" -lt 2000
	[ $cpu = 1 ] && ktap_check nanosleep-cpu1-max test "$max" -lt 1000000
done
for cpu in 1 0; do
	out=$(cyclictest -t1 -a $cpu -p 80 -i 1000 -l 3000 -m -q 2>&1)
	line=$(echo "$out" | grep -E 'T: *0' | tail -n 1)
	echo "# cyclictest CPU$cpu ($(ce_of $cpu)): $line"
	if [ $cpu = 1 ]; then
		max=$(echo "$line" | sed -n 's/.*Max: *\([0-9]*\).*/\1/p')
		ktap_check cyclictest-cpu1-ran test -n "$max"
		ktap_check cyclictest-cpu1-max test "${max:-999999999}" -lt 1000000
	fi
done
page_offset
ktap_check no-fault no_fault
grep '^cpu' $DBG/status | sed 's/^/# /'
ktap_check clean-log clean_log $m
ktap_exit
