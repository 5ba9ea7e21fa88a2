#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# An interrupt storm (fault irq-storm) on CPU 1's slot: the storm limiter
# masks the slot and the device goes out of service; otherwise as alarm-lost.
VMI_FAULT=irq-storm
. "$PVBED_DIR/../guest-ce/50-alarm-lost.sh"
