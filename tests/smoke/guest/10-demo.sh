#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Smoke test of a kernel line: `make vm`'s own demo (tests/bed/initramfs/demo.sh)
# with every driver, one KTAP result per driver, then the evidence it left:
# the TSO stream went out as TSO, the PHC reads a host offset.
. /usr/share/pvbed/ktap.sh
ktap_plan 8

echo "# kernel $(uname -r)"
# The drivers the demo runs, and the results expected of it, in its order
# (vmxnet also shows the Flexible NIC, as vmxnet-flexible): fixed here, so
# the plan does not follow what demo.sh happens to report. One more result,
# the TSO stream, follows: 7 + 1 = the plan.
LOAD="pvcore vmxnet vmmemctl vmsync vmw_hostclock vmi_timer"
SHOWN="pvcore vmxnet vmxnet-flexible vmmemctl vmsync vmw_hostclock vmi_timer"
# The demo reports through /init's verdict channel; here each line becomes
# KTAP, right after its evidence, for the names in SHOWN only, once each.
REPORTED=" "
demo_result() {
	case " $SHOWN " in
	*" $1 "*) ;;
	*) echo "# demo.sh also reported $1 ($2), not in this script's plan"; return ;;
	esac
	case "$REPORTED" in
	*" $1 "*) echo "# demo.sh reported $1 ($2) again"; return ;;
	esac
	REPORTED="$REPORTED$1 "
	if [ "$2" = ok ]; then ktap_ok "$1"; else ktap_fail "$1"; fi
}
verdict() {
	case $1 in
	"@@DEMOOK "*) demo_result "${1#@@DEMOOK }" ok ;;
	"@@DEMOFAIL "*) demo_result "${1#@@DEMOFAIL }" failed ;;
	"@@OUT "*) echo "# ${1#@@OUT }" ;;
	esac
}
. /usr/share/pvbed/demo.sh
# What the demo did not report still counts.
for d in $SHOWN; do
	case "$REPORTED" in
	*" $d "*) ;;
	*) ktap_fail "$d" "demo.sh reported nothing for $d" ;;
	esac
done

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
