#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Parallel inflation (module parameter alloc_threads) in a 2-vCPU guest: a
# batch is allocated on both CPUs, the balloon still reaches the target, the
# guest's count equals the host's and every page comes back; the parameter
# keeps to its bounds; rmmod in the middle of a parallel batch leaks nothing.
. "$PVBED_DIR/balloon.lib"
ktap_need_hostctl
ktap_plan 25

PARAM=/sys/module/vmmemctl/parameters/alloc_threads

dstat() { sed -n "s/^$1 *: *\([0-9]*\)\$/\1/p" /sys/kernel/debug/vmmemctl; }
allocs_2m() { sed -n 's/^alloc *(2M): *\([0-9]*\)$/\1/p' /sys/kernel/debug/vmmemctl; }
cpus() { grep -c ^processor /proc/cpuinfo; }

ktap_check two-cpus-online sh -c "[ $(cpus) -ge 2 ]"
ktap_check param-default-0 sh -c "[ \"\$(cat $PARAM)\" = 0 ]"

free0=$(mem_free_kib)
h0=$(dstat helperAlloc)
p0=$(dstat parallelBatches)
BIG=$(big_mib)
set_target_mib $BIG
ktap_check inflate-big-exact wait_locked $((BIG * FPM)) $((BIG * FPM)) 180
h1=$(dstat helperAlloc)
echo "# helpers allocated $((h1 - h0)) of $((BIG / 2)) 2M pages in $(($(dstat parallelBatches) - p0)) batches"
ktap_check helpers-allocated sh -c "[ $h1 -gt $h0 ] && [ $(dstat parallelBatches) -gt $p0 ]"
ktap_check guest-and-host-agree sh -c "[ '$(guest_current)' = $(locked) ]"
# A target between 2M pages: 2M pages up to it (one may overshoot), no leak.
hset target $((301 * FPM + 3))
ktap_check odd-target-reached wait_locked $((301 * FPM + 3)) $((301 * FPM + 3 + 511)) 180
ktap_check odd-target-agree sh -c "[ '$(guest_current)' = $(locked) ]"
ktap_check deflate-to-0 back_to_zero
ktap_check all-pages-back memfree_back "$free0"

# Bounds: 0 (auto) .. 16; anything else is refused and changes nothing.
for bad in 17 -1 abc 4294967296; do
	if echo "$bad" > $PARAM 2>/dev/null; then
		ktap_fail "param-refuses-$bad"
	else
		ktap_ok "param-refuses-$bad"
	fi
done
ktap_check param-unchanged sh -c "[ \"\$(cat $PARAM)\" = 0 ]"
ktap_check param-accepts-16 sh -c "echo 16 > $PARAM && [ \"\$(cat $PARAM)\" = 16 ]"

# One thread: the worker allocates alone, as before the parameter existed.
echo 1 > $PARAM
h0=$(dstat helperAlloc)
set_target_mib 128
ktap_check serial-inflate-128mib wait_target 128
ktap_check serial-no-helpers sh -c "[ $(dstat helperAlloc) = $h0 ]"
ktap_check serial-back-to-0 back_to_zero
echo 0 > $PARAM

# rmmod while a parallel batch is being allocated (before its lock).
free1=$(mem_free_kib)
a0=$(allocs_2m)
set_target_mib $BIG
t=600
while [ "$(allocs_2m)" -lt $((a0 + 40)) ] && [ $t -gt 0 ]; do
	t=$((t - 1))
	sleep 0.05
done
echo "# rmmod after $(($(allocs_2m) - a0)) 2M allocations, host holds $(locked) frames"
rmmod vmmemctl
ktap_check rmmod-mid-inflate-host-holds-nothing sh -c '[ "$(hostctl get balloon locked-pages)" = 0 ]'
hset target 0
ktap_check rmmod-mid-inflate-memory-back memfree_back "$free1"
ktap_check rmmod-no-warning sh -c "! dmesg | grep -qE 'WARNING:|BUG:'"

# Out-of-range values at load time fail the load.
if modprobe vmmemctl alloc_threads=17 2>/dev/null; then
	ktap_fail load-refuses-17
	rmmod vmmemctl
else
	ktap_ok load-refuses-17
fi
ktap_check load-with-2 sh -c "modprobe vmmemctl alloc_threads=2 && [ \"\$(cat $PARAM)\" = 2 ]"
rmmod vmmemctl
ktap_check reload-default modprobe vmmemctl
ktap_check no-oom no_oom
ktap_exit
