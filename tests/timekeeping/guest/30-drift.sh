#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A host clock running 100 ppm fast: chrony's frequency estimate follows it
# and the offset stays within the bound.
. "$PVBED_DIR/time.lib"
ktap_need_hostctl
ktap_plan 3

# chrony prints its frequency as the rate the system clock would have without
# correction: relative to a 100 ppm fast reference, 100 ppm slower.
DRIFT_PPM=100
FREQ_TOLERANCE_PPM=10

freq_moved() {
	f=$(chrony_freq)
	d=$(awk -v a="$f" -v b="$F0" -v e="$DRIFT_PPM" 'BEGIN { print a - b + e }')
	fle "$(fabs "$d")" $FREQ_TOLERANCE_PPM
}

frequency_follows() {
	chrony_running || chrony_start || return 1
	F0=$(chrony_freq)
	host_set time-drift-ppm $DRIFT_PPM || return 1
	wait_for 60 freq_moved
	rc=$?
	echo "frequency before $F0 ppm, now $(chrony_freq) ppm"
	return $rc
}

ktap_measure frequency-follows-100ppm frequency_follows
ktap_measure converges-with-drift converges
ktap_measure holds-with-drift holds
host_set time-drift-ppm 0
ktap_exit
