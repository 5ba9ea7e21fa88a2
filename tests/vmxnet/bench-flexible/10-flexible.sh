#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# TCP throughput (iperf3, a -> b, one stream, MTU 1500) of a pair of Flexible
# NICs, in turns: as vlance under pcnet32, and switched to vmxnet under our
# driver (unbind, bind), ROUNDS times. Prints the median of each as a BENCH
# line and RATIO vmxnet flexible-vmxnet/vlance.
. "$PVBED_DIR/flex.lib"

PORT=5700
SRV_CPU= CLI_CPU=
if [ "$(grep -c ^processor /proc/cpuinfo)" -ge 2 ]; then
	SRV_CPU="-A 1" CLI_CPU="-A 0"
fi

# iperf TO_IP: Mbit/s received, or nothing.
iperf() {
	PORT=$((PORT + 1))
	inb timeout $((SECS + 20)) iperf3 -s -1 $SRV_CPU -B "$1" -p $PORT >/dev/null 2>&1 &
	sleep 1
	ina timeout $((SECS + 15)) iperf3 -c "$1" $CLI_CPU -B $IP_A -p $PORT -t "$SECS" -O 1 -f m \
		>/tmp/iperf.out 2>&1
	rc=$?
	wait
	[ $rc = 0 ] || { sed 's/^/# /' /tmp/iperf.out; return 1; }
	awk '/receiver/ { for (i = 2; i <= NF; i++) if ($i == "Mbits/sec") print $(i - 1) }' /tmp/iperf.out
}

# pin PCI CPU_MASK: the device's INTx line to those CPUs.
pin() { echo "$2" >/proc/irq/$(cat /sys/bus/pci/devices/$1/irq)/smp_affinity; }

# use DRIVER: both NICs rebound to DRIVER, in place, answering.
use() {
	for pci in $NIC0_PCI $NIC1_PCI; do
		[ "$(driver_of $pci)" = "$1" ] && continue
		unbind $pci && bind $pci "$1" || return 1
	done
	place $NIC0_PCI "$1" a $IF_A $IP_A && place $NIC1_PCI "$1" b $IF_B $IP_B || return 1
	if [ -n "$SRV_CPU" ]; then
		pin $NIC0_PCI 1 && pin $NIC1_PCI 2 || return 1
	fi
	wait_carrier a $IF_A 1 && wait_carrier b $IF_B 1 && ping_ok 15
}

V_vlance= V_vmxnet=
measure() {
	v=$(iperf $IP_B)
	echo "# $1: ${v:-failed} Mbit/s"
	eval "V_$1=\"\$V_$1 ${v:-0}\""
}

median() { echo $* | tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END {
	if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

ktap_check modprobe-pcnet32 modprobe pcnet32
ktap_check modprobe-vmxnet modprobe vmxnet
ns_prepare a && ns_prepare b
r=0
while [ $r -lt "$ROUNDS" ]; do
	if use pcnet32 && host_mode_is nic0 vlance >/dev/null; then
		measure vlance
	else
		echo "# round $r: pcnet32 not up"
		V_vlance="$V_vlance 0"
	fi
	if use vmxnet && host_mode_is nic0 vmxnet >/dev/null; then
		measure vmxnet
	else
		echo "# round $r: vmxnet not up"
		V_vmxnet="$V_vmxnet 0"
	fi
	r=$((r + 1))
done
# Where the vmxnet side's time went, as the host model counted it (all rounds).
for st in rx-packets rx-busy rx-dropped rx-csum-ok interrupts; do
	printf '%s=%s ' "$st" "$(dev_stat nic1 stat-$st)"
done | sed 's/^/# receiving model (nic1): /'
echo
for st in tx-packets tx-kicks tx-csum interrupts switches-vmxnet switches-vlance; do
	printf '%s=%s ' "$st" "$(dev_stat nic0 stat-$st)"
done | sed 's/^/# sending model (nic0): /'
echo
vl=$(median $V_vlance) vx=$(median $V_vmxnet)
echo "# vlance runs:$V_vlance; vmxnet runs:$V_vmxnet (Mbit/s)"
for c in "vlance $vl" "vmxnet $vx"; do
	set -- $c
	if awk -v m="$2" 'BEGIN { exit !(m > 0) }'; then
		echo "BENCH vmxnet flexible-$1 $2 Mbit/s"
		ktap_ok "flexible-$1"
	else
		ktap_fail "flexible-$1" "no iperf3 result"
	fi
done
awk -v a="$vx" -v b="$vl" 'BEGIN { if (b > 0) printf "RATIO vmxnet flexible-vmxnet/vlance %.2f\n", a / b }'
ktap_exit
