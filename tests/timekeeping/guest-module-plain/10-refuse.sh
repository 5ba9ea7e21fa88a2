#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Without a VMware backdoor modprobe vmw_hostclock fails with -ENODEV (pvcore,
# its dependency, refuses first and says so once); vmw_hostclock itself logs
# nothing and no PTP clock appears.
. "$PVBED_DIR/ktap.sh"
ktap_need_qemu "needs a machine without the VMware platform"
ktap_plan 4

mark=$(dmesg | wc -l)
out=$(modprobe vmw_hostclock 2>&1)
ret=$?
ours=$(dmesg | tail -n +"$((mark + 1))" | grep -e vmw_hostclock -e pvcore |
	grep -v -e 'taints kernel' -e 'module verification failed')

refused() { echo "$out"; [ $ret != 0 ] && echo "$out" | grep -q 'No such device'; }
one_line() { echo "$ours"; [ "$(echo "$ours" | grep -c .)" = 1 ]; }
not_loaded() { ! grep -q -e '^vmw_hostclock ' -e '^pvcore ' /proc/modules; }
no_clock() { ! grep -qx vmw_hostclock /sys/class/ptp/ptp*/clock_name 2>/dev/null; }

ktap_check modprobe-enodev refused
ktap_check exactly-one-log-line one_line
ktap_check not-loaded not_loaded
ktap_check no-ptp-clock no_clock
ktap_exit
