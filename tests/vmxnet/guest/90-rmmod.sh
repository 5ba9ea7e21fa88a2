#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rmmod while TCP streams and pings run both ways (at 1500 and at the jumbo
# MTU): the module goes away promptly, the NICs disappear, no task hangs,
# and the driver comes back through its PCI alias (MODULE_DEVICE_TABLE).
. "$PVBED_DIR/vmxnet.lib"
ktap_plan 19

# gone PID...: each process can be killed and is reaped within 5 s.
gone() {
	for p in "$@"; do
		kill -9 "$p" 2>/dev/null
	done
	t=25
	for p in "$@"; do
		while [ -d "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null; do
			t=$((t - 1))
			[ $t -le 0 ] && { echo "pid $p still there: $(grep State "/proc/$p/status")"; return 1; }
			sleep 0.2
		done
	done
}

round() {
	mtu=$1
	ktap_check "mtu$mtu-topology-up" vx_setup
	[ "$mtu" = 1500 ] || ktap_check "mtu$mtu-set" set_mtu "$mtu"
	STREAM_TIMEOUT=60
	stream_start rm1 a b $IP_B 0
	stream_start rm2 b a $IP_A 0
	ina $PING -i 0.05 -q $IP_B >/dev/null 2>&1 &
	sleep 2
	t0=$(date +%s)
	ktap_check "mtu$mtu-rmmod-under-traffic" timeout 30 rmmod "$NIC_DRIVER"
	echo "# rmmod took $(($(date +%s) - t0)) s"
	ktap_check "mtu$mtu-module-gone" sh -c "! grep -q '^$NIC_DRIVER ' /proc/modules"
	ktap_check "mtu$mtu-netdevs-gone" sh -c "! ls /sys/bus/pci/devices/$NIC0_PCI/net /sys/bus/pci/devices/$NIC1_PCI/net 2>/dev/null | grep -q ."
	ktap_check "mtu$mtu-no-stuck-tasks" gone $(pidof netverify) $(pidof ping)
	wait 2>/dev/null
	alias=$(cat /sys/bus/pci/devices/$NIC0_PCI/modalias)
	ktap_check "mtu$mtu-reload-by-alias" modprobe "$alias"
	ktap_check "mtu$mtu-alias-loads-driver" grep -q "^$NIC_DRIVER " /proc/modules
	ktap_check "mtu$mtu-back-up" vx_setup
	ktap_check "mtu$mtu-stream-after-reload" a_to_b 2000000
}

round 1500
round $JUMBO_MTU
ktap_exit
