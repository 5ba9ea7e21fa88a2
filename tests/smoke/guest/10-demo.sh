#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Smoke test of a kernel line: `make vm`'s own demo (tests/bed/initramfs/demo.sh)
# with every driver, one KTAP result per driver, then the evidence it left:
# the TSO stream went out as TSO, the PHC reads a host offset.
. /usr/share/pvbed/ktap.sh

echo "# kernel $(uname -r)"
# The demo reports through /init's verdict channel; here each line becomes KTAP.
verdict() {
	case $1 in
	"@@DEMOOK "*) ktap_ok "${1#@@DEMOOK }" ;;
	"@@DEMOFAIL "*) ktap_fail "${1#@@DEMOFAIL }" ;;
	"@@OUT "*) echo "# ${1#@@OUT }" ;;
	esac
}
LOAD="pvcore vmxnet vmmemctl vmsync vmw_hostclock"
. /usr/share/pvbed/demo.sh

# The iperf3 stream of demo_vmxnet: the sender's NIC (moved into netns a)
# counted TSO packets.
if_a=$(/bin/ip netns exec a ls /sys/class/net 2>/dev/null | grep -vx lo | head -n 1)
stats=$(/bin/ip netns exec a /sbin/ethtool -S "$if_a" 2>&1)
tso=$(echo "$stats" | awk -F: '/tx_tso_packets/ { print $2 + 0 }')
if [ "${tso:-0}" -gt 0 ]; then
	ktap_ok vmxnet-tso-stream
else
	ktap_fail vmxnet-tso-stream "$if_a tx_tso_packets ${tso:-absent}"
fi
ktap_exit
