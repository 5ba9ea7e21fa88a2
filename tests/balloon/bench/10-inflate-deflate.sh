#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Inflate to 768 MiB and deflate to 0 with each driver; times come from the
# host (first to last change of the locked-frame count, so the drivers' 1 s
# poll latency is not measured). Prints BENCH and RATIO lines. Both drivers
# run in the same 2-vCPU VM (vm.conf): vmmemctl allocates on both CPUs,
# vmw_balloon on one.
. "$PVBED_DIR/balloon.lib"

MIB=768
ROUNDS=${ROUNDS:-3}

mibps() { awk -v m="$1" -v us="$2" 'BEGIN { printf "%.1f", (us > 0) ? m * 1000000 / us : 0 }'; }
per_gib() { awk -v n="$1" -v m="$MIB" 'BEGIN { printf "%.1f", n * 1024 / m }'; }

# measure DRIVER [PARAM=VALUE...]: sets IN_US, OUT_US, IN_CALLS, OUT_CALLS
# (best of ROUNDS).
measure() {
	DRIVER=$1
	shift
	IN_US=0 OUT_US=0
	s=$(hget starts)
	modprobe "$DRIVER" "$@" || return 1
	while [ "$(hget starts)" -le "$s" ]; do sleep 1; done
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		c0=$(hget page-cmd-calls)
		set_target_mib $MIB
		wait_target $MIB 300 >/dev/null || return 1
		us=$(hget active-us)
		c1=$(hget page-cmd-calls)
		hset target 0
		wait_locked 0 0 300 >/dev/null || return 1
		out=$(hget active-us)
		c2=$(hget page-cmd-calls)
		{ [ $IN_US = 0 ] || [ "$us" -lt $IN_US ]; } && IN_US=$us IN_CALLS=$((c1 - c0))
		{ [ $OUT_US = 0 ] || [ "$out" -lt $OUT_US ]; } && OUT_US=$out OUT_CALLS=$((c2 - c1))
		r=$((r + 1))
	done
	if [ "$DRIVER" = vmmemctl ]; then
		grep -E '^(parallelBatches|helperAlloc)' /sys/kernel/debug/vmmemctl
	fi
	rmmod "$DRIVER"
}

report() {
	name=$1
	echo "BENCH balloon inflate-$name $(mibps $MIB $IN_US) MiB/s"
	echo "BENCH balloon deflate-$name $(mibps $MIB $OUT_US) MiB/s"
	echo "BENCH balloon inflate-time-$name $IN_US us"
	echo "BENCH balloon deflate-time-$name $OUT_US us"
	echo "BENCH balloon inflate-calls-per-gib-$name $(per_gib $IN_CALLS) calls"
	echo "BENCH balloon deflate-calls-per-gib-$name $(per_gib $OUT_CALLS) calls"
}

echo "vCPUs online: $(grep -c ^processor /proc/cpuinfo)"
if ! measure vmw_balloon; then
	echo "not ok 1 vmw_balloon"
	exit 1
fi
ref_in=$IN_US ref_out=$OUT_US
report vmw_balloon
if ! measure vmmemctl; then
	echo "not ok 1 vmmemctl"
	exit 1
fi
report vmmemctl
# Speed ratio ours/theirs = their time / our time.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }
echo "RATIO balloon inflate-vmmemctl/vmw_balloon $(ratio $ref_in $IN_US)"
echo "RATIO balloon deflate-vmmemctl/vmw_balloon $(ratio $ref_out $OUT_US)"
# Our driver on one CPU, as vmw_balloon works: what parallelism adds.
if ! measure vmmemctl alloc_threads=1; then
	echo "not ok 1 vmmemctl-1-thread"
	exit 1
fi
report vmmemctl-1thread
echo "RATIO balloon inflate-vmmemctl-1thread/vmw_balloon $(ratio $ref_in $IN_US)"
echo "RATIO balloon deflate-vmmemctl-1thread/vmw_balloon $(ratio $ref_out $OUT_US)"
echo "ok 1 inflate-deflate-both-drivers"
