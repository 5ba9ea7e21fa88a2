#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# TCP throughput (iperf3, a -> b, one stream) through each NIC pair of the
# same VM and namespaces: (a) vmxnet2 TSO on MTU 9000, (b) TSO on MTU 1500,
# (c) TSO off MTU 1500, (d) QEMU's vmxnet3 at its largest working MTU,
# (e) virtio-net at MTU 9000, (f) veth at MTU 9000 (the in-guest ceiling).
# Prints BENCH lines (Mbit/s, the median of ROUNDS runs of SECS seconds) and
# the ratios a/d, a/e, a/f and b/c of those medians.
# The cases are defined by TSO and MTU only: receive aggregation (LRO in the
# vmxnet driver, LPD in the host; vmxnet3's and virtio's own defaults) stays
# at its default, which is on, in every case.
. "$PVBED_DIR/vmxnet.lib"

PORT=5600
# With two or more vCPUs the sender runs on CPU 0 and the receiver on CPU 1 in
# every run and case, not wherever the scheduler puts them.
SRV_CPU= CLI_CPU=
if [ "$(grep -c ^processor /proc/cpuinfo)" -ge 2 ]; then
	SRV_CPU="-A 1" CLI_CPU="-A 0"
fi
echo "# $(grep -c ^processor /proc/cpuinfo) vCPUs; iperf3 client ${CLI_CPU:-unpinned}, server ${SRV_CPU:-unpinned}"

# iperf FROM_IP TO_IP: Mbit/s received, or nothing.
iperf() {
	PORT=$((PORT + 1))
	# Both ends bounded: a client that cannot connect leaves the server waiting.
	inb timeout $((SECS + 20)) iperf3 -s -1 $SRV_CPU -B "$2" -p $PORT >/dev/null 2>&1 &
	sleep 1
	ina timeout $((SECS + 15)) iperf3 -c "$2" $CLI_CPU -B "$1" -p $PORT -t "$SECS" -O 1 -f m \
		>/tmp/iperf.out 2>&1
	rc=$?
	wait
	[ $rc = 0 ] || { sed 's/^/# /' /tmp/iperf.out; return 1; }
	awk '/receiver/ { for (i = 2; i <= NF; i++) if ($i == "Mbits/sec") print $(i - 1) }' /tmp/iperf.out
}

# measure CASE FROM_IP TO_IP: one iperf3 run; keeps every successful value
# per case in V_<letter> and counts failed runs in F_<letter>.
measure() {
	k=${1%%-*}
	v=$(iperf "$2" "$3")
	if [ -z "$v" ] || ! awk -v v="$v" 'BEGIN { exit !(v ~ /^[0-9.]+$/ && v > 0) }'; then
		echo "# $1: run failed${v:+ ($v)}"
		eval "F_$k=\$((\${F_$k:-0} + 1))"
		return 1
	fi
	echo "# $1: $v Mbit/s"
	eval "V_$k=\"\$V_$k $v\""
}

# report CASE: the median of its successful runs into R_<letter>, as a BENCH
# line; a case with any failed run is not ok (and has no R_<letter>, so no
# RATIO uses it). Single runs on a shared machine range widely (one lucky or
# unlucky run of 5 is common), so the median, not the best, stands for the case.
report() {
	k=${1%%-*}
	eval "all=\"\$V_$k\" failed=\${F_$k:-0}"
	# "median best" of the sorted runs.
	set -- "$1" $(echo $all | tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END {
		if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[NR] }')
	med=$2
	echo "# $1: runs$all Mbit/s (median ${med:-none}, best ${3:-none}), $failed failed run(s)"
	if [ "$failed" = 0 ] && [ -n "$med" ]; then
		eval "R_$k=\$med"
		echo "BENCH vmxnet $1 $med Mbit/s"
		ktap_ok "$1"
	else
		eval "R_$k="
		ktap_fail "$1" "$failed iperf3 run(s) failed"
	fi
}

ratio() {
	awk -v w="$1" -v a="$2" -v b="$3" 'BEGIN { if (a > 0 && b > 0) printf "RATIO vmxnet %s %.2f\n", w, a / b }'
}

ktap_check topology-up vx_setup
pair() {
	place "$2" "$1" a "${4}a" "$6.1" "$5" && place "$3" "$1" b "${4}b" "$6.2" "$5"
}
ktap_check vmxnet3-up pair vmxnet3 $V3_PCI0 $V3_PCI1 v3 $V3_MTU 10.0.1
ktap_check virtio-up pair virtio_net $VT_PCI0 $VT_PCI1 vt 9000 10.0.2
veth() {
	$IP -n a link show vea >/dev/null 2>&1 ||
		$IP link add vea netns a mtu 9000 type veth peer name veb netns b mtu 9000 || return 1
	$IP -n a addr replace 10.0.3.1/24 dev vea && $IP -n b addr replace 10.0.3.2/24 dev veb &&
		$IP -n a link set vea up && $IP -n b link set veb up
}
ktap_check veth-up veth
# irq_to PCI MASK: every interrupt of the device at PCI (INTx or MSI/MSI-X) to
# the CPUs in MASK.
irq_to() {
	irqs=$(ls /sys/bus/pci/devices/$1/msi_irqs 2>/dev/null)
	# Without MSI the INTx line; with it, that line is not the device's.
	[ -n "$irqs" ] || irqs=$(cat /sys/bus/pci/devices/$1/irq)
	was=
	for irq in $irqs; do
		was="$was $(cat /proc/irq/$irq/effective_affinity_list 2>/dev/null)"
		echo "$2" >/proc/irq/$irq/smp_affinity || return 1
	done
	echo "# interrupts of $1 ($(echo $irqs)) on CPU mask $2 (were on CPUs:$was)" >>/tmp/irqs.txt
}
# The sending NIC interrupts the sender's CPU, the receiving NIC the
# receiver's, so which work shares a CPU is the same in every run and case.
pin_irqs() {
	for pci in $NIC0_PCI $V3_PCI0 $VT_PCI0; do irq_to $pci 1 || return 1; done
	for pci in $NIC1_PCI $V3_PCI1 $VT_PCI1; do irq_to $pci 2 || return 1; done
}
if [ -n "$SRV_CPU" ]; then
	ktap_check irqs-pinned pin_irqs
	cat /tmp/irqs.txt
fi
sleep 3
for ifn in "a $IF_A" "b $IF_B" "a v3a" "b v3b" "a vta" "b vtb"; do
	set -- $ifn
	printf '%s:%s ' "$2" "$(in_ns "$1" $ETHTOOL -k "$2" 2>/dev/null |
		sed -n 's/^large-receive-offload: \([a-z]*\).*/\1/p')"
done | sed 's/^/# large-receive-offload (default, left as is): /'
echo

# The cases take turns, ROUNDS times, and each reports its median run: the
# machine is shared, and load that comes and goes should hit every case alike.
A=a-vmxnet2-tso-mtu9000 B=b-vmxnet2-tso-mtu1500 C=c-vmxnet2-notso-mtu1500
D=d-vmxnet3-mtu$V3_MTU E=e-virtio-mtu9000 F=f-veth-mtu9000
r=0
while [ $r -lt "$ROUNDS" ]; do
	set_mtu 9000 && wait_carrier a $IF_A 1
	measure $A $IP_A $IP_B
	set_mtu 1500 && wait_carrier a $IF_A 1
	measure $B $IP_A $IP_B
	ina $ETHTOOL -K $IF_A tso off
	measure $C $IP_A $IP_B
	ina $ETHTOOL -K $IF_A tso on
	measure $D 10.0.1.1 10.0.1.2
	measure $E 10.0.2.1 10.0.2.2
	measure $F 10.0.3.1 10.0.3.2
	r=$((r + 1))
done
for c in $A $B $C $D $E $F; do
	report $c
done
# Where the vmxnet2 time went, as the model counted it.
for st in rx-packets rx-busy rx-dropped rx-jumbo rx-lro-aggregates rx-lro-segments \
	  rx-lro-singles rx-lro-flushes interrupts; do
	printf '%s=%s ' "$st" "$(dev_stat nic1 stat-$st)"
done | sed 's/^/# receiving vmxnet2 (nic1): /'
echo
for st in tx-packets tx-tso-packets tx-tso-segments tx-kicks interrupts; do
	printf '%s=%s ' "$st" "$(dev_stat nic0 stat-$st)"
done | sed 's/^/# sending vmxnet2 (nic0): /'
echo

ratio a/d "$R_a" "$R_d"
ratio a/e "$R_a" "$R_e"
ratio a/f "$R_a" "$R_f"
ratio b/c "$R_b" "$R_c"
ktap_exit
