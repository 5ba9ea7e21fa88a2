#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# modprobe vmxnet with every 1022:2000 device free (pcnet32 unbound): vmxnet
# switches the Flexible NIC and drives it; QEMU's plain pcnet (a 32-byte
# BAR) and the Flexible NIC with a BAR too small are refused with one log
# line each, and pcnet32 takes them back and still works.
. "$PVBED_DIR/flex.lib"
ktap_need_hostctl
ktap_plan 14

for pci in $NIC0_PCI $NIC1_PCI $SMALL_PCI; do
	unbind $pci
done
mark=$(dmesg_mark)
ktap_check modprobe-vmxnet modprobe vmxnet
# What vmxnet left is offered to pcnet32 again.
for pci in $NIC0_PCI $NIC1_PCI $SMALL_PCI; do
	[ -e /sys/bus/pci/devices/$pci/driver ] || echo $pci >/sys/bus/pci/drivers_probe
done
ktap_check vmxnet-has-flexible bound_to $NIC0_PCI vmxnet
ktap_check host-mode-vmxnet host_mode_is nic0 vmxnet
ktap_check plain-pcnet-stays-pcnet32 bound_to $NIC1_PCI pcnet32
ktap_check plain-pcnet-one-log-line one_log_line $mark $NIC1_PCI "too small"
ktap_check small-bar-stays-pcnet32 bound_to $SMALL_PCI pcnet32
ktap_check small-bar-one-log-line one_log_line $mark $SMALL_PCI "too small"
ktap_check small-bar-host-mode-vlance host_mode_is small vlance
ktap_check pci-id-unchanged pci_id_is $NIC0_PCI 0x1022 0x2000 0x10

ktap_check vmxnet-up flex_setup vmxnet
ktap_check vmxnet-ethtool-driver driver_is a $IF_A vmxnet
ktap_check vmxnet-traffic traffic
rx=$(dev_stat nic0 stat-rx-packets)
ktap_check host-model-carried-it [ "${rx:-0}" -gt 1000 ]
echo "# the vmxnet side received $rx frames"

small_usable() {
	ns_prepare c && place $SMALL_PCI pcnet32 c $IF_C $IP_C && wait_carrier c $IF_C 1 &&
		in_ns c $PING -c 3 -W 2 -q $IP_B >/dev/null
}
ktap_check small-bar-pcnet32-usable small_usable
ktap_exit
