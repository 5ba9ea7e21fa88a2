#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# With vmxnet/pvtools-vmxnet.conf in /etc/modprobe.d (as installed with the
# package) and both modules matching the vlance's PCI alias, loading the
# drivers for every PCI device by its modalias (what udev does at boot)
# gives the Flexible NIC to vmxnet, switched, and the plain pcnet to pcnet32.
. "$PVBED_DIR/flex.lib"
ktap_need_hostctl
ktap_plan 10

ktap_check no-driver-yet sh -c "! grep -qE '^(vmxnet|pcnet32) ' /proc/modules"
mkdir -p /etc/modprobe.d
ktap_check install-softdep cp "$PVBED_DIR/pvtools-vmxnet.conf" /etc/modprobe.d/
alias0=$(cat /sys/bus/pci/devices/$NIC0_PCI/modalias)
resolved=$(modprobe -R "$alias0" 2>&1)
echo "# $alias0 resolves to: $(echo $resolved)"
both() { echo "$resolved" | grep -qx vmxnet && echo "$resolved" | grep -qx pcnet32; }
ktap_check alias-matches-both both
coldplug() {
	for d in /sys/bus/pci/devices/*; do
		modprobe -b -q "$(cat $d/modalias)"
	done
	return 0
}
ktap_check coldplug coldplug
ktap_check flexible-is-vmxnet bound_to $NIC0_PCI vmxnet
ktap_check host-mode-vmxnet host_mode_is nic0 vmxnet
ktap_check plain-pcnet-is-pcnet32 bound_to $NIC1_PCI pcnet32
ktap_check vmxnet-up flex_setup vmxnet
ktap_check vmxnet-ethtool-driver driver_is a $IF_A vmxnet
ktap_check vmxnet-traffic traffic
ktap_exit
