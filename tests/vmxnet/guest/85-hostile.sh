#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Each hostile-device switch of the model (on nic0) while traffic flows.
# Bad indices written into the driver data must make no difference (the
# driver keeps its own, docs/protocol/vmxnet.md A8.1): verified streams keep
# flowing through the fault and no error counter moves.
# Bad lengths, bad ownership, a ring-2 chain without its end (LPD
# aggregates) and a stuck tx ring must be noticed: an
# error/drop/reset counter moves in ethtool -S or a reset is logged. In every
# case nothing oopses (the bed panics on any warning) and traffic recovers
# once the switch is cleared.
. "$PVBED_DIR/vmxnet.lib"
ktap_need_hostctl
ktap_plan 21

FAULTS="rx-bad-index tx-bad-index rx-bad-length bad-owner tx-stuck rx-frag-no-eop"
ktap_check topology-up vx_setup

if ! has_dev_stats; then
	for f in $FAULTS; do
		for t in set $(case $f in *-bad-index) echo harmless ignored ;; *) echo noticed ;; esac) recovers; do
			ktap_skip "$f-$t" "NIC_MODEL=$NIC_MODEL: no fault switch"
		done
	done
	ktap_exit
fi

# poke SECONDS: traffic both ways for about SECONDS; failures expected.
poke() {
	ina $PING -c $(($1 * 5)) -i 0.2 -W 1 -q $IP_B >/dev/null 2>&1 &
	STREAM_TIMEOUT=$(($1 + 2)) stream_start poke a b $IP_B 300000 -d 20000
	inb $PING -c $(($1 * 5)) -i 0.2 -W 1 -q $IP_A >/dev/null 2>&1
	wait
	stream_wait poke >/dev/null
}

recovers() {
	host_fault none || return 1
	wait_carrier a $IF_A 1 15 && ping_ok 20 && a_to_b 1000000 && b_to_a 1000000
}

injected() { dev_stat nic0 stat-faults-injected; }

# noticed DMESG_MARK: an error/drop/reset/timeout counter of a's NIC grew
# since /tmp/h0, or the driver logged a reset since the mark.
noticed() {
	nic_stats a $IF_A >/tmp/h1
	grew=$(stats_grew /tmp/h0 /tmp/h1 \
		'(^|_)(err|errors|drop|dropped|resets?|bad|invalid|timeouts?|stuck|zero|ownership|missing)(_|$)')
	logged=$(dmesg_since "$1" | grep -iE 'reset|timed out|timeout|invalid' | head -n 3)
	[ -n "$grew$logged" ]
}
# wait_noticed SECONDS: the tx watchdog fires 5 s after the queue stopped and
# is checked every 5 s, so a stuck ring needs time to show.
wait_noticed() {
	t=$1
	while ! noticed "$m" && [ $t -gt 0 ]; do
		sleep 1
		t=$((t - 1))
	done
}
harmless() { a_to_b 1000000 && b_to_a 1000000 && [ "$(injected)" -gt "$1" ]; }

for f in $FAULTS; do
	ping_ok 20 >/dev/null 2>&1
	m=$(dmesg_mark)
	nic_stats a $IF_A >/tmp/h0
	r0=$(dev_stat nic0 stat-resets) i0=$(injected)
	ktap_check "$f-set" host_fault $f
	case $f in
	*-bad-index)
		ktap_check "$f-harmless" harmless "$i0"
		noticed "$m"
		;;
	tx-stuck)
		# Enough to fill the tx ring and BQL's limit, so the queue stops
		# and the kernel's tx watchdog can fire: 60000-byte pings are 41
		# frames each at MTU 1500.
		ina $PING -c 30 -i 0.05 -W 1 -s 60000 -q $IP_B >/dev/null 2>&1
		wait_noticed 25
		;;
	rx-frag-no-eop)
		# Only ring-2 packets are hit: at MTU 1500 those are the LPD
		# aggregates of a stream towards a (LRO is on by default).
		STREAM_TIMEOUT=8 stream_start frag b a $IP_A 2000000 -d 20000
		poke 3
		stream_wait frag >/dev/null
		wait_noticed 5
		;;
	*)
		poke 3
		wait_noticed 5
		;;
	esac
	echo "# $f: counters: $(echo $grew) | device resets $r0 -> $(dev_stat nic0 stat-resets)" \
		"| faults injected $i0 -> $(injected) | log: $(echo "$logged" | tr '\n' '|')"
	case $f in
	*-bad-index)
		# docs/protocol/vmxnet.md A8.1: indices in the driver data are never read back.
		ktap_check "$f-ignored" [ -z "$grew$logged" ]
		;;
	*)
		ktap_check "$f-noticed" [ -n "$grew$logged" ]
		;;
	esac
	ktap_check "$f-recovers" recovers
done
ktap_exit
