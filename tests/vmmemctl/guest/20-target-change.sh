#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The target moves while the balloon inflates: up, then down mid-way; the
# balloon follows to the final value and the host never over-locks.
. "$PVBED_DIR/balloon.lib"
ktap_need_hostctl
ktap_plan 5

set_target_mib 600
sleep 1
set_target_mib 200
ktap_check follows-lowered-target wait_target 200
set_target_mib 500
ktap_check follows-raised-target wait_target 500
set_target_mib 100
ktap_check deflates-to-lower-target wait_target 100
ktap_check back-to-0 back_to_zero
ktap_check no-oom no_oom
ktap_exit
