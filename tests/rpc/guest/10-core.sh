#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# pvcore on our VMware-looking host: detected through DMI + backdoor probe,
# the RPC channel available, its interfaces root-only.
. "$PVBED_DIR/rpc.lib"
ktap_plan 5

detected() {
	grep -q '^detected_by: ' /sys/kernel/debug/pvcore/backdoor &&
		grep -q '^transport: port' /sys/kernel/debug/pvcore/backdoor &&
		grep -q '^host_version: 6$' /sys/kernel/debug/pvcore/backdoor
}

rpc_available() { grep -q '^rpc_available_at_load: 1' /sys/kernel/debug/pvcore/backdoor; }

device_root_only() {
	[ "$(stat -c '%a %u' /dev/pvcore_rpc)" = "600 0" ]
}

# Even with the file mode opened up, the capability check must refuse.
non_root_refused() {
	chmod 666 /dev/pvcore_rpc
	rpc_client -U 65534 -O EPERM
	ret=$?
	chmod 600 /dev/pvcore_rpc
	return $ret
}

debugfs_root_only() { [ "$(stat -c '%a' /sys/kernel/debug/pvcore/stats)" = 400 ]; }

ktap_check detected-via-backdoor detected
ktap_check rpc-available rpc_available
ktap_check device-mode-0600 device_root_only
ktap_check non-root-eperm non_root_refused
ktap_check debugfs-root-only debugfs_root_only
ktap_exit
