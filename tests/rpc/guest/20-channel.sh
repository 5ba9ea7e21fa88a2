#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# RPC through pvcore against our host model: guestinfo round trips seen from
# both sides, the 64 KiB message limit, many channels at once, concurrency,
# close and reopen.
. "$PVBED_DIR/rpc.lib"
ktap_need_hostctl
ktap_plan 13

set_then_get() {
	rpc_client -p "1 " "info-set guestinfo.pvtest hello world" \
		-p "1 hello world" "info-get guestinfo.pvtest"
}

host_sees_guest_value() {
	rpc_client -p "1 " "info-set guestinfo.fromguest 42" &&
		hostctl get bdoor guestinfo | grep -qx 'guestinfo.fromguest=42'
}

guest_sees_host_value() {
	hostctl set bdoor guestinfo "guestinfo.fromhost bonjour" &&
		rpc_client -p "1 bonjour" "info-get guestinfo.fromhost"
}

host_logs_request() {
	hostctl set bdoor rpci-log "" &&
		rpc_client -p "1 " "log pvtools rpc test" &&
		hostctl get bdoor rpci-log | grep -qx 'log pvtools rpc test'
}

unknown_command() { rpc_client -p "0 Unknown command" "no.such.command x"; }

# The largest message the host takes: a whole 65536-byte request.
# "info-set guestinfo.big " is 23 bytes.
largest_message() {
	sends=$(pvcore_stat hb_sends)
	rpc_client -b "big:$((65536 - 23))" &&
		[ "$(pvcore_stat hb_sends)" -gt "$sends" ]
}

# The same over the one-word-per-call path, with high bandwidth turned off.
largest_message_low_bandwidth() {
	echo 0 >/sys/module/pvcore/parameters/hb
	sends=$(pvcore_stat hb_sends)
	rpc_client -b "biglb:$((65536 - 25))"
	ret=$?
	echo 1 >/sys/module/pvcore/parameters/hb
	[ $ret = 0 ] && [ "$(pvcore_stat hb_sends)" = "$sends" ]
}

over_limit_refused() {
	head -c 65537 /dev/zero | tr '\0' a >/tmp/huge
	rpc_client -E EMSGSIZE "$(cat /tmp/huge)"
}

many_channels() {
	before=$(hostctl get bdoor open-channels)
	rpc_client -n 100 || return 1
	# Every channel closed again: the host's count is back where it was.
	[ "$(hostctl get bdoor open-channels)" = "$before" ]
}

concurrent_channels() { rpc_client -c 8:25; }

reopen_after_close() {
	opens=$(hostctl get bdoor channel-opens)
	for i in 1 2 3 4 5; do
		rpc_client -p "1 " "info-set guestinfo.reopen $i" || return 1
	done
	rpc_client -p "1 5" "info-get guestinfo.reopen" &&
		[ "$(hostctl get bdoor channel-opens)" -ge $((opens + 6)) ]
}

host_closes_channel() {
	rpc_client -p "1 " "info-set guestinfo.hc before" \
		-x "hostctl set bdoor fault close-channels" \
		-E ECONNRESET "info-get guestinfo.hc" \
		-p "1 before" "info-get guestinfo.hc"
}

no_channel_leak() { [ "$(pvcore_stat channels_open)" = 0 ]; }

ktap_check info-set-get set_then_get
ktap_check host-sees-guestinfo host_sees_guest_value
ktap_check guest-sees-host-guestinfo guest_sees_host_value
ktap_check host-logs-request host_logs_request
ktap_check unknown-command-refused unknown_command
ktap_check message-65536-bytes-hb largest_message
ktap_check message-65536-bytes-lb largest_message_low_bandwidth
ktap_check message-65537-bytes-emsgsize over_limit_refused
ktap_check hundred-channels-at-once many_channels
ktap_check eight-threads-concurrent concurrent_channels
ktap_check close-reopen reopen_after_close
ktap_check host-closes-channel host_closes_channel
ktap_check no-channel-leak no_channel_leak
ktap_exit
