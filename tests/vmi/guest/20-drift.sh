#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# REAL against the guest's TSC-based CLOCK_MONOTONIC_RAW over 60 s, with tsc
# current. Both come from one host TSC (REAL through the shared page, slewed
# to QEMU's virtual clock once a second), so what remains is the guest's own
# TSC calibration error. Bound: 100 ppm (the kernel watchdog alone would
# tolerate about 800 ppm).
. "$PVBED_DIR/vmi.lib"
ktap_plan 1
BOUND_PPM=${VMI_DRIFT_PPM:-100}

out=$(vmi_clock drift 60)
echo "# $out (bound $BOUND_PPM ppm, clocksource $(cur_cs))"
ppm=${out##*ppm=}
within() { awk -v p="$ppm" -v b="$BOUND_PPM" 'BEGIN { exit !(p < b && p > -b) }'; }
ktap_check drift-60s within
ktap_exit
