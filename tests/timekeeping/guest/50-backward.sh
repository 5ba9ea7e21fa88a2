#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The host clock steps back 2 s. The PHC follows (one jump of -2 s, never
# more), chrony takes the guest back with it, the module notices, nothing
# crashes, and the guest converges again. Jumps are
# measured against CLOCK_MONOTONIC, which itself never goes back.
. "$PVBED_DIR/time.lib"
ktap_need_hostctl
ktap_plan 6

STEP_US=2000000
# One read window plus scheduling between two samples of the watch.
JUMP_SLACK_US=5000

step_back_watched() {
	chrony_running || chrony_start || return 1
	phc=$(phc_device) || return 1
	# chrony needs a few polls to trust a sample 2 s off: watch long enough.
	timecmp watch 16 50 "$phc" >/tmp/watch.out &
	w=$!
	sleep 2
	host_set time-step-ns -$((STEP_US * 1000)) || return 1
	wait $w
	WATCH=$(cat /tmp/watch.out)
	echo "$WATCH"
	[ -n "$WATCH" ]
}

# PHC jumps are (change of the PHC) - (change of CLOCK_MONOTONIC_RAW)
# between samples; timecmp states what a jump of 0 can measure as (each
# read placed on the raw clock by reads around it, the host's truncation,
# the raw clock's rate error over the interval): the step must come out
# within that of -2 s, and no other jump beyond it.
phc_jumped_back_once() {
	j=$(kv phc_jump_min_us "$WATCH")
	u=$(kv phc_jump_uncert_us "$WATCH")
	jmax=$(kv phc_jump_max_us "$WATCH")
	echo "phc jump $j us (host: -$STEP_US us), largest other $jmax us, uncertainty $u us"
	lo=$(awk -v s=$STEP_US -v u="$u" 'BEGIN { printf "%.1f", -s - u }')
	hi=$(awk -v s=$STEP_US -v u="$u" 'BEGIN { printf "%.1f", -s + u }')
	fle "$j" "$hi" && fle "$lo" "$j" && fle "$jmax" "$u"
}

# chrony follows the host back (makestep 1 -1: a step, then a slew of what
# is left). How far its first step goes is chrony's regression, not ours: it
# mixes samples from both sides of the jump and has been seen to step back
# up to 2.65 s for this 2 s step (docs/results.md, time section), so the
# overshoot is reported, and the end state is what converges-after-step-back
# checks.
guest_follows_host_back() {
	j=$(kv real_jump_min_us "$WATCH")
	echo "largest guest step back: $j us (host: -$STEP_US us)"
	fle $((-STEP_US - JUMP_SLACK_US)) "$j" ||
		echo "chrony overshot the host's step by $(awk -v s="$STEP_US" -v j="$j" 'BEGIN { printf "%.1f", -s - j }') us"
	fle "$j" $((-STEP_US / 2))
}

module_saw_host_go_back() {
	n=$(hostclock_stat host_went_backwards)
	echo "host_went_backwards: $n"
	[ "${n:-0}" -ge 1 ]
}

ktap_measure host-steps-back-2s step_back_watched
ktap_measure phc-jumps-back-by-the-step phc_jumped_back_once
ktap_measure guest-follows-host-back guest_follows_host_back
ktap_measure module-counts-host-going-back module_saw_host_go_back
ktap_measure chrony-survives chrony_running
ktap_measure converges-after-step-back converges
chrony_stop
ktap_exit
