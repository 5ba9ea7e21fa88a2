#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# TCP throughput (iperf3, a -> b, one stream) through each NIC pair of the
# same VM and namespaces: (a) vmxnet2 TSO on MTU 9000, (b) TSO on MTU 1500,
# (c) TSO off MTU 1500, (d) QEMU's vmxnet3 at its largest working MTU,
# (e) virtio-net at MTU 9000, (f) veth at MTU 9000 (the in-guest ceiling).
. "$PVBED_DIR/vmxnet.lib"

PORT=5600

# iperf FROM_IP TO_IP: Mbit/s received, or nothing.
iperf() {
	PORT=$((PORT + 1))
	inb iperf3 -s -1 -B "$2" -p $PORT >/dev/null 2>&1 &
	sleep 1
	ina iperf3 -c "$2" -B "$1" -p $PORT -t "$SECS" -O 1 -f m >/tmp/iperf.out 2>&1
	rc=$?
	wait
	[ $rc = 0 ] || { sed 's/^/# /' /tmp/iperf.out; return 1; }
	awk '/receiver/ { for (i = 2; i <= NF; i++) if ($i == "Mbits/sec") print $(i - 1) }' /tmp/iperf.out
}

# run CASE FROM_IP TO_IP: one BENCH line; the value is kept in CASE's variable.
run() {
	v=$(iperf "$2" "$3")
	if [ -z "$v" ]; then
		ktap_fail "$1" "no iperf3 result"
		return 1
	fi
	echo "BENCH vmxnet $1 $v Mbit/s"
	ktap_ok "$1"
	eval "R_${1%%-*}=$v"
}

ratio() {
	awk -v w="$1" -v a="$2" -v b="$3" 'BEGIN { if (b > 0) printf "RATIO vmxnet %s %.2f\n", w, a / b }'
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
sleep 3
echo "# load before: $(cat /proc/loadavg) (guest)"

ktap_check mtu-9000 set_mtu 9000
run a-vmxnet2-tso-mtu9000 $IP_A $IP_B
ktap_check mtu-1500 set_mtu 1500
run b-vmxnet2-tso-mtu1500 $IP_A $IP_B
ina $ETHTOOL -K $IF_A tso off
run c-vmxnet2-notso-mtu1500 $IP_A $IP_B
ina $ETHTOOL -K $IF_A tso on
run e-virtio-mtu9000 10.0.2.1 10.0.2.2
run f-veth-mtu9000 10.0.3.1 10.0.3.2
run d-vmxnet3-mtu$V3_MTU 10.0.1.1 10.0.1.2

ratio a/d "$R_a" "$R_d"
ratio a/e "$R_a" "$R_e"
ratio a/f "$R_a" "$R_f"
ratio b/c "$R_b" "$R_c"
ktap_exit
