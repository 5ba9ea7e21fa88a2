#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# On a host that is not VMware, pvcore refuses to load with -ENODEV and says
# so in exactly one log line; nothing else touches the (absent) backdoor.
. "$PVBED_DIR/ktap.sh"
ktap_need_qemu "needs a machine without the VMware platform"
ktap_plan 4

mark=$(dmesg | wc -l)
out=$(modprobe pvcore 2>&1)
ret=$?
# The kernel's own taint notices name the module too; they are not pvcore's.
lines=$(dmesg | tail -n +"$((mark + 1))" | grep 'pvcore' |
	grep -v -e 'taints kernel' -e 'module verification failed')
logged=$(echo "$lines" | grep -c .)

refused() { [ $ret != 0 ] && echo "$out" | grep -q 'No such device'; }
one_line() { echo "$lines"; [ "$logged" = 1 ]; }
not_loaded() { ! grep -q '^pvcore ' /proc/modules; }
force_probe_refused() { ! modprobe pvcore force_probe=1 2>/dev/null && not_loaded; }

ktap_check modprobe-enodev refused
ktap_check exactly-one-log-line one_line
ktap_check module-not-loaded not_loaded
ktap_check force-probe-still-refuses force_probe_refused
ktap_exit
