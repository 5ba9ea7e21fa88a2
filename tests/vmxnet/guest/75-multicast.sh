#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Multicast filtering: frames for a group nobody joined are dropped by the
# device (the driver never sees them); a joined receiver gets every one;
# after it leaves, the device drops them again. allmulticast and promisc
# open the filter; a changed MAC takes effect at once.
# 239.1.2.3 (01:00:5e:01:02:03) hashes to LADRF bit 1, 224.0.0.1 (always
# joined) to bit 54, so the hash filter can tell them apart.
. "$PVBED_DIR/vmxnet.lib"
ktap_need_hostctl
ktap_plan 24

GROUP=239.1.2.3
PORT=5400
N=30
ktap_check topology-up vx_setup

send() { ina netverify mcast-send $GROUP $PORT $IP_A "${1:-$N}" >/dev/null; }
rx_pkts() { if_stat b $IF_B rx_packets; }
filtered() { dev_stat nic1 stat-rx-filtered; }
# grew_by BEFORE AFTER N: both read, and AFTER >= BEFORE + N.
grew_by() { [ -n "$1" ] && [ -n "$2" ] && [ $(($2 - $1)) -ge "$3" ]; }

# not_seen NAME: N frames for the group leave a; b's driver sees few of them
# (ARP or the like may add one or two) and the model counts N filtered.
not_seen() {
	name=$1
	r0=$(rx_pkts) f0=$(filtered)
	send
	sleep 0.5
	r1=$(rx_pkts) f1=$(filtered)
	echo "# $name: b's rx_packets +$((r1 - r0)), device filtered +$((${f1:-0} - ${f0:-0}))"
	ktap_check "$name-driver-sees-none" [ $((r1 - r0)) -lt $((N / 3)) ]
	model_check "$name-device-filtered" grew_by "$f0" "$f1" $N
}

# seen NAME: N frames reach b's driver.
seen() {
	r0=$(rx_pkts)
	send
	sleep 0.5
	r1=$(rx_pkts)
	echo "# $1: b's rx_packets +$((r1 - r0))"
	ktap_check "$1-driver-sees-all" [ $((r1 - r0)) -ge $N ]
}

not_seen before-join

joined() {
	inb netverify -t 15 mcast-recv $GROUP $PORT $IP_B $N >/tmp/mc.recv 2>&1 &
	r=$!
	sleep 1
	send
	wait $r
	rc=$?
	cat /tmp/mc.recv
	return $rc
}
ktap_check joined-receiver-gets-all joined
not_seen after-leave

ktap_check allmulticast-on $IP -n b link set $IF_B allmulticast on
seen allmulticast
ktap_check allmulticast-off $IP -n b link set $IF_B allmulticast off
not_seen after-allmulticast

ktap_check promisc-on $IP -n b link set $IF_B promisc on
seen promisc
# Unicast for another MAC passes only in promiscuous mode: a static
# neighbour entry points 10.0.0.9 at a MAC nobody has.
ina $IP neigh replace 10.0.0.9 lladdr 52:54:00:76:78:99 dev $IF_A
other_mac() {
	r0=$(rx_pkts)
	ina $PING -c $N -i 0.02 -W 1 -q 10.0.0.9 >/dev/null 2>&1
	sleep 0.5
	echo $(($(rx_pkts) - r0))
}
got=$(other_mac)
ktap_check promisc-other-mac-seen [ "$got" -ge $N ]
ktap_check promisc-off $IP -n b link set $IF_B promisc off
got=$(other_mac)
echo "# after promisc off: $got frames for another MAC reached b"
ktap_check other-mac-filtered [ "$got" -lt $((N / 3)) ]
not_seen after-promisc
ktap_check unicast-still-works ping_ok 5

# A new MAC: the device filters on it at once (docs/protocol/vmxnet.md A5.4), and the old one
# is now "another MAC". A change while up is allowed; a driver may
# refuse it (EBUSY), and then the change goes through down/up.
OLD_MAC=52:54:00:76:78:02 NEW_MAC=52:54:00:76:78:22
set_mac() {
	if $IP -n b link set $IF_B address "$1" 2>/tmp/mac.err; then
		echo yes >/tmp/mac.live
	else
		grep -q busy /tmp/mac.err || return 1
		echo "no (EBUSY)" >/tmp/mac.live
		$IP -n b link set $IF_B down && $IP -n b link set $IF_B address "$1" &&
			$IP -n b link set $IF_B up && wait_carrier b $IF_B 1
	fi
	ina $IP neigh flush dev $IF_A
	$IP -n b -o link show $IF_B | grep -q "ether $1 "
}
ktap_check mac-change set_mac $NEW_MAC
echo "# MAC changed while up: $(cat /tmp/mac.live)"
ktap_check new-mac-gets-traffic ping_ok 10
ina $IP neigh replace 10.0.0.9 lladdr $OLD_MAC dev $IF_A
got=$(other_mac)
echo "# after the MAC change: $got frames for the old MAC reached b"
ktap_check old-mac-filtered [ "$got" -lt $((N / 3)) ]
ktap_check mac-restored set_mac $OLD_MAC
ktap_check old-mac-back ping_ok 10
ktap_exit
