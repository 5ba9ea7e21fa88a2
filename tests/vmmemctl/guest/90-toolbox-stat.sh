#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# open-vm-tools' own client sees the balloon: `vmware-toolbox-cmd stat balloon`
# asks the host over RPCI ("guestlib.info.get 3") and must print the size the
# host holds, in whole MiB, before, during and after inflating.
. "$PVBED_DIR/balloon.lib"
ktap_need_hostctl
ktap_plan 7

# The tool's answer equals the host's locked frames in whole MiB.
toolbox_agrees() {
	out=$(vmware-toolbox-cmd stat balloon 2>&1)
	want=$(($(locked) / FPM))
	[ "$out" = "$want MB" ] && return 0
	echo "toolbox says '$out', host holds $want MiB"
	return 1
}

# toolbox_says_mib LO HI: the tool prints a size in LO..HI MiB.
toolbox_says_mib() {
	out=$(vmware-toolbox-cmd stat balloon 2>&1)
	mb=${out% MB}
	case "$mb" in
	'' | *[!0-9]*) echo "toolbox says '$out'"; return 1 ;;
	esac
	[ "$mb" -ge "$1" ] && [ "$mb" -le "$2" ] && return 0
	echo "toolbox says '$out', wanted $1..$2 MB"
	return 1
}

ktap_check start-empty back_to_zero
ktap_check stat-empty-0mb toolbox_says_mib 0 0
set_target_mib 300
ktap_check inflate-300mib wait_target 300
# 2 MiB pages may overshoot the target by up to 511 frames.
ktap_check stat-300mb toolbox_says_mib 300 301
ktap_check stat-matches-host toolbox_agrees
set_target_mib 0
ktap_check deflate-to-0 wait_locked 0 0
ktap_check stat-deflated-0mb toolbox_says_mib 0 0
ktap_exit
