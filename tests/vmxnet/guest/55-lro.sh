#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Receive-side aggregation (LRO in the driver, LPD in the host, docs/protocol/vmxnet.md A6.6;
# on by default, checked by 10-probe.sh): verified streams arrive as aggregates (ethtool -S and the
# model's counters agree), `ethtool -K lro off` re-attaches without LPD and
# traffic goes on unaggregated, IP forwarding turns LRO off through the
# stack's dev_disable_lro(), aggregation works at the jumbo MTU too, and a
# change the host refuses leaves every setting as it was.
. "$PVBED_DIR/vmxnet.lib"
ktap_need_hostctl
ktap_plan 38

MB=4000000
ktap_check topology-up vx_setup

lro_shown() { in_ns "$1" $ETHTOOL -k "$2" | grep -q "^large-receive-offload: $3"; }
drv_stat() { nic_stats "$1" "$2" | awk -v k="$3" '$1 == k { print $2 }'; }
b_lro() { drv_stat b $IF_B lro_packets; }
host_lpd() { [ "$(dev_stat nic1 lpd)" = "$1" ]; }
host_aggr() { dev_stat nic1 stat-rx-lro-aggregates; }
# grew BEFORE NOW: strictly more.
grew() { [ -n "$2" ] && [ "$2" -gt "$1" ]; }

both_on() { lro_shown a $IF_A on && lro_shown b $IF_B on; }
ktap_check lro-on both_on
model_check host-lpd-on host_lpd true

d0=$(b_lro) h0=$(host_aggr)
ktap_check stream-with-lro a_to_b $MB
d1=$(b_lro) h1=$(host_aggr)
echo "# driver lro_packets $d0 -> $d1, host aggregates $h0 -> $h1"
ktap_check driver-counts-aggregates grew "$d0" "$d1"
model_check host-counts-aggregates grew "$h0" "$h1"
segs=$(drv_stat b $IF_B lro_segments)
ktap_check aggregates-stand-for-segments [ "$segs" -ge $((2 * d1)) ]
both() { stream_start x a b $IP_B $MB && stream_start y b a $IP_A $MB && stream_wait x && stream_wait y; }
ktap_check both-ways-with-lro both

ktap_check lro-off inb $ETHTOOL -K $IF_B lro off
ktap_check lro-off-shown lro_shown b $IF_B off
model_check host-lpd-off host_lpd false
wait_carrier b $IF_B 1 && ping_ok 15 >/dev/null
d0=$(b_lro) h0=$(host_aggr)
ktap_check stream-without-lro a_to_b $MB
unchanged() { [ "$(b_lro)" = "$1" ] && { ! has_dev_stats || { [ -n "$2" ] && [ "$(host_aggr)" = "$2" ]; }; }; }
ktap_check no-aggregates-without-lro unchanged "$d0" "$h0"

ktap_check lro-on-again inb $ETHTOOL -K $IF_B lro on
model_check host-lpd-on-again host_lpd true
wait_carrier b $IF_B 1 && ping_ok 15 >/dev/null

# Forwarding in b: the stack turns LRO off on every device of the namespace.
fwd() { inb sh -c "echo $1 > /proc/sys/net/ipv4/ip_forward"; }
ktap_check forwarding-on fwd 1
ktap_check forwarding-disables-lro lro_shown b $IF_B off
model_check forwarding-host-lpd-off host_lpd false
wait_carrier b $IF_B 1 && ping_ok 15 >/dev/null
d0=$(b_lro) h0=$(host_aggr)
ktap_check stream-while-forwarding a_to_b $MB
ktap_check no-aggregates-while-forwarding unchanged "$d0" "$h0"
fwd 0
inb $ETHTOOL -K $IF_B lro on
ktap_check lro-back-after-forwarding lro_shown b $IF_B on
wait_carrier b $IF_B 1 && ping_ok 15 >/dev/null

ktap_check set-jumbo set_mtu $JUMBO_MTU
ping_ok 15 >/dev/null
d0=$(b_lro)
ktap_check jumbo-stream-with-lro a_to_b $MB
ktap_check jumbo-aggregates grew "$d0" "$(b_lro)"
ktap_check jumbo-odd-chunks a_to_b 1234567 -c 7777
ktap_check back-to-1500 set_mtu 1500

# An upper device (a VLAN here) turns LRO off on the NIC below: the stack's
# NETIF_F_UPPER_DISABLES rule, the same path as for a bridge or bond port.
vlan_lro() {
	$IP -n b link add link $IF_B name $IF_B.7 type vlan id 7 || return 1
	lro_shown b $IF_B off && { ! has_dev_stats || host_lpd false; }
	rc=$?
	$IP -n b link del $IF_B.7
	return $rc
}
ktap_check vlan-upper-disables-lro vlan_lro
relro() { inb $ETHTOOL -K $IF_B lro on && lro_shown b $IF_B on && ping_ok 15 && a_to_b 1000000; }
ktap_check lro-on-after-vlan relro

# A re-attach the host refuses once (model fault init-refuse-once): the change
# fails, the driver attaches again with every old setting, and what the stack
# shows is what the host has (LRO on, LPD on; MTU 1500). Traffic goes on.
if has_dev_stats; then
	ktap_check refuse-next-init host_fault init-refuse-once nic1
	ktap_check lro-off-refused sh -c "! $IP netns exec b $ETHTOOL -K $IF_B lro off"
	ktap_check lro-still-shown lro_shown b $IF_B on
	ktap_check host-lpd-still-on host_lpd true
	wait_carrier b $IF_B 1 && ping_ok 15 >/dev/null
	ktap_check stream-after-refused-lro-change a_to_b 1000000
	mtu_is() { $IP -n b link show $IF_B | grep -q " mtu $1 "; }
	ktap_check refuse-next-init-again host_fault init-refuse-once nic1
	ktap_check mtu-change-refused sh -c "! $IP -n b link set $IF_B mtu $JUMBO_MTU 2>/dev/null"
	ktap_check mtu-still-1500 mtu_is 1500
	wait_carrier b $IF_B 1 && ping_ok 15 >/dev/null
	ktap_check stream-after-refused-mtu-change a_to_b 1000000
	ktap_check host-lpd-on-at-end host_lpd true
else
	for t in refuse-next-init lro-off-refused lro-still-shown host-lpd-still-on \
		stream-after-refused-lro-change refuse-next-init-again mtu-change-refused \
		mtu-still-1500 stream-after-refused-mtu-change host-lpd-on-at-end; do
		ktap_skip $t "NIC_MODEL=$NIC_MODEL: no fault switch"
	done
fi
ktap_exit
