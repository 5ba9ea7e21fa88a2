#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Races: two files fight for the same filesystems while the auto-thaw
# (100 ms) fires around their THAWs and closes, and LIST/QUERY readers run.
# Whatever wins, the end state is nothing frozen, no oops, no leak.
. "$PVBED_DIR/vmsync.lib"
ktap_plan 5

setup_fs
echo 100 > /sys/module/vmsync/parameters/autothaw_ms

fighter() {
	n=0
	while [ $n -lt 25 ]; do
		# Exit status ignored: EBUSY (the other one holds it) and
		# ETIMEDOUT (the auto-thaw came first) are both expected.
		vmsync_ctl F "$E:$X:$L" W $((80 + n % 5 * 10)) T >/dev/null 2>&1
		vmsync_ctl F "$X:$L" >/dev/null 2>&1
		n=$((n + 1))
	done
}
reader() {
	while [ ! -f /tmp/races.done ]; do
		vmsync_ctl L S >/dev/null 2>&1
		cat /sys/kernel/debug/vmsync/frozen >/dev/null
	done
}

rm -f /tmp/races.done
reader &
r=$!
fighter &
f1=$!
fighter &
f2=$!
start_write $E
wait $f1
wait $f2
touch /tmp/races.done
wait $r
echo 30000 > /sys/module/vmsync/parameters/autothaw_ms

ktap_check nothing-left-frozen vmsync_ctl Q 0
# wait needs this shell, not ktap_check's subshell.
if write_done; then ktap_ok writer-finished; else ktap_fail writer-finished; fi
ktap_check all-writable sh -c "timeout 5 sh -c 'echo x > $E/r && echo x > $X/r && echo x > $L/r'"
stats=$(cat /sys/kernel/debug/vmsync/stats)
echo "$stats" | sed 's/^/# /'
balanced() {
	frozen=$(echo "$stats" | awk '$1 == "frozen" { print $2 }')
	thawed=$(echo "$stats" | awk '$1 == "thawed" { print $2 }')
	[ "$frozen" = "$thawed" ] && [ "$(echo "$stats" | awk '$1 == "frozen_now" { print $2 }')" = 0 ]
}
ktap_check every-freeze-thawed-once balanced
no_oops() { ! dmesg | grep -E 'BUG|Oops|WARNING|general protection|list_del corruption'; }
ktap_check no-oops no_oops
ktap_exit
