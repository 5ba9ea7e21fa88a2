#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Conformance vectors of docs/protocol/backdoor-and-rpc.md F1-F13 with our host model
# present: QEMU's own answers unchanged (F1-F10 but F7, which our device
# makes succeed) and the model's contracts (F11-F13). Memory and UUID as set in vm.conf.
. "$PVBED_DIR/ktap.sh"
ktap_plan 17 model
exec bdoor_vectors --model --ram-bytes $((512 * 1024 * 1024)) \
	--uuid 12345678-9abc-def0-1122-334455667788
