#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 802.1Q: VLAN 100 on top of both NICs. Full-size tagged frames (1518 bytes
# on the wire) pass, and a verified TCP stream through the VLAN devices uses
# the offloads they inherit (TSO, checksums) with the tag inside the frame.
. "$PVBED_DIR/vmxnet.lib"
ktap_plan 10

ktap_check topology-up vx_setup

vlan_up() {
	$IP -n a link add link $IF_A name $IF_A.100 type vlan id 100 &&
		$IP -n b link add link $IF_B name $IF_B.100 type vlan id 100 &&
		$IP -n a addr add 10.0.100.1/24 dev $IF_A.100 &&
		$IP -n b addr add 10.0.100.2/24 dev $IF_B.100 &&
		$IP -n a link set $IF_A.100 up && $IP -n b link set $IF_B.100 up
}
ktap_check vlan-up vlan_up
ktap_check vlan-inherits-tso sh -c "$IP netns exec a $ETHTOOL -k $IF_A.100 | grep -q '^tcp-segmentation-offload: on'"
vping() { ina $PING -c 1 -W 3 -M do -s "$1" 10.0.100.2 >/dev/null; }
t=10
while ! vping 56 && [ $t -gt 0 ]; do t=$((t - 1)); done
ktap_check vlan-ping-1472 vping 1472
ktap_check vlan-stream stream vl a b 10.0.100.2 3000000
ktap_check vlan-jumbo set_mtu $JUMBO_MTU
$IP -n a link set $IF_A.100 mtu $JUMBO_MTU
$IP -n b link set $IF_B.100 mtu $JUMBO_MTU
ktap_check vlan-ping-jumbo vping $((JUMBO_MTU - 28))
ktap_check vlan-stream-jumbo stream vlj a b 10.0.100.2 3000000
# Untagged traffic on the parent still flows.
ktap_check untagged-still-works ping_ok 5
vlan_down() { $IP -n a link del $IF_A.100 && $IP -n b link del $IF_B.100 && set_mtu 1500; }
ktap_check vlan-down vlan_down
ktap_exit
