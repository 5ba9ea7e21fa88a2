#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 100 ifdown/ifup cycles on both NICs leak nothing: unreclaimable slab and
# free memory are compared before and after (after a warm-up, with caches
# dropped). Tolerance: 1 MiB of SUnreclaim, 4 MiB of MemFree; one leaked rx
# ring per cycle (>= 256 buffers) would be well over 25 MiB.
. "$PVBED_DIR/vmxnet.lib"
ktap_plan 7

ktap_check topology-up vx_setup

# cycle N: N down/up cycles of each NIC, one ip process per namespace (an
# exec per command would dominate the time under TCG).
cycle() {
	i=0
	: >/tmp/cyc.a
	: >/tmp/cyc.b
	while [ $i -lt "$1" ]; do
		printf 'link set %s down\nlink set %s up\n' $IF_A $IF_A >>/tmp/cyc.a
		printf 'link set %s down\nlink set %s up\n' $IF_B $IF_B >>/tmp/cyc.b
		i=$((i + 1))
	done
	$IP -n a -batch /tmp/cyc.a && $IP -n b -batch /tmp/cyc.b
}
settle() {
	wait_carrier a $IF_A 1 && wait_carrier b $IF_B 1 && ping_ok 10 || return 1
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep 1
}

cycle 5
ktap_check warm-up settle
su0=$(meminfo_kib SUnreclaim) sl0=$(meminfo_kib Slab) mf0=$(meminfo_kib MemFree)
t0=$(date +%s)
ktap_check 100-cycles cycle 100
echo "# 100 cycles in $(($(date +%s) - t0)) s"
ktap_check traffic-after-cycles settle
ktap_check stream-after-cycles a_to_b 2000000
settle
su1=$(meminfo_kib SUnreclaim) sl1=$(meminfo_kib Slab) mf1=$(meminfo_kib MemFree)
echo "# SUnreclaim $su0 -> $su1 kB, Slab $sl0 -> $sl1 kB, MemFree $mf0 -> $mf1 kB"
ktap_check sunreclaim-no-growth [ $((su1 - su0)) -le 1024 ]
ktap_check memfree-no-drop [ $((mf0 - mf1)) -le 4096 ]
ktap_exit
