#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# UDP datagrams larger than the MTU leave as IP fragments and must arrive
# whole and unchanged (each acked; the sender resends a lost one).
. "$PVBED_DIR/vmxnet.lib"
ktap_plan 13

ktap_check topology-up vx_setup

PORT=5300
udp() {
	from=$1 to=$2 ip=$3 count=$4 size=$5
	PORT=$((PORT + 1))
	in_ns "$to" netverify -t 60 udp-recv $PORT 7 "$count" "$size" >/tmp/udp.recv 2>&1 &
	r=$!
	in_ns "$from" netverify -t 60 udp-send "$ip" $PORT 7 "$count" "$size" >/tmp/udp.send 2>&1
	src=$?
	wait $r
	rrc=$?
	cat /tmp/udp.send /tmp/udp.recv
	[ $src = 0 ] && [ $rrc = 0 ] && grep -q "$count of $count datagrams" /tmp/udp.recv
}

for size in 1472 1473 4000 20000 65507; do
	ktap_check "mtu1500-udp-$size" udp a b $IP_B 10 $size
done
ktap_check mtu1500-udp-30000-back udp b a $IP_A 10 30000
ktap_check set-jumbo set_mtu $JUMBO_MTU
for size in $((JUMBO_MTU - 28)) $((JUMBO_MTU - 27)) 30000 65507; do
	ktap_check "mtu$JUMBO_MTU-udp-$size" udp a b $IP_B 10 $size
done
ktap_check back-to-1500 set_mtu 1500
ktap_exit
