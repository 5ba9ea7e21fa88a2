#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# pvcore on QEMU's vmport alone: GETVERSION answers, so it loads, but MESSAGE
# is unsupported (docs/protocol/backdoor-and-rpc.md F7) and an RPC request fails
# cleanly instead of trusting the unchanged ECX (docs/protocol/backdoor-and-rpc.md E4).
. "$PVBED_DIR/ktap.sh"
ktap_need_qemu "checks QEMU's own vmport, which a VMware hypervisor does not run"
ktap_plan 5

loads() { modprobe pvcore; }
rpc_unavailable() { grep -q '^rpc_available_at_load: 0' /sys/kernel/debug/pvcore/backdoor; }
request_refused() { rpc_client -E ECONNREFUSED "info-get guestinfo.x"; }
no_channel_left() { grep -q '^channels_open: 0' /sys/kernel/debug/pvcore/stats; }
unloads() { rmmod pvcore; }

ktap_check loads-on-qemu-vmport loads
ktap_check rpc-unavailable rpc_unavailable
ktap_check request-econnrefused request_refused
ktap_check no-channel-left no_channel_left
ktap_check unloads unloads
ktap_exit
