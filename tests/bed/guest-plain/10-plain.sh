#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Checks that PLATFORM=plain really hides the VMware platform, so drivers'
# "not on VMware" paths can be tested, and that hostctl still works there.
. /usr/share/pvbed/ktap.sh
ktap_plan 4

no_backdoor() { ! vmware-checkvm >/dev/null 2>&1; }
no_vmware_serial() { ! grep -q '^VMware' /sys/class/dmi/id/product_serial 2>/dev/null; }
vmport_off() { [ "$(hostctl get /machine vmport)" = off ]; }
balloon_refuses() { ! modprobe vmw_balloon 2>/dev/null; }

ktap_check no-backdoor no_backdoor
ktap_check no-vmware-serial no_vmware_serial
ktap_check hostctl-get-vmport-off vmport_off
ktap_check vmw_balloon-refuses balloon_refuses
ktap_exit
