#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Verified TCP streams (every byte and the length checked at the receiver)
# with TSO on and off, at MTU 1500 and the jumbo MTU, both directions. On our
# device model the host's TSO segment counter shows whether TSO was used.
. "$PVBED_DIR/vmxnet.lib"
ktap_need_hostctl
ktap_plan 18

MB=4000000
ktap_check topology-up vx_setup

tso_segs() { dev_stat nic0 stat-tx-tso-segments; }
# tso_used BEFORE: the model cut TSO frames since BEFORE.
tso_used() { [ "$(tso_segs)" -gt "$1" ]; }

check_tso() {
	name=$1 want=$2 before=$3
	if [ "$want" = used ]; then
		model_check "$name" tso_used "$before"
	else
		model_check "$name" sh -c "[ -n '$before' ] && [ \"\$(hostctl get nic0 stat-tx-tso-segments)\" = '$before' ]"
	fi
}

s0=$(tso_segs)
ktap_check tso-on-1500-a2b a_to_b $MB
check_tso tso-on-1500-device-segmented used "$s0"
ktap_check tso-on-1500-b2a b_to_a $MB
# Both directions at once: data and ACKs share each ring.
both() { stream_start x a b $IP_B $MB && stream_start y b a $IP_A $MB && stream_wait x && stream_wait y; }
ktap_check tso-on-1500-both-ways both

ktap_check tso-off ina $ETHTOOL -K $IF_A tso off
ktap_check tso-off-shown sh -c "$IP netns exec a $ETHTOOL -k $IF_A | grep -q '^tcp-segmentation-offload: off'"
s0=$(tso_segs)
ktap_check tso-off-1500-a2b a_to_b $MB
check_tso tso-off-1500-device-not-segmenting none "$s0"
ktap_check tso-on-again ina $ETHTOOL -K $IF_A tso on

ktap_check set-jumbo set_mtu $JUMBO_MTU
s0=$(tso_segs)
ktap_check tso-on-jumbo-a2b a_to_b $MB
check_tso tso-on-jumbo-device-segmented used "$s0"
ktap_check tso-on-jumbo-b2a b_to_a $MB
ktap_check tso-off-jumbo ina $ETHTOOL -K $IF_A tso off
ktap_check tso-off-jumbo-a2b a_to_b $MB
ina $ETHTOOL -K $IF_A tso on
# Odd write sizes so segments do not line up with the sender's writes.
ktap_check jumbo-odd-chunks a_to_b 1234567 -c 7777
ktap_check back-to-1500 set_mtu 1500
ktap_exit
