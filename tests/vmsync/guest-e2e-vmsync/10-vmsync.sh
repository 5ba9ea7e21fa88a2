#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Host-initiated quiesced snapshots with Debian's real vmtoolsd, FIFREEZE made
# unavailable to it (LD_PRELOAD libnofifreeze.so answers ENOTTY), so it falls
# back to /proc/driver/vmware-sync and our vmsync driver freezes ext4 and xfs.
# The host sees no write in its window; abort and timeout thaw; an agent
# killed while frozen thaws the guest by itself (its file closes), unlike
# FIFREEZE (guest-e2e); an auto-thaw inside the window shows up on the host.
. "$PVBED_DIR/e2e.lib"
ktap_need_hostctl
ktap_plan 42

# Exactly our two filesystems are frozen, owned by the running agent.
frozen_by_agent() {
	vmsync_ctl Q 2 L >/tmp/list.out || { cat /tmp/list.out; return 1; }
	owned=$(grep -c "by .*\[$(agent_pid)\]" /tmp/list.out)
	cat /tmp/list.out
	[ "$owned" = 2 ] && grep -q " $MNT_EXT4 " /tmp/list.out && grep -q " $MNT_XFS " /tmp/list.out
}

fifreeze_refused() {
	cat "$PRELOAD_LOG"
	grep -q "^pid $(agent_pid) fd [0-9]* FIFREEZE -> ENOTTY" "$PRELOAD_LOG"
}

nothing_frozen() { vmsync_ctl Q 0; }

set_autothaw_ms() { echo "$1" >/sys/module/vmsync/parameters/autothaw_ms; }

autothaw_reported() { hostctl get bdoor guestinfo | grep -q '^guestinfo.vmsync.autothaw='; }

# The agent's snapshot did not count as quiesced: writes in the window.
host_saw_autothaw() {
	operation_ends || return 1
	result=$(vb result)
	echo "result $result: $(vb result-detail)"
	[ "$result" != ok ] && window_had_writes
}

check setup/filesystems make_filesystems
check setup/tools-conf write_tools_conf
check setup/writer start_writer
check setup/agent-with-preload start_agent "$PRELOAD"
check control/host-counts-writer-writes host_counts_writes

# 1. A quiesced snapshot, frozen by vmsync on the agent's behalf.
# The window leaves room for the three checks inside it on a loaded machine.
check vmsync/window-opens window_opens "snapshot-ms=5000"
check vmsync/writer-blocked-in-window writer_stalled_in_window
check vmsync/fifreeze-refused-to-agent fifreeze_refused
check vmsync/frozen-by-agent-through-vmsync frozen_by_agent
check vmsync/snapshot-ok snapshot_ok 5000
check vmsync/thawed nothing_frozen
check vmsync/writer-resumes writer_resumes
print_events vmsync

# 2. Host abort while frozen.
check abort/window-opens window_opens "snapshot-ms=60000"
check abort/frozen frozen_by_agent
check abort/host-abort hostctl set vmbackup abort true
check abort/aborted aborted_cleanly
check abort/thawed nothing_frozen
check abort/writer-resumes writer_resumes

# 3. Host timeout while frozen.
check timeout/window-opens window_opens "snapshot-ms=60000 timeout-ms=10000"
check timeout/timed-out timed_out_cleanly
check timeout/thawed nothing_frozen
check timeout/writer-resumes writer_resumes

# 4. The driver's auto-thaw fires inside the host's window: the host sees the
#    writes, the driver reports it through guestinfo.
check autothaw/short-timeout set_autothaw_ms 1500
check autothaw/window-opens window_opens "snapshot-ms=6000"
check autothaw/guest-thaws-itself wait_for 10 nothing_frozen
check autothaw/writer-resumes-in-window writer_resumes
check autothaw/host-not-quiesced host_saw_autothaw
check autothaw/reported-to-host autothaw_reported
print_events autothaw
check autothaw/default-timeout set_autothaw_ms 30000

# 5. The agent dies while frozen: vmsync thaws when its file closes, the
#    writer resumes, the host's window sees writes; nothing stays frozen.
check kill/window-opens window_opens "snapshot-ms=60000 silence-ms=4000 grace-ms=1000"
check kill/frozen frozen_by_agent
check kill/kill-9-agent kill_agent
check kill/guest-thaws-itself wait_for 5 nothing_frozen
check kill/writer-resumes writer_resumes
check kill/host-gives-up host_gave_up
check kill/host-saw-writes window_had_writes
print_events kill
check kill/ext4-not-frozen not_frozen "$MNT_EXT4"
check kill/xfs-not-frozen not_frozen "$MNT_XFS"

# 6. A new agent quiesces again after the crash.
check again/agent-restarts start_agent "$PRELOAD"
check again/window-opens window_opens "snapshot-ms=2000"
check again/frozen frozen_by_agent
check again/snapshot-ok snapshot_ok 2000

cleanup
ktap_exit
