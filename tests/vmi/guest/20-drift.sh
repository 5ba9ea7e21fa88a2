#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# REAL against CLOCK_MONOTONIC_RAW over 60 s, with hpet current: QEMU's HPET
# counts the host's clock at a fixed 100 MHz, so this compares our clock with
# an independent one that no guest calibration touches (against tsc the
# result was the guest's own TSC calibration, seen 2238 ppm off under load).
# What remains is the page's scale and the host's slewing. Bound: 100 ppm
# (the kernel watchdog alone would tolerate about 800 ppm). Meanwhile the
# kernel's clocksource watchdog, which checks vmi-timer while it is
# registered, never marks it unstable.
. "$PVBED_DIR/vmi.lib"
ktap_plan 3
BOUND_PPM=${VMI_DRIFT_PPM:-100}

m0=/tmp/drift-start.mark
mark $m0
prev=$(cur_cs)
use_hpet() { echo hpet > $CS/current_clocksource && wait_for 3 cs_is hpet; }
ktap_check hpet-current use_hpet
out=$(vmi_clock drift 60)
echo "# $out (bound $BOUND_PPM ppm, clocksource $(cur_cs))"
echo "$prev" > $CS/current_clocksource
ppm=${out##*ppm=}
within() { awk -v p="$ppm" -v b="$BOUND_PPM" 'BEGIN { exit !(p < b && p > -b) }'; }
ktap_check drift-60s within
ktap_check watchdog-never-unstable never_unstable_since $m0
ktap_exit
