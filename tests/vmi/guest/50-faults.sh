#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Each counter fault switch of the host model, with vmi-timer the current
# clocksource: the safety net takes the device out of service within 2 s
# with exactly one log line, the clocksource is back to what it was, time
# keeps going, nothing oopses. freq-zero is also tried at attach: the driver
# refuses the device. A shared page whose line is 20 ms off the register at
# attach is not used: REAL comes from the register; a register that answers
# 5 ms late (a preempted host) is no reason to refuse a good page. The alarm
# faults need the clockevents: guest-ce and
# guest-storm.
. "$PVBED_DIR/vmi.lib"
ktap_need_hostctl
ktap_plan 49
BOUND_MS=2000
FAULTS="backwards frozen torn-version freq-zero"
up_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
count() { dmesg_since $m | grep -c "device misbehaved"; }
ce_not() { [ "$(ce_of 1)" != vmi-timer ]; }
cs_not() { [ "$(cur_cs)" != vmi-timer ]; }
sleeps() { sleep 0.2; }
one_line() { [ "$(count)" = 1 ]; }

# The checks of one fault below, in order (skipped when setup fails).
CHECKS="fallback-in-time one-log-line clocksource-reverted time-runs sleep-works degraded still-one-line clean-log"

for f in $FAULTS; do
	m=/tmp/fault-$f.mark
	if ! reload || ! select_vmi; then
		ktap_fail "$f/setup" "vmi-timer could not be made current"
		for c in $CHECKS; do
			ktap_skip "$f/$c" "setup failed"
		done
		fault none
		continue
	fi
	ktap_ok "$f/setup"
	mark $m
	t0=$(up_ms)
	fault "$f"
	wait_for 5 dmesg_since_has $m "device misbehaved"
	t1=$(up_ms)
	echo "# $f: $(dmesg_since $m | grep 'device misbehaved' | head -n 1 | sed 's/^\[[^]]*\] //')"
	echo "# $f: fallback after $((t1 - t0)) ms; clocksource $(cur_cs), CPU1 $(ce_of 1)"
	ktap_check "$f/fallback-in-time" test $((t1 - t0)) -le $BOUND_MS -a "$(count)" -ge 1
	ktap_check "$f/one-log-line" one_line
	ktap_check "$f/clocksource-reverted" cs_not
	ktap_check "$f/time-runs" uptime_moves
	ktap_check "$f/sleep-works" sleeps
	ktap_check "$f/degraded" grep -q 'state: degraded' $DBG/status
	sleep 1
	ktap_check "$f/still-one-line" one_line
	ktap_check "$f/clean-log" clean_log $m
	fault none
done

# freq-zero before attach: refused, "VMI Timer active." not printed.
m=/tmp/fault-attach.mark
rmmod vmi_timer
fault freq-zero
mark $m
modprobe vmi_timer
sleep 0.5
ktap_check freq-zero-at-attach/not-bound not test -e /sys/bus/pci/drivers/vmi_timer/$VMI_PCI
ktap_check freq-zero-at-attach/logged dmesg_since_has $m "host disabled the timer"
ktap_check freq-zero-at-attach/not-active not dmesg_since_has $m "VMI Timer active."
ktap_check freq-zero-at-attach/no-clocksource not in_available
fault none

# page-offset before attach: the page is refused, the register serves REAL.
m=/tmp/fault-page.mark
rmmod vmi_timer
fault page-offset
mark $m
ktap_check page-offset-at-attach/bound reload
ktap_check page-offset-at-attach/logged dmesg_since_has $m "cycles off the register, not used"
ktap_check page-offset-at-attach/from-register grep -q 'real_from: register' $DBG/status
ktap_check page-offset-at-attach/select-vmi select_vmi
ktap_check page-offset-at-attach/time-runs uptime_moves
echo tsc > $CS/current_clocksource
fault none

# slow-real before attach: the page agrees with the register once the read
# is bracketed, so it is used.
m=/tmp/fault-slow.mark
rmmod vmi_timer
fault slow-real
mark $m
ktap_check slow-real-at-attach/bound reload
ktap_check slow-real-at-attach/page-used grep -q 'real_from: shared-page' $DBG/status
ktap_check slow-real-at-attach/not-refused not dmesg_since_has $m "not used"
fault none
ktap_check recovered reload
ktap_exit
