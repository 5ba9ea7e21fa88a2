#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# From pcnet32 to vmxnet on a running system (unbind, bind), then rmmod
# vmxnet: the device is vlance again and pcnet32 binds it and works.
. "$PVBED_DIR/flex.lib"
ktap_need_hostctl
ktap_plan 10

ktap_check unbind-pcnet32 unbind $NIC0_PCI
ktap_check bind-vmxnet bind $NIC0_PCI vmxnet
ktap_check bound-vmxnet bound_to $NIC0_PCI vmxnet
ktap_check vmxnet-up flex_setup vmxnet
ktap_check vmxnet-traffic traffic
ktap_check rmmod-vmxnet rmmod vmxnet
ktap_check rmmod-gives-vlance host_mode_is nic0 vlance
echo $NIC0_PCI >/sys/bus/pci/drivers_probe
ktap_check rmmod-pcnet32-binds bound_to $NIC0_PCI pcnet32
ktap_check rmmod-pcnet32-up flex_setup pcnet32
ktap_check rmmod-pcnet32-traffic traffic
ktap_exit
