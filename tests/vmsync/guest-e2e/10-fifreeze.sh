#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Host-initiated quiesced snapshots with Debian's vmtoolsd as it is: it
# freezes ext4 and xfs with FIFREEZE while a writer runs. The host sees no
# write in its snapshot window, the writer resumes after; host abort and
# host timeout thaw the guest; and an agent killed while frozen leaves the
# guest frozen (FIFREEZE outlives its caller) until fsfreeze -u.
. "$PVBED_DIR/e2e.lib"
ktap_need_hostctl
ktap_plan 25

check setup/filesystems make_filesystems
check setup/tools-conf write_tools_conf
check setup/writer start_writer
check setup/agent start_agent
check control/host-counts-writer-writes host_counts_writes

# 1. A quiesced snapshot as the VMX takes it.
check fifreeze/window-opens window_opens "snapshot-ms=4000"
check fifreeze/writer-blocked-in-window writer_stalled_in_window
check fifreeze/vmsync-not-used vmsync_ctl Q 0
check fifreeze/snapshot-ok snapshot_ok 4000
check fifreeze/writer-resumes writer_resumes
print_events fifreeze

# 2. The host aborts while the guest is frozen.
check abort/window-opens window_opens "snapshot-ms=60000"
check abort/writer-blocked writer_stalled
check abort/host-abort hostctl set vmbackup abort true
check abort/aborted aborted_cleanly
check abort/writer-resumes writer_resumes

# 3. The snapshot outlasts the host's timeout: the host aborts, the guest thaws.
check timeout/window-opens window_opens "snapshot-ms=60000 timeout-ms=10000"
check timeout/timed-out timed_out_cleanly
check timeout/writer-resumes writer_resumes

# 4. The agent dies while the guest is frozen: the host gives up, and the
#    FIFREEZE freeze outlives the agent.
check kill/window-opens window_opens "snapshot-ms=60000 silence-ms=4000 grace-ms=1000"
check kill/kill-9-agent kill_agent
check kill/host-gives-up host_gave_up
print_events kill
check kill/guest-still-frozen writer_stalled
check kill/fsfreeze-u-ext4-was-frozen frozen_by_fifreeze "$MNT_EXT4"
check kill/fsfreeze-u-xfs-was-frozen frozen_by_fifreeze "$MNT_XFS"
check kill/writer-resumes writer_resumes

cleanup
ktap_exit
