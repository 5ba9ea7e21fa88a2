#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Hot removal: QMP device_del of nic1 while iperf3 and a verified TCP
# stream run through it, then device_add of the same NIC. The stack and the
# driver survive (the traffic's tasks end and are reaped, nic0 keeps
# working), the re-added NIC carries traffic, and four more remove/add
# cycles leave no memory behind. Last, the NIC comes back with host ring
# hints of 2 entries: the driver must raise them to rings the queue can
# work with (a 2-entry tx ring stopped the queue for good).
. "$PVBED_DIR/vmxnet.lib"
ktap_need_hostctl
ktap_plan 14

MAC1=52:54:00:76:78:02
SLOT1=${NIC1_PCI##*:}
SLOT1=0x${SLOT1%.*}

qmp() { hostctl qmp "$1" >/dev/null; }
# nic1_gone: the guest let go of the function and QEMU deleted the device.
nic1_gone() {
	t=100
	while [ -e "/sys/bus/pci/devices/$NIC1_PCI" ] || hostctl get nic1 type >/dev/null 2>&1; do
		t=$((t - 1))
		[ $t -le 0 ] && { echo "nic1 still there after 20 s"; return 1; }
		sleep 0.2
	done
}
del_nic1() { qmp '{"execute":"device_del","arguments":{"id":"nic1"}}' && nic1_gone; }
# add_nic1 [EXTRA_JSON]: the same NIC again, on its hub port and slot.
add_nic1() {
	qmp "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"vmxnet2\",\"id\":\"nic1\",\"netdev\":\"p1\",\"mac\":\"$MAC1\",\"addr\":\"$SLOT1\"$1}}" || return 1
	t=100
	until pci_ifname "$NIC1_PCI" "$NIC_DRIVER" >/dev/null 2>&1; do
		t=$((t - 1))
		[ $t -le 0 ] && { echo "no $NIC_DRIVER interface at $NIC1_PCI"; return 1; }
		sleep 0.2
	done
}
# reaped PID...: each is killed and gone within 5 s (none stuck in the kernel).
reaped() {
	for p in "$@"; do kill -9 "$p" 2>/dev/null; done
	t=25
	for p in "$@"; do
		while [ -d "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null; do
			t=$((t - 1))
			[ $t -le 0 ] && { echo "pid $p stuck: $(grep State "/proc/$p/status")"; return 1; }
			sleep 0.2
		done
	done
}
# Memory in use that is neither free nor cache, after dropping the caches.
used_kib() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	awk '/^MemTotal:/ { t = $2 } /^MemFree:/ { f = $2 } /^Buffers:/ { b = $2 }
		/^Cached:/ { c = $2 } /^SReclaimable:/ { r = $2 }
		END { print t - f - b - c - r }' /proc/meminfo
}

ktap_check topology-up vx_setup
inb iperf3 -s -p 5301 >/dev/null 2>&1 &
srv=$!
sleep 0.5
ina iperf3 -c $IP_B -p 5301 -t 60 >/dev/null 2>&1 &
cli=$!
STREAM_TIMEOUT=60
stream_start hp b a $IP_A 0
sleep 3
ktap_check device-del-under-traffic del_nic1
ktap_check netdev-gone sh -c "! $IP -n b link show $IF_B 2>/dev/null"
ktap_check traffic-tasks-reaped reaped $srv $cli $(pidof iperf3) $(pidof netverify)
wait 2>/dev/null
# nic0 has no peer now, but it still transmits (ARP requests for $IP_B).
nic0_transmits() {
	t0=$(if_stat a $IF_A tx_packets)
	ina $PING -c 2 -W 1 -q $IP_B >/dev/null 2>&1
	t1=$(if_stat a $IF_A tx_packets)
	[ "$t1" -gt "$t0" ] || { echo "tx_packets $t0 -> $t1"; return 1; }
}
ktap_check nic0-still-works nic0_transmits
ktap_check device-add add_nic1
ktap_check readded-topology-up vx_setup
ktap_check readded-stream a_to_b 4000000
ktap_check readded-stream-back b_to_a 4000000

# Memory: one more cycle to settle, then four; what stays in use after them
# must be less than what one NIC in use takes (what a leaked NIC would keep).
cycle() { del_nic1 && add_nic1 "$1" && vx_setup && a_to_b 1000000 >/dev/null; }
cycle >/dev/null 2>&1
u0=$(used_kib)
del_nic1 >/dev/null 2>&1
u_without=$(used_kib)
add_nic1 >/dev/null 2>&1 && vx_setup >/dev/null 2>&1 && a_to_b 1000000 >/dev/null 2>&1
u1=$(used_kib)
nic_kib=$((u1 - u_without))
ok=1
for i in 1 2 3 4; do cycle >/dev/null 2>&1 || ok=0; done
u2=$(used_kib)
echo "# in use: ${u0} KiB settled, ${u_without} KiB without nic1, ${u1} KiB with it (${nic_kib} KiB), ${u2} KiB after 4 cycles (+$((u2 - u1)) KiB)"
ktap_check four-cycles-work sh -c "[ $ok = 1 ]"
ktap_check four-cycles-no-leak sh -c "[ $nic_kib -gt 0 ] && [ $((u2 - u1)) -lt $nic_kib ]"

# Host ring hints below what a queue needs.
tiny_hints() {
	del_nic1 && add_nic1 ',"tx-hint":2,"rx-hint":2' && vx_setup || return 1
	inb $ETHTOOL -g $IF_B | sed 's/^/# /'
	a_to_b 2000000 && b_to_a 2000000
}
ktap_check tiny-ring-hints-work tiny_hints
ktap_check back-to-default-hints cycle
no_oops() { ! dmesg | grep -E 'BUG|Oops|WARNING|general protection|list_del corruption|refcount'; }
ktap_check no-oops no_oops
ktap_exit
