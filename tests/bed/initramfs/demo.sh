#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make vm` without a terminal: shows each loaded pvtools driver doing its job
# on the emulated host, one "ok"/"FAILED" line per driver and evidence lines.
# Sourced by /init (mode vm) after the modules are loaded: evidence goes out as
# @@OUT lines, each driver's outcome as @@DEMOOK/@@DEMOFAIL (tests/bed/vm).
IP=/bin/ip

say() { verdict "@@OUT $*"; }
# show PREFIX: stdin as evidence lines.
show() { while IFS= read -r l; do say "$1: $l"; done; }
result() {
	if [ "$1" = 0 ]; then verdict "@@DEMOOK $2"; else verdict "@@DEMOFAIL $2"; fi
}

# The interfaces a driver is bound to, in PCI order.
ifs_of() {
	for d in /sys/class/net/*; do
		[ "$(basename "$(readlink -f "$d/device/driver" 2>/dev/null)")" = "$1" ] &&
			echo "$(basename "$(readlink -f "$d/device")") ${d##*/}"
	done | sort | cut -d' ' -f2
}

# Two vmxnet NICs on one host hub, one per network namespace: jumbo ping and
# a TSO stream between them.
demo_vmxnet() {
	rc=
	set -- $(ifs_of vmxnet)
	if [ $# -lt 2 ]; then say "vmxnet: $# interfaces bound, need 2"; return 1; fi
	/sbin/ethtool -i "$1" | show vmxnet
	for ns in a b; do $IP netns add $ns && $IP -n $ns link set lo up || return 1; done
	$IP link set "$1" netns a && $IP link set "$2" netns b || return 1
	$IP -n a addr add 10.0.0.1/24 dev "$1" && $IP -n a link set "$1" mtu 9000 up &&
	$IP -n b addr add 10.0.0.2/24 dev "$2" && $IP -n b link set "$2" mtu 9000 up || return 1
	t=0
	until [ "$($IP netns exec a cat /sys/class/net/"$1"/carrier 2>/dev/null)" = 1 ] || [ $t -ge 10 ]; do
		sleep 1; t=$((t + 1))
	done
	out=$($IP netns exec a /bin/ping -c 3 -i 0.2 -W 2 -M do -s 8972 10.0.0.2) || rc=1
	echo "$out" | tail -n 2 | show vmxnet
	[ -z "$rc" ] || return 1
	$IP netns exec b /usr/bin/iperf3 -s -1 -D -B 10.0.0.2 >/dev/null 2>&1
	sleep 1
	$IP netns exec a /usr/bin/iperf3 -c 10.0.0.2 -t 3 -f m 2>&1 | grep -E 'sender|receiver' | show vmxnet
	$IP netns exec a /sbin/ethtool -S "$1" | grep -iE 'tso|tx_packets|rx_packets' | head -n 6 | show vmxnet
}

# The Flexible NIC (a vlance, 1022:2000, at 00:12.0) switched to vmxnet by our
# driver, in a third namespace on the same hub: ping and a stream to nic1.
demo_vmxnet_flexible() {
	pci=0000:00:12.0
	[ -e /sys/bus/pci/devices/$pci ] || { say "vmxnet (Flexible): no Flexible NIC"; return 1; }
	d=/sys/bus/pci/devices/$pci
	say "vmxnet (Flexible): $pci is $(cat $d/vendor):$(cat $d/device) rev $(cat $d/revision)," \
		"driver $(basename "$(readlink -f $d/driver 2>/dev/null)"), host mode $(hostctl get flex0 mode)"
	ifn=$(ls $d/net 2>/dev/null | head -n 1)
	[ -n "$ifn" ] && [ "$(hostctl get flex0 mode)" = vmxnet ] || return 1
	$IP netns add c && $IP -n c link set lo up && $IP link set "$ifn" netns c &&
		$IP -n c addr add 10.0.0.3/24 dev "$ifn" && $IP -n c link set "$ifn" up || return 1
	t=0
	until [ "$($IP netns exec c cat /sys/class/net/"$ifn"/carrier 2>/dev/null)" = 1 ] || [ $t -ge 10 ]; do
		sleep 1; t=$((t + 1))
	done
	out=$($IP netns exec c /bin/ping -c 3 -i 0.2 -W 2 10.0.0.2) || return 1
	echo "$out" | tail -n 2 | show "vmxnet (Flexible)"
	$IP netns exec b /usr/bin/iperf3 -s -1 -D -B 10.0.0.2 >/dev/null 2>&1
	sleep 1
	$IP netns exec c /usr/bin/iperf3 -c 10.0.0.2 -t 3 -f m 2>&1 | grep -E 'sender|receiver' |
		show "vmxnet (Flexible)"
}

# The host sets a balloon target; the driver inflates to it and back.
demo_vmmemctl() {
	hostctl set balloon target 16384 >/dev/null || return 1
	t=0
	while [ "$(hostctl get balloon locked-pages 2>/dev/null)" -lt 16384 ] 2>/dev/null && [ $t -lt 30 ]; do
		sleep 1; t=$((t + 1))
	done
	locked=$(hostctl get balloon locked-pages)
	say "vmmemctl: host target 64 MiB, host sees $locked frames locked after ${t}s"
	hostctl set balloon target 0 >/dev/null
	[ "$locked" -ge 16384 ]
}

# A loop-mounted ext4 frozen and thawed through the classic interface.
demo_vmsync() {
	[ -e /proc/driver/vmware-sync ] || { say "vmsync: no /proc/driver/vmware-sync"; return 1; }
	modprobe -q loop && modprobe -q ext4 &&
		dd if=/dev/zero of=/tmp/vmsync.img bs=1M count=32 2>/dev/null &&
		dev=$(losetup -f) && losetup "$dev" /tmp/vmsync.img &&
		/sbin/mke2fs -q -t ext4 -F "$dev" && mkdir -p /mnt/vmsync &&
		mount -t ext4 "$dev" /mnt/vmsync || { say "vmsync: no ext4 on a loop device"; return 1; }
	say "vmsync: freezing ext4 on $dev (/mnt/vmsync), then thawing"
	out=$(vmsync_ctl F /mnt/vmsync Q 1 S T Q 0 2>&1); rc=$?
	echo "$out" | show vmsync
	umount /mnt/vmsync && losetup -d "$dev"
	return $rc
}

# The host clock as a PTP clock: its offset from the guest clock.
demo_vmw_hostclock() {
	for c in /sys/class/ptp/ptp*; do
		[ "$(cat "$c/clock_name" 2>/dev/null)" = vmw_hostclock ] || continue
		dev=/dev/${c##*/}
		say "vmw_hostclock: $dev is \"$(cat "$c/clock_name")\""
		out=$(/usr/sbin/phc_ctl "$dev" cmp 2>&1); rc=$?
		echo "$out" | grep -v '^$' | show vmw_hostclock
		return $rc
	done
	say "vmw_hostclock: no PTP clock of ours in /sys/class/ptp"
	return 1
}

# An RPC round trip through pvcore's channel, read back by VMware's own client.
demo_pvcore() {
	rpc_client 'info-set guestinfo.pvtools.demo hello-from-pvcore' >/dev/null || return 1
	v=$(vmware-rpctool 'info-get guestinfo.pvtools.demo') || return 1
	say "pvcore: guestinfo.pvtools.demo set through /dev/pvcore_rpc, vmware-rpctool reads \"$v\""
	[ "$v" = hello-from-pvcore ]
}

# The VMI timer: the historical boot lines, its clocksource selected and back.
demo_vmi_timer() {
	cs=/sys/devices/system/clocksource/clocksource0
	dmesg | grep -E 'Detected VMI ROM version|VMI Timer active|vmi_timer .*Hz' | sed 's/^\[[^]]*\] //' | show vmi_timer
	t=0
	until grep -qw vmi-timer $cs/available_clocksource || [ $t -ge 50 ]; do sleep 0.1; t=$((t + 1)); done
	say "vmi_timer: available clocksources: $(cat $cs/available_clocksource)"
	prev=$(cat $cs/current_clocksource)
	echo vmi-timer > $cs/current_clocksource
	sleep 0.2
	now=$(cat $cs/current_clocksource)
	say "vmi_timer: current clocksource $now (was $prev; rating below tsc, so opt-in)"
	echo "$prev" > $cs/current_clocksource
	[ "$now" = vmi-timer ]
}

# The host's shared folder "data" mounted with vmhgfs: a host file read, a
# file written through the mount and its host copy checked over QMP.
demo_vmhgfs() {
	mkdir -p /mnt/hgfs && mount -t vmhgfs .host:/ /mnt/hgfs || return 1
	say "vmhgfs: $(grep ' /mnt/hgfs ' /proc/mounts)"
	say "vmhgfs: shares: $(ls /mnt/hgfs | tr '\n' ' ')"
	say "vmhgfs: /mnt/hgfs/data/hello.txt reads \"$(cat /mnt/hgfs/data/hello.txt)\""
	echo "written by the guest through vmhgfs" >/mnt/hgfs/data/guest.txt || return 1
	want=$(posix_cksum /mnt/hgfs/data/guest.txt)
	hostctl set hgfs host-cksum data/guest.txt >/dev/null
	got=$(hostctl get hgfs host-cksum)
	say "vmhgfs: wrote data/guest.txt; guest cksum $want, host's copy $got"
	umount /mnt/hgfs
	[ "$want" = "$got" ]
}

for m in $LOAD; do
	case "$m" in
	pvcore) demo_pvcore ;;
	vmxnet)
		demo_vmxnet
		result $? vmxnet
		m="vmxnet-flexible"
		demo_vmxnet_flexible
		;;
	vmmemctl) demo_vmmemctl ;;
	vmsync) demo_vmsync ;;
	vmw_hostclock) demo_vmw_hostclock ;;
	vmi_timer) demo_vmi_timer ;;
	vmhgfs) demo_vmhgfs ;;
	*) continue ;;
	esac
	result $? "$m"
done
