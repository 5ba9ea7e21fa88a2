#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Inflate to 640 MiB and deflate to 0 with each driver; times come from the
# host (first GET_TARGET after the change to the last change of the locked
# frame count, so the drivers' 1 s poll latency is not measured). Prints
# BENCH and RATIO lines. Both drivers run in the same 2-vCPU VM (vm.conf):
# vmmemctl allocates on both CPUs, vmw_balloon on one; vmmemctl with
# alloc_threads=1 shows what the parallelism adds. Rounds alternate between
# the three (each a fresh load), so a load change on the shared host hits
# them alike; each keeps its best round.
. "$PVBED_DIR/balloon.lib"

MIB=640
ROUNDS=${ROUNDS:-3}

mibps() { awk -v m="$1" -v us="$2" 'BEGIN { printf "%.1f", (us > 0) ? m * 1000000 / us : 0 }'; }
per_gib() { awk -v n="$1" -v m="$MIB" 'BEGIN { printf "%.1f", n * 1024 / m }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }
dstat() { sed -n "s/^$1 *: *\([0-9]*\)\$/\1/p" /sys/kernel/debug/vmmemctl; }

# round KEY DRIVER [PARAM=VALUE...]: load, inflate, deflate, unload; keeps
# KEY's best times in IN_<KEY>/OUT_<KEY> and their host calls in INC_/OUTC_.
round() {
	key=$1 drv=$2
	shift 2
	s=$(hget starts)
	modprobe "$drv" "$@" || return 1
	while [ "$(hget starts)" -le "$s" ]; do sleep 1; done
	c0=$(hget page-cmd-calls)
	set_target_mib $MIB
	wait_target $MIB 300 >/dev/null || return 1
	us=$(hget active-us)
	c1=$(hget page-cmd-calls)
	hset target 0
	wait_locked 0 0 300 >/dev/null || return 1
	out=$(hget active-us)
	c2=$(hget page-cmd-calls)
	helpers=
	[ "$drv" = vmmemctl ] && helpers=" (helpers allocated $(dstat helperAlloc) of $((MIB / 2)) 2M pages)"
	rmmod "$drv" || return 1
	echo "round $r $key: inflate $us us, deflate $out us$helpers"
	eval "bi=\${IN_$key:-0} bo=\${OUT_$key:-0}"
	if [ "$bi" = 0 ] || [ "$us" -lt "$bi" ]; then
		eval "IN_$key=$us INC_$key=$((c1 - c0))"
	fi
	if [ "$bo" = 0 ] || [ "$out" -lt "$bo" ]; then
		eval "OUT_$key=$out OUTC_$key=$((c2 - c1))"
	fi
}

# report KEY NAME
report() {
	eval "i=\$IN_$1 o=\$OUT_$1 ic=\$INC_$1 oc=\$OUTC_$1"
	echo "BENCH vmmemctl inflate-$2 $(mibps $MIB $i) MiB/s"
	echo "BENCH vmmemctl deflate-$2 $(mibps $MIB $o) MiB/s"
	echo "BENCH vmmemctl inflate-time-$2 $i us"
	echo "BENCH vmmemctl deflate-time-$2 $o us"
	echo "BENCH vmmemctl inflate-calls-per-gib-$2 $(per_gib $ic) calls"
	echo "BENCH vmmemctl deflate-calls-per-gib-$2 $(per_gib $oc) calls"
}

echo "vCPUs online: $(grep -c ^processor /proc/cpuinfo)"
r=1
while [ $r -le "$ROUNDS" ]; do
	round ref vmw_balloon || { echo "not ok 1 inflate-deflate-vmw_balloon"; exit 1; }
	round ours vmmemctl || { echo "not ok 1 inflate-deflate-vmmemctl"; exit 1; }
	round one vmmemctl alloc_threads=1 || { echo "not ok 1 inflate-deflate-vmmemctl-1thread"; exit 1; }
	r=$((r + 1))
done

report ref vmw_balloon
report ours vmmemctl
report one vmmemctl-1thread
# Speed ratio ours/theirs = their time / our time.
echo "RATIO vmmemctl inflate-vmmemctl/vmw_balloon $(ratio $IN_ref $IN_ours)"
echo "RATIO vmmemctl deflate-vmmemctl/vmw_balloon $(ratio $OUT_ref $OUT_ours)"
echo "RATIO vmmemctl inflate-vmmemctl-1thread/vmw_balloon $(ratio $IN_ref $IN_one)"
echo "RATIO vmmemctl deflate-vmmemctl-1thread/vmw_balloon $(ratio $OUT_ref $OUT_one)"
echo "ok 1 inflate-deflate-both-drivers"
