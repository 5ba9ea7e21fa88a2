#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Ping with DF at MTU 1500 and at the jumbo MTU, at the boundary sizes: the
# largest payload that fits passes both ways, one byte more is refused, and
# goes out as fragments without DF.
. "$PVBED_DIR/vmxnet.lib"
ktap_plan 22

ktap_check topology-up vx_setup

df() { in_ns "$1" $PING -c 1 -W 3 -M do -s "$2" "$3" >/dev/null; }
# pings MTU SIZES...: each size both ways with DF, then the boundary.
pings() {
	mtu=$1
	max=$((mtu - 28))
	shift
	for s in "$@" $max; do
		ktap_check "mtu$mtu-df-$s" df a $s $IP_B
		ktap_check "mtu$mtu-df-$s-back" df b $s $IP_A
	done
	# The IP stack refuses DF above the MTU: a reference check.
	ktap_check "ref/mtu$mtu-df-$((max + 1))-refused" sh -c "! $IP netns exec a $PING -c 1 -W 2 -M do -s $((max + 1)) $IP_B"
	ktap_check "mtu$mtu-frag-$((max + 1))" ina $PING -c 1 -W 3 -M dont -s $((max + 1)) $IP_B
}

pings 1500 56 1471
ktap_check set-jumbo set_mtu $JUMBO_MTU
# 1473 and up need more than one standard rx buffer.
pings $JUMBO_MTU 1473 4097 $((JUMBO_MTU - 29))
ktap_check back-to-1500 set_mtu 1500
ktap_check mtu1500-after-jumbo df a 1472 $IP_B
ktap_exit
