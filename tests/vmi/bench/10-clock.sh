#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Read cost and alarm latency of vmi-timer against the other clocksources and
# the local APIC timer, in one VM (docs/results.md, VMI timer):
#  - in-kernel ktime_get() cost with each clocksource current (pvtools_clockbench,
#    50 000 reads in batches with IRQs off; best of 5 runs);
#  - userspace clock_gettime(MONOTONIC) with each current (libc: vDSO only for
#    tsc; the others are syscalls);
#  - alarm latency: lateness of 1 ms nanosleeps, 1000 on CPU 1 (vmi-timer
#    clockevent) and 1000 on CPU 0 (local APIC timer), p50 and p99.
# RATIO read/X = vmi-timer / X per ktime_get (lower is better);
# RATIO alarm-p99/lapic = vmi-timer p99 / lapic p99.
. "$PVBED_DIR/vmi.lib"
B=/sys/kernel/debug/pvtools_clockbench/ktime_get

best_read() {
	best=
	for i in 1 2 3 4 5; do
		v=$(sed -n 's/.*ns_per_read=\([0-9.]*\).*/\1/p' $B)
		best=$(awk -v a="$best" -v b="$v" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }')
	done
	echo "$best"
}

# The clockevent on CPU 1 for the alarm comparison (the module stays loaded).
ktap_check reload-ce reload ce_enable=1
ktap_check vmi-selectable select_vmi
orig=tsc
for cs in vmi-timer tsc hpet acpi_pm; do
	grep -qw $cs $CS/available_clocksource || { echo "# $cs not available"; continue; }
	echo $cs > $CS/current_clocksource
	sleep 0.5
	[ "$(cur_cs)" = $cs ] || { echo "# could not select $cs"; continue; }
	r=$(best_read)
	g=$(vmi_clock gettime 20000)
	libc=${g#libc_ns=}; libc=${libc%% *}
	sys=${g##*syscall_ns=}
	echo "BENCH vmi read/$cs $r ns"
	echo "BENCH vmi gettime/$cs $libc ns"
	echo "BENCH vmi gettime-syscall/$cs $sys ns"
	eval "read_$(echo $cs | tr -- - _)=$r"
done
echo $orig > $CS/current_clocksource

for cpu in 1 0; do
	out=$(vmi_clock sleep $cpu 1000 1000)
	echo "# CPU$cpu ($(ce_of $cpu)): $out"
	eval "p50_$cpu=$(echo "$out" | sed 's/.*p50_us=\([0-9-]*\).*/\1/')"
	eval "p99_$cpu=$(echo "$out" | sed 's/.*p99_us=\([0-9-]*\).*/\1/')"
done
echo "BENCH vmi alarm-p50/vmi-timer $p50_1 us"
echo "BENCH vmi alarm-p99/vmi-timer $p99_1 us"
echo "BENCH vmi alarm-p50/lapic $p50_0 us"
echo "BENCH vmi alarm-p99/lapic $p99_0 us"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f\n", a / b; else print "nan" }'; }
[ -n "$read_hpet" ] && echo "RATIO vmi read/hpet $(ratio $read_vmi_timer $read_hpet)"
[ -n "$read_tsc" ] && echo "RATIO vmi read/tsc $(ratio $read_vmi_timer $read_tsc)"
[ -n "$read_acpi_pm" ] && echo "RATIO vmi read/acpi_pm $(ratio $read_vmi_timer $read_acpi_pm)"
echo "RATIO vmi alarm-p99/lapic $(ratio $p99_1 $p99_0)"
ktap_check measured test -n "$read_vmi_timer" -a -n "$read_tsc"
ktap_exit
