// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host side of the VMware memory balloon port: START and capability
 * negotiation, target reporting, single-page and batched lock/unlock with
 * exact per-frame accounting, and the fault switches the tests use.
 * Behaviour follows docs/protocol/balloon.md §6.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "balloon.h"

#define BITS_PER_WORD	64

static const char *const fault_names[VMB_FAULT_NUM] = {
	[VMB_FAULT_NONE]		= "none",
	[VMB_FAULT_TARGET_OVER_RAM]	= "target-over-ram",
	[VMB_FAULT_BAD_CMD_STATUS]	= "bad-cmd-status",
	[VMB_FAULT_BAD_ENTRY_STATUS]	= "bad-entry-status",
	[VMB_FAULT_REFUSE_ALL]		= "refuse-all",
	[VMB_FAULT_RESET_ALWAYS]	= "reset-always",
	[VMB_FAULT_BUSY]		= "busy",
};

static const char *const cmd_names[VMB_CMD_SLOTS] = {
	[VMBALLOON_CMD_START]		= "start",
	[VMBALLOON_CMD_GET_TARGET]	= "target",
	[VMBALLOON_CMD_LOCK]		= "lock",
	[VMBALLOON_CMD_UNLOCK]		= "unlock",
	[VMBALLOON_CMD_GUEST_ID]	= "guestType",
	[VMBALLOON_CMD_RESERVED5]	= "reserved5",
	[VMBALLOON_CMD_BATCHED_LOCK]	= "batchLock",
	[VMBALLOON_CMD_BATCHED_UNLOCK]	= "batchUnlock",
	[VMBALLOON_CMD_BATCHED_2M_LOCK]	= "2m-lock",
	[VMBALLOON_CMD_BATCHED_2M_UNLOCK] = "2m-unlock",
	[VMBALLOON_CMD_DOORBELL_SET]	= "doorbellSet",
	[VMB_CMD_SLOT_OTHER]		= "other",
};

const char *vmb_fault_name(enum vmb_fault fault)
{
	return (unsigned int)fault < VMB_FAULT_NUM ? fault_names[fault] : "?";
}

int vmb_fault_parse(const char *name)
{
	int i;

	for (i = 0; i < VMB_FAULT_NUM; i++)
		if (!strcmp(name, fault_names[i]))
			return i;
	return -1;
}

const char *vmb_cmd_name(uint32_t cmd)
{
	return cmd_names[cmd < VMBALLOON_CMD_NUM ? cmd : VMB_CMD_SLOT_OTHER];
}

static bool bit_test(const uint64_t *map, uint64_t bit)
{
	return map[bit / BITS_PER_WORD] >> (bit % BITS_PER_WORD) & 1;
}

static void bit_set(uint64_t *map, uint64_t bit)
{
	map[bit / BITS_PER_WORD] |= 1ull << (bit % BITS_PER_WORD);
}

static void bit_clear(uint64_t *map, uint64_t bit)
{
	map[bit / BITS_PER_WORD] &= ~(1ull << (bit % BITS_PER_WORD));
}

static uint64_t words_for(uint64_t bits)
{
	return (bits + BITS_PER_WORD - 1) / BITS_PER_WORD;
}

int vmb_init(struct vmb *m, const struct vmb_range *ram, unsigned int nram,
	     const struct vmb_ops *ops, void *opaque)
{
	unsigned int i;

	memset(m, 0, sizeof(*m));
	if (!nram || nram > VMB_MAX_RAM_RANGES)
		return -EINVAL;
	for (i = 0; i < nram; i++) {
		if (!ram[i].count || (i && ram[i].start < m->pfn_end))
			return -EINVAL;
		m->ram[i] = ram[i];
		m->ram_frames += ram[i].count;
		m->pfn_end = ram[i].start + ram[i].count;
	}
	m->nram = nram;
	/* Round up to whole 2M blocks so a 2M index never leaves the map. */
	m->locked4k = calloc(words_for(m->pfn_end + VMBALLOON_2M_FRAMES), sizeof(uint64_t));
	m->locked2m = calloc(words_for(m->pfn_end / VMBALLOON_2M_FRAMES + 1), sizeof(uint64_t));
	if (!m->locked4k || !m->locked2m) {
		vmb_destroy(m);
		return -ENOMEM;
	}
	m->ops = ops;
	m->opaque = opaque;
	m->state = VMB_NEED_START;
	m->host_caps = VMBALLOON_CAPS_ALL;
	for (i = 0; i < VMBALLOON_CMD_NUM; i++)
		m->forced_cmd_status[i] = -1;
	return 0;
}

void vmb_destroy(struct vmb *m)
{
	free(m->locked4k);
	free(m->locked2m);
	m->locked4k = NULL;
	m->locked2m = NULL;
}

static bool in_ram(const struct vmb *m, uint64_t pfn, uint64_t count)
{
	unsigned int i;

	for (i = 0; i < m->nram; i++) {
		const struct vmb_range *r = &m->ram[i];

		if (pfn >= r->start && pfn - r->start < r->count &&
		    count <= r->count - (pfn - r->start))
			return true;
	}
	return false;
}

bool vmb_frame_locked(const struct vmb *m, uint64_t pfn)
{
	if (pfn >= m->pfn_end)
		return false;
	return bit_test(m->locked4k, pfn) ||
	       bit_test(m->locked2m, pfn / VMBALLOON_2M_FRAMES);
}

/* Caller guarantees [pfn, pfn + count) is RAM. */
static bool any_locked(const struct vmb *m, uint64_t pfn, uint64_t count)
{
	uint64_t f;

	for (f = pfn; f < pfn + count; f++)
		if (vmb_frame_locked(m, f))
			return true;
	return false;
}

static bool any_pinned(const struct vmb *m, uint64_t pfn, uint64_t count)
{
	unsigned int i;

	if (m->in_batch && m->batch_pfn >= pfn && m->batch_pfn - pfn < count)
		return true;
	for (i = 0; i < m->npinned; i++)
		if (m->pinned[i] >= pfn && m->pinned[i] - pfn < count)
			return true;
	return false;
}

static uint64_t target_uncapped(const struct vmb *m)
{
	uint64_t t = m->admin_target;

	if (m->fault == VMB_FAULT_TARGET_OVER_RAM)
		return m->ram_frames * 4 + (1ull << 33);
	if (m->limit && m->limit < t)
		t = m->limit;
	if (m->ram_frames < t)
		t = m->ram_frames;
	return t;
}

uint64_t vmb_target(const struct vmb *m)
{
	uint64_t t = target_uncapped(m);

	if (!(m->granted & VMBALLOON_CAP_64BIT_TARGET) && t > UINT32_MAX)
		t = UINT32_MAX;
	return t;
}

static void announce_target(struct vmb *m)
{
	uint64_t t = vmb_target(m);

	if (t == m->announced_target)
		return;
	m->announced_target = t;
	if (!m->doorbell_set || !m->ops->ring_doorbell)
		return;
	m->cnt.doorbell_rings++;
	m->ops->ring_doorbell(m->opaque, m->doorbell_context, m->doorbell_resource);
}

static void take_frames(struct vmb *m, uint64_t pfn, uint64_t count)
{
	m->locked_frames += count;
	m->cnt.frames_taken += count;
	m->ops->frames_taken(m->opaque, pfn, count);
}

static void return_frames(struct vmb *m, uint64_t pfn, uint64_t count)
{
	m->locked_frames -= count;
	m->cnt.frames_returned += count;
	m->ops->frames_returned(m->opaque, pfn, count);
}

static void forget_frames(struct vmb *m, uint64_t pfn, uint64_t count)
{
	m->locked_frames -= count;
	m->cnt.frames_forgotten += count;
	if (m->ops->frames_forgotten)
		m->ops->frames_forgotten(m->opaque, pfn, count);
}

/* Every locked page goes back to the guest without an UNLOCK. */
static void forget_locked(struct vmb *m)
{
	uint64_t w, b;

	for (w = 0; w < words_for(m->pfn_end / VMBALLOON_2M_FRAMES + 1); w++) {
		for (b = 0; m->locked2m[w] && b < BITS_PER_WORD; b++) {
			if (!(m->locked2m[w] >> b & 1))
				continue;
			m->locked2m[w] &= ~(1ull << b);
			forget_frames(m, (w * BITS_PER_WORD + b) * VMBALLOON_2M_FRAMES,
				      VMBALLOON_2M_FRAMES);
		}
	}
	for (w = 0; w < words_for(m->pfn_end); w++) {
		for (b = 0; m->locked4k[w] && b < BITS_PER_WORD; b++) {
			if (!(m->locked4k[w] >> b & 1))
				continue;
			m->locked4k[w] &= ~(1ull << b);
			forget_frames(m, w * BITS_PER_WORD + b, 1);
		}
	}
	m->locked_4k_pages = 0;
	m->locked_2m_pages = 0;
}

void vmb_host_reset(struct vmb *m)
{
	forget_locked(m);
	m->doorbell_set = false;
	m->granted = 0;
	m->state = VMB_NEED_START;
	m->cnt.resets++;
}

void vmb_set_target(struct vmb *m, uint64_t frames)
{
	m->admin_target = frames;
	announce_target(m);
}

void vmb_set_host_caps(struct vmb *m, uint32_t caps)
{
	m->host_caps = caps & VMBALLOON_CAPS_ALL;
}

void vmb_set_fault(struct vmb *m, enum vmb_fault fault)
{
	m->fault = fault;
	announce_target(m);
}

bool vmb_pin(struct vmb *m, uint64_t pfn)
{
	if (m->npinned == VMB_MAX_PINNED)
		return false;
	m->pinned[m->npinned++] = pfn;
	return true;
}

void vmb_force_cmd_status_after(struct vmb *m, uint32_t cmd, uint32_t status, uint64_t skip)
{
	if (cmd >= VMBALLOON_CMD_NUM)
		return;
	m->forced_cmd_status[cmd] = status;
	m->forced_cmd_skip[cmd] = skip;
}

void vmb_force_cmd_status(struct vmb *m, uint32_t cmd, uint32_t status)
{
	vmb_force_cmd_status_after(m, cmd, status, 0);
}

void vmb_force_entry_status(struct vmb *m, uint64_t pfn, uint32_t status)
{
	m->forced_entry = true;
	m->forced_entry_pfn = pfn;
	m->forced_entry_status = status;
}

static bool take_forced_entry(struct vmb *m, uint64_t pfn, uint32_t *status)
{
	if (!m->forced_entry || m->forced_entry_pfn != pfn)
		return false;
	m->forced_entry = false;
	*status = m->forced_entry_status;
	return true;
}

/*
 * The checks every lock and unlock entry starts with (docs/protocol/balloon.md §6.4 order): a
 * forced test status, then a page inside guest RAM and, for 2 MiB pages,
 * aligned. True when *status is the entry's answer already.
 */
static bool entry_rejected(struct vmb *m, uint64_t pfn, bool huge, uint32_t *status)
{
	uint64_t count = huge ? VMBALLOON_2M_FRAMES : 1;

	if (take_forced_entry(m, pfn, status))
		return true;
	*status = VMBALLOON_ERROR_PPN_INVALID;
	return !in_ram(m, pfn, count) || (huge && pfn % VMBALLOON_2M_FRAMES);
}

static uint32_t lock_page(struct vmb *m, uint64_t pfn, bool huge)
{
	uint64_t count = huge ? VMBALLOON_2M_FRAMES : 1;
	uint32_t status;

	if (entry_rejected(m, pfn, huge, &status))
		return status;
	if (m->fault == VMB_FAULT_REFUSE_ALL || any_pinned(m, pfn, count))
		return VMBALLOON_ERROR_PPN_PINNED;
	if (any_locked(m, pfn, count))
		return VMBALLOON_ERROR_PPN_LOCKED;
	/* "Already at target", not "would pass it": 2M pages may overshoot. */
	if (m->locked_frames >= target_uncapped(m))
		return VMBALLOON_ERROR_PPN_NOTNEEDED;
	if (huge) {
		bit_set(m->locked2m, pfn / VMBALLOON_2M_FRAMES);
		m->locked_2m_pages++;
	} else {
		bit_set(m->locked4k, pfn);
		m->locked_4k_pages++;
	}
	take_frames(m, pfn, count);
	return VMBALLOON_SUCCESS;
}

static uint32_t unlock_page(struct vmb *m, uint64_t pfn, bool huge)
{
	uint64_t count = huge ? VMBALLOON_2M_FRAMES : 1;
	uint32_t status;

	if (entry_rejected(m, pfn, huge, &status))
		return status;
	if (huge) {
		if (!bit_test(m->locked2m, pfn / VMBALLOON_2M_FRAMES))
			return VMBALLOON_ERROR_PPN_UNLOCKED;
		bit_clear(m->locked2m, pfn / VMBALLOON_2M_FRAMES);
		m->locked_2m_pages--;
	} else {
		if (!bit_test(m->locked4k, pfn))
			return VMBALLOON_ERROR_PPN_UNLOCKED;
		bit_clear(m->locked4k, pfn);
		m->locked_4k_pages--;
	}
	return_frames(m, pfn, count);
	return VMBALLOON_SUCCESS;
}

static void count_status(struct vmb *m, uint32_t status)
{
	m->cnt.status[status < VMB_STATUS_SLOTS - 1 ? status : VMB_STATUS_SLOTS - 1]++;
}

/* A scrambled entry: wrong PFN, reserved bits set, an undefined status. */
static uint64_t hostile_entry(uint64_t entry, unsigned int i)
{
	uint64_t pfn = vmballoon_entry_pfn(entry) ^ 0x5A5A5ull;

	return vmballoon_entry_make(pfn) | 0xFE0u | (9 + i % 23);
}

static uint32_t do_batch(struct vmb *m, const struct vmb_regs *r, bool lock, bool huge)
{
	uint64_t entries[VMBALLOON_BATCH_MAX_ENTRIES];
	uint64_t bpfn = r->rbx;
	uint32_t n = (uint32_t)r->rsi;
	uint64_t gpa = bpfn << VMBALLOON_FRAME_SHIFT;
	uint32_t i, status;

	if (!in_ram(m, bpfn, 1) || any_locked(m, bpfn, 1))
		return VMBALLOON_ERROR_PPN_INVALID;
	if (!n)
		return VMBALLOON_SUCCESS;
	if (n > VMBALLOON_BATCH_MAX_ENTRIES)
		return VMBALLOON_ERROR_CMD_INVALID;
	if (!m->ops->read_guest(m->opaque, gpa, entries, n * sizeof(entries[0])))
		return VMBALLOON_ERROR_PPN_INVALID;

	m->in_batch = true;
	m->batch_pfn = bpfn;
	for (i = 0; i < n; i++) {
		uint64_t e = le64toh(entries[i]);

		if (m->fault == VMB_FAULT_BAD_ENTRY_STATUS) {
			e = hostile_entry(e, i);
			status = vmballoon_entry_status(e);
		} else {
			uint64_t pfn = vmballoon_entry_pfn(e);

			status = lock ? lock_page(m, pfn, huge) : unlock_page(m, pfn, huge);
			e = vmballoon_entry_set_status(e, status);
		}
		count_status(m, status);
		entries[i] = htole64(e);
	}
	m->in_batch = false;

	m->ops->write_guest(m->opaque, gpa, entries, n * sizeof(entries[0]));
	return VMBALLOON_SUCCESS;
}

static uint32_t do_start(struct vmb *m, struct vmb_regs *r)
{
	uint32_t requested = (uint32_t)r->rbx;

	forget_locked(m);
	m->doorbell_set = false;
	m->cnt.starts++;
	/*
	 * Nothing requested: the guest ends the session (Linux at unload and
	 * when it cannot allocate its batch page). It must not be told it
	 * succeeded: Linux 6.1 would then drop to 4K pages and loop forever
	 * trying to pop 2M ones, so answer "unavailable" and keep its caps.
	 */
	if (!(requested & VMBALLOON_CAPS_ALL)) {
		m->granted = 0;
		m->state = VMB_NEED_START;
		return VMBALLOON_ERROR_CMD_INVALID;
	}
	m->state = VMB_RUNNING;
	if (m->legacy || requested == VMBALLOON_PROTOCOL_V2) {
		m->granted = VMBALLOON_CAP_BASIC;
		return VMBALLOON_SUCCESS;
	}
	m->granted = requested & m->host_caps & VMBALLOON_CAPS_ALL;
	r->rcx = m->granted;
	return VMBALLOON_SUCCESS_WITH_CAPS;
}

static bool granted(const struct vmb *m, uint32_t cap)
{
	return m->granted & cap;
}

static uint32_t do_doorbell(struct vmb *m, const struct vmb_regs *r)
{
	uint32_t context = (uint32_t)r->rbx;
	uint32_t resource = (uint32_t)r->rsi;

	if (!granted(m, VMBALLOON_CAP_DOORBELL))
		return VMBALLOON_ERROR_CMD_INVALID;
	if (context == VMBALLOON_DOORBELL_INVALID_ID &&
	    resource == VMBALLOON_DOORBELL_INVALID_ID) {
		m->doorbell_set = false;
		return VMBALLOON_SUCCESS;
	}
	m->doorbell_set = true;
	m->doorbell_context = context;
	m->doorbell_resource = resource;
	m->announced_target = vmb_target(m);
	return VMBALLOON_SUCCESS;
}

static bool is_lock_cmd(uint32_t cmd)
{
	return cmd == VMBALLOON_CMD_LOCK || cmd == VMBALLOON_CMD_UNLOCK ||
	       (cmd >= VMBALLOON_CMD_BATCHED_LOCK && cmd <= VMBALLOON_CMD_BATCHED_2M_UNLOCK);
}

static uint32_t dispatch(struct vmb *m, uint32_t cmd, struct vmb_regs *r)
{
	if (cmd < VMBALLOON_CMD_NUM && m->forced_cmd_status[cmd] >= 0 &&
	    m->forced_cmd_skip[cmd]) {
		m->forced_cmd_skip[cmd]--;
	} else if (cmd < VMBALLOON_CMD_NUM && m->forced_cmd_status[cmd] >= 0) {
		uint32_t status = (uint32_t)m->forced_cmd_status[cmd];

		m->forced_cmd_status[cmd] = -1;
		if (status == VMBALLOON_ERROR_RESET)
			vmb_host_reset(m);
		return status;
	}
	if (cmd == VMBALLOON_CMD_START)
		return do_start(m, r);
	if (m->state == VMB_NEED_START)
		return VMBALLOON_ERROR_RESET;
	if (m->fault == VMB_FAULT_RESET_ALWAYS) {
		vmb_host_reset(m);
		return VMBALLOON_ERROR_RESET;
	}
	if (m->fault == VMB_FAULT_BAD_CMD_STATUS)
		return VMB_BAD_CMD_STATUS;
	if (m->fault == VMB_FAULT_BUSY && is_lock_cmd(cmd))
		return VMBALLOON_ERROR_BUSY;

	switch (cmd) {
	case VMBALLOON_CMD_GET_TARGET:
		m->limit = r->rbx;
		announce_target(m);
		return VMBALLOON_SUCCESS;
	case VMBALLOON_CMD_GUEST_ID:
		m->guest_type = (uint32_t)r->rbx;
		return VMBALLOON_SUCCESS;
	case VMBALLOON_CMD_LOCK:
	case VMBALLOON_CMD_UNLOCK:
		if (!granted(m, VMBALLOON_CAP_BASIC))
			return VMBALLOON_ERROR_CMD_INVALID;
		if (cmd == VMBALLOON_CMD_LOCK)
			return lock_page(m, r->rbx, false);
		return unlock_page(m, r->rbx, false);
	case VMBALLOON_CMD_BATCHED_LOCK:
	case VMBALLOON_CMD_BATCHED_UNLOCK:
		if (!granted(m, VMBALLOON_CAP_BATCHED))
			return VMBALLOON_ERROR_CMD_INVALID;
		return do_batch(m, r, cmd == VMBALLOON_CMD_BATCHED_LOCK, false);
	case VMBALLOON_CMD_BATCHED_2M_LOCK:
	case VMBALLOON_CMD_BATCHED_2M_UNLOCK:
		if (!granted(m, VMBALLOON_CAP_BATCHED_2M))
			return VMBALLOON_ERROR_CMD_INVALID;
		return do_batch(m, r, cmd == VMBALLOON_CMD_BATCHED_2M_LOCK, true);
	case VMBALLOON_CMD_DOORBELL_SET:
		return do_doorbell(m, r);
	default:
		return VMBALLOON_ERROR_CMD_INVALID;
	}
}

bool vmb_io(struct vmb *m, struct vmb_regs *r)
{
	uint32_t cmd, slot, status;

	if ((uint32_t)r->rax != VMBALLOON_MAGIC) {
		m->cnt.bad_magic++;
		r->rax = VMBALLOON_UNCLAIMED;
		return false;
	}
	cmd = (uint32_t)r->rcx & VMBALLOON_CMD_MASK;
	slot = cmd < VMBALLOON_CMD_NUM && cmd != VMBALLOON_CMD_RESERVED5 ?
	       cmd : VMB_CMD_SLOT_OTHER;

	status = dispatch(m, cmd, r);

	m->cnt.calls[slot]++;
	if (status != VMBALLOON_SUCCESS && status != VMBALLOON_SUCCESS_WITH_CAPS)
		m->cnt.failed[slot]++;
	if (status != VMBALLOON_SUCCESS_WITH_CAPS)
		count_status(m, status);
	m->log[m->log_count % VMB_LOG_SIZE] = (struct vmb_log_entry){ cmd, status };
	m->log_count++;
	r->rax = status;
	r->rbx = vmb_target(m);
	return true;
}

unsigned int vmb_log_read(const struct vmb *m, struct vmb_log_entry *out, unsigned int max)
{
	uint64_t first = m->log_count > VMB_LOG_SIZE ? m->log_count - VMB_LOG_SIZE : 0;
	unsigned int n = 0;

	if (m->log_count - first > max)
		first = m->log_count - max;
	for (; first < m->log_count; first++)
		out[n++] = m->log[first % VMB_LOG_SIZE];
	return n;
}

void vmb_log_clear(struct vmb *m)
{
	m->log_count = 0;
}

bool vmb_run_add(struct vmb_run *run, uint64_t pfn, uint64_t count, struct vmb_run *done)
{
	bool flushed;

	if (!count)
		return false;
	if (run->count && run->pfn + run->count == pfn) {
		run->count += count;
		return false;
	}
	if (run->count && pfn + count == run->pfn) {
		run->pfn = pfn;
		run->count += count;
		return false;
	}
	flushed = vmb_run_take(run, done);
	run->pfn = pfn;
	run->count = count;
	return flushed;
}

bool vmb_run_take(struct vmb_run *run, struct vmb_run *done)
{
	if (!run->count)
		return false;
	*done = *run;
	run->count = 0;
	return true;
}
