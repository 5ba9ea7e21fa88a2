#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A host whose LPD aggregates carry an IP length that disagrees with the
# frame (every second aggregate, 100 bytes short): the driver derives GSO
# metadata from those headers, so it must drop such an aggregate (counted
# in lro_not_tcp) rather than hand the stack a packet whose headers and
# length disagree. TCP retransmits what was dropped: the verified stream
# still completes.
. "$PVBED_DIR/vmxnet.lib"
ktap_need_hostctl
ktap_plan 6

drv_stat() { nic_stats "$1" "$2" | awk -v k="$3" '$1 == k { print $2 }'; }
grew() { [ -n "$2" ] && [ "$2" -gt "$1" ]; }

ktap_check topology-up vx_setup
if ! has_dev_stats; then
	for t in stream-despite-bad-aggregates host-corrupted-aggregates \
		driver-drops-inconsistent-aggregates stream-after no-oops; do
		ktap_skip $t "NIC_MODEL=$NIC_MODEL: no fault switch"
	done
	ktap_exit
fi
d0=$(drv_stat b $IF_B lro_not_tcp) f0=$(dev_stat nic1 stat-faults-injected)
host_fault lro-bad-length nic1
ktap_check stream-despite-bad-aggregates a_to_b 1000000
host_fault none nic1
d1=$(drv_stat b $IF_B lro_not_tcp) f1=$(dev_stat nic1 stat-faults-injected)
echo "# host corrupted $((f1 - f0)) aggregates; driver dropped $((d1 - d0))"
ktap_check host-corrupted-aggregates grew "$f0" "$f1"
ktap_check driver-drops-inconsistent-aggregates grew "$d0" "$d1"
ktap_check stream-after a_to_b 1000000
no_oops() { ! dmesg | grep -E 'BUG|Oops|WARNING|general protection'; }
ktap_check no-oops no_oops
ktap_exit
