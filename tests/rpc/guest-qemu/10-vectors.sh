#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# QEMU's vmport answers exactly as captured in the spec (F1-F10).
exec bdoor_vectors --ram-bytes $((128 * 1024 * 1024)) \
	--uuid 12345678-9abc-def0-1122-334455667788
