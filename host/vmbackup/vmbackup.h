/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Emulated VMware host: the VMX side of a quiesced snapshot (vmbackup).
 * Asks the guest's agent to quiesce over TCLO, follows its events, "takes the
 * snapshot" while the guest is frozen (a timed window in which the guest's
 * disks must see no write) and ends with one result. Plain C without QEMU
 * headers: host/qemu/vmware_vmbackup.c is the glue, test_vmbackup.c the tests.
 */
#ifndef PVTOOLS_VMBACKUP_H
#define PVTOOLS_VMBACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvtools/vmbackup_abi.h"

enum vmbackup_state {
	VMBACKUP_IDLE,		/* never started */
	VMBACKUP_STARTING,	/* start sent, no event yet */
	VMBACKUP_QUIESCING,	/* agent reset: freezing */
	VMBACKUP_SNAPSHOT,	/* agent frozen: the snapshot window is open */
	VMBACKUP_THAWING,	/* snapshotDone sent, waiting for req.done */
	VMBACKUP_ABORTING,	/* abort sent, waiting for req.done */
	VMBACKUP_DONE,		/* finished: see the result */
	VMBACKUP_STATE_COUNT
};

enum vmbackup_result {
	VMBACKUP_RESULT_NONE,
	VMBACKUP_RESULT_OK,		/* quiesced: no write in the window */
	VMBACKUP_RESULT_NOT_QUIESCED,	/* the guest wrote during the window */
	VMBACKUP_RESULT_ERROR,		/* the guest reported an error */
	VMBACKUP_RESULT_ABORTED,	/* cancelled (host abort or guest's own) */
	VMBACKUP_RESULT_TIMEOUT,	/* the host gave up waiting */
	VMBACKUP_RESULT_COUNT
};

#define VMBACKUP_MAX_DISKS	16
#define VMBACKUP_DISK_NAME	32
#define VMBACKUP_MAX_EVENTS	256
#define VMBACKUP_EVENT_TEXT	192
#define VMBACKUP_DETAIL_TEXT	256

/* Block-layer write counters of one guest disk. */
struct vmbackup_disk {
	char name[VMBACKUP_DISK_NAME];
	uint64_t writes;
	uint64_t bytes;
};

struct vmbackup_disk_set {
	struct vmbackup_disk disk[VMBACKUP_MAX_DISKS];
	unsigned int count;
};

/* What the environment supplies: time, TCLO, disk counters, one timer. */
struct vmbackup_ops {
	int64_t (*now_ns)(void *opaque);
	/* Queues a TCLO command for the agent; false if it cannot. */
	bool (*send_tclo)(void *opaque, const char *command);
	void (*read_disks)(void *opaque, struct vmbackup_disk_set *disks);
	/* Call vmbackup_tick() at deadline_ns (monotonic); < 0 cancels. */
	void (*set_timer)(void *opaque, int64_t deadline_ns);
	void *opaque;
};

/* Options of one operation ("key=value ..." in vmbackup_start()). */
struct vmbackup_options {
	bool manifest;		/* generateManifests argument of start */
	uint32_t snapshot_ms;	/* how long the host holds the snapshot window */
	uint32_t timeout_ms;	/* whole operation, start to req.done */
	uint32_t silence_ms;	/* longest gap between two agent events */
	uint32_t grace_ms;	/* how long an abort waits for req.done */
};

struct vmbackup_event {
	int64_t at_ns;		/* since the operation started */
	char text[VMBACKUP_EVENT_TEXT];
};

struct vmbackup {
	struct vmbackup_ops ops;
	struct vmbackup_options options;
	enum vmbackup_state state;
	enum vmbackup_result result;
	char detail[VMBACKUP_DETAIL_TEXT];
	uint64_t operations;		/* started since creation */

	int64_t started_ns;
	int64_t last_event_ns;
	int64_t window_end_ns;		/* when the open window closes */
	int64_t abort_deadline_ns;
	bool abort_for_timeout;		/* the abort was the host giving up */
	bool host_aborted;
	bool guest_aborted;
	bool guest_error;
	bool window_done;		/* opened and closed: writes are known */

	int64_t window_start_ns;
	int64_t window_ns;
	struct vmbackup_disk_set window_before;
	struct vmbackup_disk_set window_delta;
	uint64_t writes_in_window;

	struct vmbackup_event events[VMBACKUP_MAX_EVENTS];
	unsigned int event_count;
	uint64_t events_dropped;
};

void vmbackup_init(struct vmbackup *vb, const struct vmbackup_ops *ops);

/*
 * Starts an operation: options "manifest=0|1 snapshot-ms=N timeout-ms=N
 * silence-ms=N grace-ms=N" (any subset, space-separated). Returns 0, or -1
 * with a reason in *why when busy, the options are bad or TCLO refused.
 */
int vmbackup_start(struct vmbackup *vb, const char *options, const char **why);
/* Host abort of the running operation; -1 with *why if none is running. */
int vmbackup_abort(struct vmbackup *vb, const char **why);
/* The timer set through ops->set_timer fired (or any time: it is idempotent). */
void vmbackup_tick(struct vmbackup *vb);

/*
 * RPCI "vmbackup.eventSet" arguments (after the command's space, no NUL).
 * Returns true to answer success; false when no operation expects events,
 * which tells the agent the host forgot it, so it thaws by itself.
 */
bool vmbackup_event(struct vmbackup *vb, const uint8_t *args, uint32_t len);

bool vmbackup_busy(const struct vmbackup *vb);
const char *vmbackup_state_name(enum vmbackup_state state);
const char *vmbackup_result_name(enum vmbackup_result result);
/* Newline-separated "<ms since start> <text>" lines. malloc'd. */
char *vmbackup_events_text(const struct vmbackup *vb);
/* "<disk>=<writes>" per disk, space-separated; from a set. malloc'd. */
char *vmbackup_disks_text(const struct vmbackup_disk_set *disks);
uint64_t vmbackup_total_writes(const struct vmbackup_disk_set *disks);
void vmbackup_clear_events(struct vmbackup *vb);

#endif /* PVTOOLS_VMBACKUP_H */
