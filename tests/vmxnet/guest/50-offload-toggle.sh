#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ethtool -K toggles (tso, sg, tx and rx checksums) and -G ring resizes on
# both ends while a verified TCP stream runs: every change shows in -k/-g
# and the stream survives.
. "$PVBED_DIR/vmxnet.lib"
ktap_plan 12

ktap_check topology-up vx_setup

shown() { in_ns "$1" $ETHTOOL -k "$2" | grep -q "^$3: $4"; }
# toggle NS IF FEATURE SHOWN-AS: off, check, on, check.
toggle() {
	in_ns "$1" $ETHTOOL -K "$2" "$3" off && shown "$1" "$2" "$4" off &&
		sleep 0.3 &&
		in_ns "$1" $ETHTOOL -K "$2" "$3" on && shown "$1" "$2" "$4" on && sleep 0.3
}

# About 5 s of paced traffic: 6 MB in 64 KiB chunks, 40 ms apart.
STREAM_TIMEOUT=90
stream_start mid a b $IP_B 6000000 -d 40000
sleep 1
ktap_check a-tso-toggle toggle a $IF_A tso tcp-segmentation-offload
ktap_check a-sg-toggle toggle a $IF_A sg scatter-gather
ktap_check a-tx-csum-toggle toggle a $IF_A tx tx-checksumming
ktap_check b-rx-csum-toggle toggle b $IF_B rx rx-checksumming
ktap_check b-tso-toggle toggle b $IF_B tso tcp-segmentation-offload
ktap_check a-rx-csum-toggle toggle a $IF_A rx rx-checksumming
# Ring sizes change under the stream too (the driver rebuilds the rings).
ring_cur() { in_ns "$1" $ETHTOOL -g "$2" | awk -v k="$3:" '/^Current/ { c = 1 } c && $1 == k { print $2; exit }'; }
resize() {
	rx=$(ring_cur "$1" "$2" RX) tx=$(ring_cur "$1" "$2" TX)
	in_ns "$1" $ETHTOOL -G "$2" rx $((rx / 2)) tx $((tx / 2)) && sleep 0.3 &&
		in_ns "$1" $ETHTOOL -G "$2" rx "$rx" tx "$tx" &&
		[ "$(ring_cur "$1" "$2" RX)" = "$rx" ] && [ "$(ring_cur "$1" "$2" TX)" = "$tx" ]
}
ktap_check a-ring-resize resize a $IF_A
ktap_check b-ring-resize resize b $IF_B
ktap_check stream-survives-toggles stream_wait mid
# tx off drops the features that depend on it; tx on must bring them back.
ina $ETHTOOL -K $IF_A tx on sg on tso on >/dev/null 2>&1
ktap_check features-back-on sh -c "$IP netns exec a $ETHTOOL -k $IF_A | grep -q '^tcp-segmentation-offload: on'"
ktap_check stream-after-toggles a_to_b 2000000
ktap_exit
