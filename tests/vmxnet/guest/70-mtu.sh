#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# MTU changes while the interface is up and a stream runs; each new MTU
# holds at its DF boundary; out-of-range MTUs are refused.
. "$PVBED_DIR/vmxnet.lib"
ktap_plan 10

ktap_check topology-up vx_setup

STREAM_TIMEOUT=90
stream_start mtu a b $IP_B 5000000 -d 30000
sleep 1
ok=0
for m in $JUMBO_MTU 1500 4000 $JUMBO_MTU 1500; do
	set_mtu $m || ok=1
	sleep 0.5
done
ktap_check mtu-changes-while-up [ $ok = 0 ]
ktap_check stream-survives-mtu-changes stream_wait mtu

boundary() {
	set_mtu "$1" && wait_carrier a $IF_A 1 && ping_ok 10 &&
		ina $PING -c 1 -W 2 -M do -s $(($1 - 28)) $IP_B >/dev/null &&
		! ina $PING -c 1 -W 2 -M do -s $(($1 - 27)) $IP_B >/dev/null 2>&1
}
for m in 576 4000 $JUMBO_MTU 1500; do
	ktap_check "mtu-$m-boundary" boundary $m
done
if [ -n "$NIC_MAX_MTU" ]; then
	ktap_check "mtu-above-$NIC_MAX_MTU-refused" sh -c "! $IP -n a link set $IF_A mtu $((NIC_MAX_MTU + 1)) 2>/dev/null"
else
	ktap_skip mtu-above-max-refused "NIC_MAX_MTU not set in vm.conf"
fi
ktap_check mtu-still-1500 sh -c "$IP -n a -o link show $IF_A | grep -q 'mtu 1500 '"
ktap_check stream-after a_to_b 2000000
ktap_exit
