/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host side of the VMware memory balloon port (0x5670): a plain-C model of
 * the monitor's balloon session, shared by the QEMU glue and the unit tests.
 * The caller owns guest memory; the model reaches it only through vmb_ops.
 */
#ifndef PVTOOLS_HOST_BALLOON_H
#define PVTOOLS_HOST_BALLOON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pvtools/balloon_abi.h>

/* The guest registers one IN instruction sees and may change. */
struct vmb_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi;
};

struct vmb_ops {
	/* Guest-physical reads/writes of the batch page; false if not RAM. */
	bool (*read_guest)(void *opaque, uint64_t gpa, void *buf, size_t len);
	bool (*write_guest)(void *opaque, uint64_t gpa, const void *buf, size_t len);
	/* The host took @count frames: their backing may be dropped. */
	void (*frames_taken)(void *opaque, uint64_t pfn, uint64_t count);
	/* UNLOCK: the frames are the guest's again and must read as zero. */
	void (*frames_returned)(void *opaque, uint64_t pfn, uint64_t count);
	/*
	 * Optional. START or a host reset dropped the frames without an UNLOCK.
	 * The guest may already be reusing them (Linux pops before START), so
	 * their contents must not be touched.
	 */
	void (*frames_forgotten)(void *opaque, uint64_t pfn, uint64_t count);
	/* Optional: the target changed and a doorbell is registered. */
	void (*ring_doorbell)(void *opaque, uint32_t context, uint32_t resource);
};

enum vmb_state {
	VMB_NEED_START,
	VMB_RUNNING,
};

/* Hostile-host switches for tests; one at a time. */
enum vmb_fault {
	VMB_FAULT_NONE,
	VMB_FAULT_TARGET_OVER_RAM,	/* target far beyond guest RAM and limit */
	VMB_FAULT_BAD_CMD_STATUS,	/* undefined EAX for every command but START */
	VMB_FAULT_BAD_ENTRY_STATUS,	/* batch entries: status 9..31, reserved bits, PFN scrambled */
	VMB_FAULT_REFUSE_ALL,		/* every page lock refused as PINNED */
	VMB_FAULT_RESET_ALWAYS,		/* every command but START resets the session */
	VMB_FAULT_BUSY,			/* every lock/unlock command answers BUSY */
	VMB_FAULT_NUM
};

/* The undefined command status VMB_FAULT_BAD_CMD_STATUS answers. */
#define VMB_BAD_CMD_STATUS	0x0BADC0DEu

#define VMB_MAX_RAM_RANGES	4
#define VMB_MAX_PINNED		16
/* Counter slot for command 5 and everything >= VMBALLOON_CMD_NUM. */
#define VMB_CMD_SLOT_OTHER	VMBALLOON_CMD_NUM
#define VMB_CMD_SLOTS		(VMBALLOON_CMD_NUM + 1)
/* Commands remembered for tests (e.g. "no UNLOCK between a RESET and START"). */
#define VMB_LOG_SIZE		1024

struct vmb_log_entry {
	uint32_t cmd;			/* CX[15:0] */
	uint32_t status;		/* EAX answered */
};

/* Per-status counters: 0..31 plus one slot for anything else. */
#define VMB_STATUS_SLOTS	33

struct vmb_range {
	uint64_t start;		/* first PFN */
	uint64_t count;		/* frames */
};

struct vmb_counters {
	uint64_t calls[VMB_CMD_SLOTS];
	uint64_t failed[VMB_CMD_SLOTS];	/* status neither 0 nor SUCCESS_WITH_CAPS */
	uint64_t status[VMB_STATUS_SLOTS];	/* command and entry statuses */
	uint64_t bad_magic;
	uint64_t resets;		/* host-initiated resets */
	uint64_t starts;
	uint64_t frames_taken;		/* lifetime totals */
	uint64_t frames_returned;
	uint64_t frames_forgotten;
	uint64_t doorbell_rings;
};

struct vmb {
	const struct vmb_ops *ops;
	void *opaque;

	enum vmb_state state;
	uint32_t host_caps;
	uint32_t granted;
	bool legacy;			/* answer every START with plain SUCCESS */
	uint32_t guest_type;
	uint64_t admin_target;
	uint64_t limit;
	enum vmb_fault fault;

	struct vmb_range ram[VMB_MAX_RAM_RANGES];
	unsigned int nram;
	uint64_t ram_frames;
	uint64_t pfn_end;		/* one past the highest RAM PFN */

	uint64_t *locked4k;		/* bitmap by PFN */
	uint64_t *locked2m;		/* bitmap by PFN / 512 */
	uint64_t locked_frames;
	uint64_t locked_4k_pages;
	uint64_t locked_2m_pages;

	uint64_t pinned[VMB_MAX_PINNED];
	unsigned int npinned;
	uint64_t batch_pfn;		/* pinned while a batch is processed */
	bool in_batch;

	bool doorbell_set;
	uint32_t doorbell_context;
	uint32_t doorbell_resource;
	uint64_t announced_target;

	int64_t forced_cmd_status[VMBALLOON_CMD_NUM];	/* -1: none */
	uint64_t forced_cmd_skip[VMBALLOON_CMD_NUM];	/* calls to let pass first */
	bool forced_entry;
	uint64_t forced_entry_pfn;
	uint32_t forced_entry_status;

	struct vmb_counters cnt;

	struct vmb_log_entry log[VMB_LOG_SIZE];
	uint64_t log_count;		/* entries ever logged; the ring keeps the last */
};

/* @ram: disjoint, sorted PFN ranges of guest RAM. 0 or -ENOMEM / -EINVAL. */
int vmb_init(struct vmb *m, const struct vmb_range *ram, unsigned int nram,
	     const struct vmb_ops *ops, void *opaque);
void vmb_destroy(struct vmb *m);

/*
 * One IN from the balloon port. On entry @r holds the guest registers; on
 * return RAX (zero-extended status), RBX and, for START, RCX are updated.
 * Returns false when the magic is wrong: the port then reads as unclaimed.
 */
bool vmb_io(struct vmb *m, struct vmb_regs *r);

/* Host-initiated reset: forget every locked page, demand a new START. */
void vmb_host_reset(struct vmb *m);

void vmb_set_target(struct vmb *m, uint64_t frames);
void vmb_set_host_caps(struct vmb *m, uint32_t caps);
void vmb_set_fault(struct vmb *m, enum vmb_fault fault);
bool vmb_pin(struct vmb *m, uint64_t pfn);
/* The next @cmd answers @status without doing anything (RESET also resets). */
void vmb_force_cmd_status(struct vmb *m, uint32_t cmd, uint32_t status);
/* Same, but only after @skip more calls of @cmd went through normally. */
void vmb_force_cmd_status_after(struct vmb *m, uint32_t cmd, uint32_t status, uint64_t skip);
/* The next lock/unlock of the page at @pfn answers @status. */
void vmb_force_entry_status(struct vmb *m, uint64_t pfn, uint32_t status);

/* The target the guest is told right now (after clamps and faults). */
uint64_t vmb_target(const struct vmb *m);
bool vmb_frame_locked(const struct vmb *m, uint64_t pfn);

/* Oldest-first copy of up to @max remembered commands; returns how many. */
unsigned int vmb_log_read(const struct vmb *m, struct vmb_log_entry *out, unsigned int max);
void vmb_log_clear(struct vmb *m);

const char *vmb_fault_name(enum vmb_fault fault);
/* Returns the fault named @name, or -1. */
int vmb_fault_parse(const char *name);
const char *vmb_cmd_name(uint32_t cmd);

/*
 * Frame runs: a caller that acts on frames the model reports (frames_taken,
 * frames_returned) joins adjacent ones into runs, so 512 frames of a 2M page
 * or of a sorted batch cost one host call (one madvise) instead of 512.
 */
struct vmb_run {
	uint64_t pfn;
	uint64_t count;		/* 0: empty */
};

/*
 * Adds frames [@pfn, @pfn + @count) to @run when they extend it at either
 * end (guests often hand pages over in descending order). Otherwise @run
 * is replaced by them, and the run it held is copied to *@done: returns
 * true when the caller must act on *@done now.
 */
bool vmb_run_add(struct vmb_run *run, uint64_t pfn, uint64_t count, struct vmb_run *done);
/* Empties @run into *@done; returns false if it was empty. */
bool vmb_run_take(struct vmb_run *run, struct vmb_run *done);

#endif /* PVTOOLS_HOST_BALLOON_H */
