#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Suspend and resume (the kernel's pm_test "devices" level: every driver's
# suspend, 5 s, every driver's resume): vmxnet switches the Flexible NIC back
# to vlance on suspend and to vmxnet again on resume, and the interface
# works afterwards.
. "$PVBED_DIR/flex.lib"
ktap_need_hostctl
ktap_plan 7

if [ ! -w /sys/power/pm_test ] || ! grep -qw freeze /sys/power/state; then
	echo "# SKIP this kernel has no pm_test or no suspend-to-idle"
	exit 77
fi
ktap_check vmxnet-up flex_setup vmxnet
to_vmx0=$(dev_stat nic0 stat-switches-vmxnet)
to_vl0=$(dev_stat nic0 stat-switches-vlance)
suspend_resume() {
	echo devices >/sys/power/pm_test &&
		echo freeze >/sys/power/state
	rc=$?
	echo none >/sys/power/pm_test
	return $rc
}
ktap_check suspend-resume suspend_resume
to_vmx1=$(dev_stat nic0 stat-switches-vmxnet)
to_vl1=$(dev_stat nic0 stat-switches-vlance)
echo "# switches to vmxnet $to_vmx0 -> $to_vmx1, to vlance $to_vl0 -> $to_vl1"
ktap_check suspend-switched-to-vlance [ "$to_vl1" = $((to_vl0 + 1)) ]
ktap_check resume-switched-to-vmxnet [ "$to_vmx1" = $((to_vmx0 + 1)) ]
ktap_check resume-mode-vmxnet host_mode_is nic0 vmxnet
ktap_check resume-still-vmxnet bound_to $NIC0_PCI vmxnet
resume_traffic() { wait_carrier a $IF_A 1 && traffic; }
ktap_check resume-traffic resume_traffic
ktap_exit
