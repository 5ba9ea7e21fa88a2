#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Checks the test bed itself on the VMware platform: the pinned kernel booted,
# hostctl reaches QMP both ways, QEMU's vmport answers the backdoor, and the
# guest's userspace and in-tree modules work.
. /usr/share/pvbed/ktap.sh
ktap_plan 13

kernel_is_pinned() { [ "$(uname -r)" = "$PVBED_ABI" ]; }

status_running() {
	out=$(hostctl qmp '{"execute":"query-status"}') || return 1
	echo "$out" | grep -q '"status": "running"'
}

machine_vmport_on() { [ "$(hostctl get /machine vmport)" = on ]; }

# dump-guest-core is a machine property settable at run time: flip and restore.
set_then_get() {
	hostctl set /machine dump-guest-core false || return 1
	[ "$(hostctl get /machine dump-guest-core)" = false ] || return 1
	hostctl set /machine dump-guest-core true || return 1
	[ "$(hostctl get /machine dump-guest-core)" = true ]
}

# Device ids resolve to /machine/peripheral/<id>; every object has "type".
device_id_resolves() {
	[ "$(hostctl get bdoor type)" = vmware-backdoor ] ||
		{ echo "no vmware-backdoor device with id bdoor"; return 1; }
}

qmp_error_reported() {
	! hostctl get /machine no-such-property 2>/tmp/err >/dev/null &&
		grep -q 'no-such-property' /tmp/err
}

smbios_says_vmware() { grep -q '^VMware-56 4d' /sys/class/dmi/id/product_serial; }

# The kernel found VMware through DMI plus a ring-0 backdoor GETVERSION.
kernel_sees_vmware() { dmesg | grep -q 'Hypervisor detected: VMware'; }

# open-vm-tools probes from ring 3 (VMware lets user mode reach port 0x5658
# without IOPL); fails while QEMU raises #GP there.
userspace_backdoor() { vmware-checkvm | grep -q 'good'; }

modules_load() {
	for m in veth tun loop fuse ext4 xfs vmxnet3 virtio_net vmw_vmci; do
		modprobe "$m" || return 1
	done
}

veth_pair() {
	/bin/ip link add bedv0 type veth peer name bedv1 &&
		/bin/ip link set bedv0 up && /bin/ip link set bedv1 up &&
		/sbin/ethtool -i bedv0 | grep -q 'driver: veth' &&
		/bin/ip link del bedv0
}

# Every open-vm-tools program and plugin finds all its shared libraries.
vmtools_libs() {
	for f in /usr/bin/vmtoolsd /usr/bin/vmware-rpctool /usr/bin/vmware-toolbox-cmd \
		/usr/bin/vmhgfs-fuse /usr/lib/x86_64-linux-gnu/open-vm-tools/plugins/*/*.so; do
		out=$(/lib64/ld-linux-x86-64.so.2 --list "$f" 2>&1) || { echo "$f: $out"; return 1; }
		echo "$out" | grep 'not found' && return 1
	done
	return 0
}

taint_clean() { [ $(( $(cat /proc/sys/kernel/tainted) & ~12288 )) = 0 ]; }

ktap_check kernel-is-pinned kernel_is_pinned
ktap_check hostctl-qmp-query-status status_running
ktap_check hostctl-get-vmport machine_vmport_on
ktap_check hostctl-set-get set_then_get
ktap_check hostctl-device-id device_id_resolves
ktap_check hostctl-error-exit qmp_error_reported
ktap_check smbios-vmware-serial smbios_says_vmware
ktap_check kernel-sees-vmware kernel_sees_vmware
ktap_check userspace-backdoor userspace_backdoor
ktap_check intree-modules-load modules_load
ktap_check iproute2-ethtool-veth veth_pair
ktap_check open-vm-tools-libs vmtools_libs
ktap_check taint-clean taint_clean
ktap_exit
