#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# An interrupt storm (fault irq-storm) on CPU 1's slot: the storm limiter
# masks the slot and the device goes out of service; otherwise as alarm-lost.
VMI_FAULT=irq-storm
. "$PVBED_DIR/vmi.lib"
# alarm-lost.lib (guest-ce/50-alarm-lost.sh)'s plan: the runner reads it from this file; the script
# declares it again (a second `1..10` line, which the runner ignores).
ktap_need_hostctl
ktap_plan 10
. "$PVBED_DIR/alarm-lost.lib"
