#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Link down/up from the host (QMP set_link): the carrier follows, traffic
# stops and resumes, and a TCP stream across a link flap completes intact.
. "$PVBED_DIR/vmxnet.lib"
ktap_need_hostctl
ktap_plan 15

ktap_check topology-up vx_setup

ktap_check host-link-down host_link nic0 off
ktap_check carrier-off wait_carrier a $IF_A 0 10
ktap_check peer-carrier-stays-on [ "$(carrier b $IF_B)" = 1 ]
ktap_check no-traffic-while-down sh -c "! $IP netns exec a $PING -c 2 -i 0.3 -W 1 $IP_B"
ktap_check host-link-up host_link nic0 on
ktap_check carrier-on wait_carrier a $IF_A 1 10
ktap_check traffic-resumes ping_ok 10

ktap_check peer-link-down host_link nic1 off
ktap_check peer-carrier-off wait_carrier b $IF_B 0 10
ktap_check peer-link-up host_link nic1 on
ktap_check peer-carrier-on wait_carrier b $IF_B 1 10
ktap_check traffic-resumes-2 ping_ok 10

# A 3 s link outage in the middle of a paced stream: TCP retransmits.
flap() {
	STREAM_TIMEOUT=90
	stream_start flap a b $IP_B 3000000 -d 30000
	sleep 1
	host_link nic0 off
	sleep 3
	host_link nic0 on
	stream_wait flap
}
ktap_check stream-across-flap flap
ktap_check carrier-after-flap wait_carrier a $IF_A 1 10
ktap_exit
