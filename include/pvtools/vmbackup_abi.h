/* SPDX-License-Identifier: GPL-2.0 OR GPL-2.0-or-later */
/*
 * Quiesced-snapshot (vmbackup) protocol between the host and the guest's
 * agent: the TCLO commands the host sends, the RPCI message the agent reports
 * progress with, and its event names and codes.
 *
 * Facts from docs/protocol/vmsync.md B.11, checked
 * against open-vm-tools 12.2.0 (vmware/guestrpc/vmbackup.h, vmbackup plugin).
 */
#ifndef PVTOOLS_VMBACKUP_ABI_H
#define PVTOOLS_VMBACKUP_ABI_H

/* Host -> guest (TCLO). "start <generateManifests> [<volumes>]". */
#define VMBACKUP_TCLO_START		"vmbackup.start"
#define VMBACKUP_TCLO_START_WITH_OPTS	"vmbackup.startWithOpts"
#define VMBACKUP_TCLO_ABORT		"vmbackup.abort"
#define VMBACKUP_TCLO_SNAPSHOT_DONE	"vmbackup.snapshotDone"
#define VMBACKUP_TCLO_SNAPSHOT_COMPLETED "vmbackup.snapshotCompleted"

/* Guest -> host (RPCI): "vmbackup.eventSet <event> <code> <text>". */
#define VMBACKUP_RPCI_EVENT_SET		"vmbackup.eventSet"

/* Events. */
#define VMBACKUP_EVENT_RESET		"reset"
#define VMBACKUP_EVENT_SNAPSHOT_COMMIT	"prov.snapshotCommit"
#define VMBACKUP_EVENT_SNAPSHOT_ABORT	"prov.snapshotAbort"
#define VMBACKUP_EVENT_SNAPSHOT_PREPARE	"prov.snapshotPrepare"
#define VMBACKUP_EVENT_KEEP_ALIVE	"req.keepAlive"
#define VMBACKUP_EVENT_ERROR		"req.error"
#define VMBACKUP_EVENT_ABORTED		"req.aborted"
#define VMBACKUP_EVENT_DONE		"req.done"
#define VMBACKUP_EVENT_MANIFEST		"req.manifest"
#define VMBACKUP_EVENT_WRITER_ERROR	"req.writerError"

/* Event codes (VmBackupStatus). */
#define VMBACKUP_SUCCESS		0u
#define VMBACKUP_INVALID_STATE		1u
#define VMBACKUP_SCRIPT_ERROR		2u
#define VMBACKUP_SYNC_ERROR		3u
#define VMBACKUP_REMOTE_ABORT		4u
#define VMBACKUP_UNEXPECTED_ERROR	5u

/* The agent sends req.keepAlive half this period after its last event. */
#define VMBACKUP_KEEP_ALIVE_PERIOD_MS	5000u
/* Longest event message the VMX keeps. */
#define VMBACKUP_MAX_MSG_SIZE		1024u

#endif /* PVTOOLS_VMBACKUP_ABI_H */
