#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The driver binds both NICs, takes the MAC the host gave, and answers
# ethtool -i/-k/-g/-G/-S; the topology comes up and pings.
. "$PVBED_DIR/vmxnet.lib"
ktap_plan 21

ktap_check topology-up vx_setup

info=$(ina $ETHTOOL -i $IF_A)
field() { echo "$info" | sed -n "s/^$1: //p"; }
ktap_check ethtool-i-driver [ "$(field driver)" = "$NIC_DRIVER" ]
ktap_check ethtool-i-bus [ "$(field bus-info)" = "$NIC0_PCI" ]
ktap_check ethtool-i-version [ -n "$(field version)" ]

has_mac() { $IP -n "$1" -o link show "$2" | grep -q "ether $3 "; }
ktap_check mac-from-host has_mac a $IF_A 52:54:00:76:78:01
ktap_check mac-from-host-nic1 has_mac b $IF_B 52:54:00:76:78:02

feat=$(ina $ETHTOOL -k $IF_A)
for f in tcp-segmentation-offload scatter-gather tx-checksumming rx-checksumming \
	 large-receive-offload; do
	ktap_check "ethtool-k-$f" sh -c "echo '$feat' | grep -q '^$f: on'"
done

# Ring sizes: within the maxima; -G changes them, traffic still flows, the
# old sizes come back.
ring_val() {
	ina $ETHTOOL -g $IF_A | awk -v k="$1:" -v want="$2" '
		/^Pre-set/ { s = "max" } /^Current/ { s = "cur" }
		$1 == k && s == want { print $2; exit }'
}
rx_max=$(ring_val RX max) tx_max=$(ring_val TX max)
rx_cur=$(ring_val RX cur) tx_cur=$(ring_val TX cur)
echo "# rings: rx $rx_cur of $rx_max, tx $tx_cur of $tx_max"
rings_sane() { [ "$rx_cur" -gt 0 ] && [ "$rx_cur" -le "$rx_max" ] && [ "$tx_cur" -gt 0 ] && [ "$tx_cur" -le "$tx_max" ]; }
ktap_check ethtool-g rings_sane
ktap_check ethtool-G-smaller ina $ETHTOOL -G $IF_A rx $((rx_cur / 2)) tx $((tx_cur / 2))
smaller() { [ "$(ring_val RX cur)" -lt "$rx_cur" ] && [ "$(ring_val TX cur)" -lt "$tx_cur" ]; }
ktap_check ethtool-G-applied smaller
traffic() { wait_carrier a $IF_A 1 && ping_ok 10 && a_to_b 1000000 && b_to_a 1000000; }
ktap_check ethtool-G-traffic traffic
# The kernel's ethtool core refuses it against the maxima: a reference check.
ktap_check ref/ethtool-G-too-large-refused sh -c "! $IP netns exec a $ETHTOOL -G $IF_A rx $((rx_max + 1))"
ktap_check ethtool-G-restore ina $ETHTOOL -G $IF_A rx "$rx_cur" tx "$tx_cur"
restored() { [ "$(ring_val RX cur)" = "$rx_cur" ] && [ "$(ring_val TX cur)" = "$tx_cur" ]; }
ktap_check ethtool-G-restored restored

# Counters: -S lists some, and rx and tx ones move with traffic.
nic_stats a $IF_A >/tmp/s0
ktap_check ethtool-S-lists [ "$(wc -l </tmp/s0)" -ge 4 ]
wait_carrier a $IF_A 1 && ping_ok 10
ina $PING -c 5 -i 0.2 -q $IP_B >/dev/null
nic_stats a $IF_A >/tmp/s1
moved() { stats_grew /tmp/s0 /tmp/s1 "$1" | grep -q .; }
ktap_check ethtool-S-tx-moves moved '[Tt][Xx]'
ktap_check ethtool-S-rx-moves moved '[Rr][Xx]'
ktap_exit
