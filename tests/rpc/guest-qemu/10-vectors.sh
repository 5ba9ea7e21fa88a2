#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# QEMU's vmport answers exactly as captured in docs/protocol/backdoor-and-rpc.md F1-F10. GETRAMSIZE
# answers the VM's RAM, which vm.conf sets (MEMORY).
. "$PVBED_DIR/vm.conf"
. "$PVBED_DIR/ktap.sh"
ktap_need_qemu "checks QEMU's own vmport, which a VMware hypervisor does not run"
ktap_plan 10 ref
exec bdoor_vectors --ram-bytes $((MEMORY * 1024 * 1024)) \
	--uuid 12345678-9abc-def0-1122-334455667788
