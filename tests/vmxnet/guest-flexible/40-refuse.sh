#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The host refuses the switch (switch-fault refuse: the morph port keeps
# reading LANCE_CHIP): vmxnet does not bind, says so in one line, and
# pcnet32 binds and works.
. "$PVBED_DIR/flex.lib"
ktap_need_hostctl
ktap_plan 12

ktap_check unbind-vmxnet unbind $NIC0_PCI
ktap_check unbind-gives-vlance host_mode_is nic0 vlance
ktap_check set-fault hostctl set nic0 switch-fault refuse
refused0=$(dev_stat nic0 stat-switches-refused)
mark=$(dmesg_mark)
ktap_check refused-bind-fails sh -c "! echo $NIC0_PCI >/sys/bus/pci/drivers/vmxnet/bind"
ktap_check refused-no-driver bound_to $NIC0_PCI none
ktap_check refused-one-log-line one_log_line $mark $NIC0_PCI "refused the switch"
ktap_check refused-host-counted [ "$(dev_stat nic0 stat-switches-refused)" -gt "${refused0:-0}" ]
ktap_check refused-mode-vlance host_mode_is nic0 vlance
ktap_check refused-pcnet32-binds bind $NIC0_PCI pcnet32
ktap_check refused-pcnet32-up flex_setup pcnet32
ktap_check refused-pcnet32-traffic traffic
ktap_check clear-fault hostctl set nic0 switch-fault none
ktap_exit
