#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Before our driver: the Flexible NIC is an AMD 79c970 PCnet32 (1022:2000
# rev 10) in vlance mode, and the in-tree pcnet32 drives it (ping, TCP with
# the data checked). None of it is our driver: pcnet32 and QEMU's PCnet core
# (ref), and what our host model presents (model/).
. "$PVBED_DIR/flex.lib"
ktap_need_hostctl
ktap_plan 10 ref

ktap_check model/pci-id-vlance pci_id_is $NIC0_PCI 0x1022 0x2000 0x10
ktap_check model/host-mode-vlance host_mode_is nic0 vlance
ktap_check modprobe-pcnet32 modprobe pcnet32
ktap_check pcnet32-has-flexible bound_to $NIC0_PCI pcnet32
ktap_check pcnet32-has-pcnet bound_to $NIC1_PCI pcnet32
ktap_check pcnet32-has-small-bar bound_to $SMALL_PCI pcnet32
ktap_check vlance-up flex_setup pcnet32
ktap_check vlance-ethtool-driver driver_is a $IF_A pcnet32
ktap_check vlance-traffic traffic
ktap_check model/host-still-vlance host_mode_is nic0 vlance
ktap_exit
