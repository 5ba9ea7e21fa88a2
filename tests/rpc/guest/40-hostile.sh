#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A hostile host: every fault switch of the model gives the caller a clear
# error (never an oops or an unkillable task), a rate-limited log line, and
# the channel works again once the fault is cleared.
. "$PVBED_DIR/rpc.lib"
ktap_need_hostctl
ktap_plan 9

# fault_case FAULT ERRNO: the request fails with ERRNO under FAULT, pvcore
# says why in the log, and a request after clearing the fault succeeds.
fault_case() {
	mark=$(dmesg | wc -l)
	hostctl set bdoor fault "$1" || return 1
	rpc_client -E "$2" "info-get guestinfo.hostile"
	ret=$?
	hostctl set bdoor fault none || return 1
	[ $ret = 0 ] || return 1
	[ -n "$(pvcore_log_since "$mark")" ] || { echo "no log line"; return 1; }
	rpc_client -p "1 " "info-set guestinfo.hostile recovered"
}

# A reply that never comes: a caller blocked in pvcore's wait for the reply
# dies at once on SIGKILL. Blocked there means: its kernel stack is in
# pvcore, and the kill is counted by the wait loop (err_interrupted).
in_pvcore() { grep -q '\[pvcore\]' /proc/$1/stack 2>/dev/null; }
killable_while_waiting() {
	echo 600000 >/sys/module/pvcore/parameters/rpc_timeout_ms
	hostctl set bdoor fault never-complete || return 1
	intr=$(pvcore_stat err_interrupted)
	rpc_client "info-get guestinfo.hostile" >/dev/null 2>&1 &
	pid=$!
	ret=0
	wait_for 5 in_pvcore $pid || { echo "client $pid not blocked in pvcore"; ret=1; }
	sed 's/^/stack: /' /proc/$pid/stack 2>/dev/null | head -n 4
	kill -9 $pid
	gone() { ! kill -0 $pid 2>/dev/null; }
	wait_for 2 gone || { echo "still alive 2 s after SIGKILL"; ret=1; }
	wait $pid 2>/dev/null
	hostctl set bdoor fault none
	echo 5000 >/sys/module/pvcore/parameters/rpc_timeout_ms
	[ "$(pvcore_stat err_interrupted)" -gt "$intr" ] ||
		{ echo "the wait loop saw no signal (err_interrupted $intr)"; ret=1; }
	return $ret
}

# And it times out by itself with a clear error.
times_out() {
	echo 1000 >/sys/module/pvcore/parameters/rpc_timeout_ms
	fault_case never-complete ETIMEDOUT
	ret=$?
	echo 5000 >/sys/module/pvcore/parameters/rpc_timeout_ms
	return $ret
}

rpc_client -p "1 " "info-set guestinfo.hostile initial" >/dev/null
ktap_check bad-status-econnreset fault_case bad-status ECONNRESET
ktap_check oversize-reply-emsgsize fault_case oversize-reply EMSGSIZE
ktap_check wrong-reply-type-eproto fault_case wrong-reply-type EPROTO
ktap_check garbage-reply-eproto fault_case garbage-reply EPROTO
ktap_check cpt-forever-bounded fault_case cpt-forever ECONNRESET
ktap_check bad-channel-id-eproto fault_case bad-channel-id EPROTO
ktap_check never-complete-etimedout times_out
ktap_check never-complete-killable killable_while_waiting
ktap_check no-channel-leak eval '[ "$(pvcore_stat channels_open)" = 0 ]'
ktap_exit
