#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The host clock steps back 2 s. The PHC follows (one jump of -2 s, never
# more), chrony takes the guest back with it, the module notices, nothing
# crashes, and the guest converges again. Jumps are
# measured against CLOCK_MONOTONIC, which itself never goes back.
. "$PVBED_DIR/time.lib"
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

# Jumps are (change of the clock) - (change of CLOCK_MONOTONIC) between samples.
phc_jumped_back_once() {
	j=$(kv phc_jump_min_us "$WATCH")
	fle "$j" $((-STEP_US + JUMP_SLACK_US)) && fle $((-STEP_US - JUMP_SLACK_US)) "$j"
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
