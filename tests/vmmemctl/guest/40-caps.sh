#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every capability fallback the host can force: the driver gets what it asked
# for and the host offers, and inflates with the matching lock command.
. "$PVBED_DIR/balloon.lib"
ktap_need_hostctl
ktap_plan 13

calls() { hget stats | awk -v c="$1" '$1 == c { print $2 }'; }

# try NAME HOST_CAPS LEGACY LOCK_CMD MIB
try() {
	name=$1 caps=$2 legacy=$3 cmd=$4 mib=$5
	want=$((caps & REQUESTED))
	[ "$legacy" = true ] && want=2
	hset legacy "$legacy" && hset caps "$caps" && renegotiate || {
		ktap_fail "$name" "no new session"
		return
	}
	granted=$(hget granted)
	before=$(calls "$cmd")
	set_target_mib "$mib"
	if ! out=$(wait_target "$mib" 240); then
		ktap_fail "$name" "granted $granted: $out"
	elif [ "$granted" != "$want" ]; then
		ktap_fail "$name" "granted $granted, expected $want"
	elif [ "$(calls "$cmd")" -le "$before" ]; then
		ktap_fail "$name" "inflated without $cmd"
	else
		ktap_ok "$name"
	fi
	ktap_check "$name-deflate" back_to_zero 240
}

try basic-only 2 false lock 16
try legacy-v2-start 62 true lock 16
try batched-4k-only 38 false batchLock 128
try 2m-without-64bit-target 14 false 2m-lock 128
try doorbell-offered 62 false 2m-lock 128

# Neither LOCK nor batched LOCK granted: the driver must not inflate at all.
no_lock_commands() {
	hset legacy false && hset caps 8 && renegotiate || return 1
	set_target_mib 16
	sleep 5
	[ "$(locked)" = 0 ] || { echo "inflated without lock commands"; return 1; }
	dmesg | grep "$DRIVER" | grep -q "no lock commands"
}
if [ "$DRIVER" = vmmemctl ]; then
	ktap_check no-lock-commands-granted no_lock_commands
else
	# Linux 6.1 spins in this case (docs/protocol/balloon.md §8 item 3): not a model property.
	ktap_skip no-lock-commands-granted "the in-tree driver has no defined behaviour here"
fi

hset target 0
hset legacy false
hset caps 46
ktap_check default-caps-again renegotiate
ktap_check no-oom no_oom
ktap_exit
