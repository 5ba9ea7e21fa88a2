// SPDX-License-Identifier: GPL-2.0
/*
 * vmmemctl: the balloon commands (docs/protocol/balloon.md). One command on
 * the balloon port, the batched and single-page lock and unlock of a set of
 * pages, and the target query. Everything the host answers is checked
 * before it is used.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/sort.h>

#include "vmmemctl.h"

static const char *const cmd_names[VMBALLOON_CMD_NUM] = {
	[VMBALLOON_CMD_START]		= "start",
	[VMBALLOON_CMD_GET_TARGET]	= "target",
	[VMBALLOON_CMD_LOCK]		= "lock",
	[VMBALLOON_CMD_UNLOCK]		= "unlock",
	[VMBALLOON_CMD_GUEST_ID]	= "guestType",
	[VMBALLOON_CMD_RESERVED5]	= "reserved",
	[VMBALLOON_CMD_BATCHED_LOCK]	= "batchLock",
	[VMBALLOON_CMD_BATCHED_UNLOCK]	= "batchUnlock",
	[VMBALLOON_CMD_BATCHED_2M_LOCK]	= "2m-lock",
	[VMBALLOON_CMD_BATCHED_2M_UNLOCK] = "2m-unlock",
	[VMBALLOON_CMD_DOORBELL_SET]	= "doorbellSet",
};

/**
 * vmmemctl_cmd_name() - a command's name, for logs and debugfs.
 * @cmd: a command number, valid or not.
 *
 * Return: a static string; "?" for a number the protocol does not define.
 */
const char *vmmemctl_cmd_name(u32 cmd)
{
	return cmd < VMBALLOON_CMD_NUM ? cmd_names[cmd] : "?";
}

static void set_target(struct vmmemctl *b, u64 target)
{
	u64 wanted = target;

	if (!(b->granted & VMBALLOON_CAP_64BIT_TARGET))
		target = min_t(u64, target, U32_MAX);
	if (target > b->max_frames) {
		if (vmmemctl_warn_first(b, VMMEMCTL_WARN_TARGET_CLAMPED))
			pr_warn("host asks for %llu pages, more than the %llu this guest can give; capped\n",
				wanted, b->max_frames);
		target = b->max_frames;
	} else {
		vmmemctl_warn_rearm(b, VMMEMCTL_WARN_TARGET_CLAMPED);
	}
	WRITE_ONCE(b->target, target);
}

/* Statuses @cmd may answer: only START adds its capabilities to a success. */
static bool status_known(u32 cmd, u32 status)
{
	return status <= VMBALLOON_ERROR_BUSY ||
	       (cmd == VMBALLOON_CMD_START && status == VMBALLOON_SUCCESS_WITH_CAPS);
}

/**
 * vmmemctl_cmd() - one balloon command.
 * @b: the balloon.
 * @cmd: the command number.
 * @arg1: the first argument (EBX).
 * @arg2: the second argument (ESI).
 * @caps: START only: where the granted capabilities go; else NULL.
 *
 * Every register the host could touch is an output, so a host that
 * clobbers more than the protocol allows cannot corrupt us. A RESET status
 * marks the session for a reset; a successful command that carries the
 * target (docs/protocol/balloon.md) updates it.
 *
 * The balloon does its own port I/O instead of calling pvcore_backdoor(),
 * as the kernel's own vmw_balloon does instead of using vmware.c: it is
 * another port (0x5670, not 0x5658) with another magic, always a plain
 * IN with no hypercall or high-bandwidth form, so pvcore's transport
 * selection does not apply, and the balloon must work without pvcore
 * loaded (docs/protocol/balloon.md §1.5).
 *
 * Context: &vmmemctl.comm_lock held.
 * Return: the command status.
 */
u32 vmmemctl_cmd(struct vmmemctl *b, u32 cmd, u64 arg1, u32 arg2, u32 *caps)
{
	unsigned long rax = VMBALLOON_MAGIC, rbx = arg1, rcx = cmd;
	unsigned long rdx = VMBALLOON_PORT, rsi = arg2, rdi = 0;
	u32 status;

	lockdep_assert_held(&b->comm_lock);
	asm volatile("inl %%dx, %%eax"
		     : "+a" (rax), "+b" (rbx), "+c" (rcx), "+d" (rdx),
		       "+S" (rsi), "+D" (rdi)
		     :
		     : "memory");
	status = (u32)rax;

	atomic_long_inc(&b->cmd_calls[cmd]);
	if (status != VMBALLOON_SUCCESS &&
	    !(cmd == VMBALLOON_CMD_START && status == VMBALLOON_SUCCESS_WITH_CAPS))
		atomic_long_inc(&b->cmd_failed[cmd]);
	if (!status_known(cmd, status) && status != VMBALLOON_UNCLAIMED) {
		if (vmmemctl_warn_first(b, VMMEMCTL_WARN_UNKNOWN_STATUS))
			pr_warn("host answered %s with undefined status %#x; treated as failure\n",
				vmmemctl_cmd_name(cmd), status);
	} else if (status == VMBALLOON_SUCCESS) {
		vmmemctl_warn_rearm(b, VMMEMCTL_WARN_UNKNOWN_STATUS);
	}

	if (cmd == VMBALLOON_CMD_START) {
		if (caps)
			*caps = (u32)rcx;
		return status;
	}
	if (status == VMBALLOON_ERROR_RESET)
		b->reset_required = true;
	else if (status == VMBALLOON_SUCCESS &&
		 (VMBALLOON_CMD_WITH_TARGET_MASK & VMBALLOON_CMD_BIT(cmd)))
		set_target(b, rbx);
	return status;
}

/**
 * vmmemctl_locked_cmd() - vmmemctl_cmd() under &vmmemctl.comm_lock.
 * @b: the balloon.
 * @cmd: the command number; not START with capabilities.
 * @arg1: the first argument.
 * @arg2: the second argument.
 *
 * Return: the command status.
 */
u32 vmmemctl_locked_cmd(struct vmmemctl *b, u32 cmd, u64 arg1, u32 arg2)
{
	u32 status;

	spin_lock(&b->comm_lock);
	status = vmmemctl_cmd(b, cmd, arg1, arg2, NULL);
	spin_unlock(&b->comm_lock);
	return status;
}

static int cmp_pfn(const void *a, const void *b)
{
	unsigned long pa = page_to_pfn(*(struct page *const *)a);
	unsigned long pb = page_to_pfn(*(struct page *const *)b);

	return pa < pb ? -1 : pa > pb;
}

/**
 * vmmemctl_page_op() - lock or unlock pages at the host with one command.
 * @b: the balloon.
 * @pages: the pages; a lock batch is sorted in place.
 * @n: how many; 1 without the batched commands.
 * @size: their size.
 * @lock: lock (inflate) or unlock (deflate).
 *
 * Per-page results land in &vmmemctl.status. A lock batch is sorted by PFN
 * first (parallel allocation interleaves CPUs' pages), so the host sees
 * contiguous runs it can take as one range. Unlock batches need no sort:
 * the balloon's lists are LIFO, so pages come back in descending PFN order,
 * which such a host merges just as well.
 *
 * Context: &vmmemctl.comm_lock held.
 * Return: the command status.
 */
u32 vmmemctl_page_op(struct vmmemctl *b, struct page **pages, unsigned int n,
		     enum vmmemctl_page_size size, bool lock)
{
	unsigned int i;
	u32 status, cmd;

	lockdep_assert_held(&b->comm_lock);
	if (!vmmemctl_batched(b)) {
		u64 pfn = page_to_pfn(pages[0]);

		/* Single-page commands carry a 32-bit PFN unless 64-bit was granted. */
		if (pfn > U32_MAX && !(b->granted & VMBALLOON_CAP_64BIT_TARGET)) {
			b->status[0] = VMBALLOON_ERROR_PPN_INVALID;
			return VMBALLOON_SUCCESS;
		}
		cmd = lock ? VMBALLOON_CMD_LOCK : VMBALLOON_CMD_UNLOCK;
		status = vmmemctl_cmd(b, cmd, pfn, 1, NULL);
		/*
		 * b->status[] holds a page status (0..31): anything else, such
		 * as START's 0x03000000, would truncate to SUCCESS.
		 */
		b->status[0] = status <= VMBALLOON_ERROR_BUSY ? status : VMBALLOON_ERROR_BUSY;
		return VMBALLOON_SUCCESS;
	}

	if (lock)
		sort(pages, n, sizeof(*pages), cmp_pfn, NULL);
	for (i = 0; i < n; i++)
		b->batch[i] = cpu_to_le64(vmballoon_entry_make(page_to_pfn(pages[i])));
	if (size == VMMEMCTL_2M)
		cmd = lock ? VMBALLOON_CMD_BATCHED_2M_LOCK : VMBALLOON_CMD_BATCHED_2M_UNLOCK;
	else
		cmd = lock ? VMBALLOON_CMD_BATCHED_LOCK : VMBALLOON_CMD_BATCHED_UNLOCK;
	status = vmmemctl_cmd(b, cmd, page_to_pfn(b->batch_page), n, NULL);
	for (i = 0; i < n; i++) {
		u64 entry = le64_to_cpu(READ_ONCE(b->batch[i]));

		b->status[i] = status ? VMBALLOON_ERROR_BUSY : vmballoon_entry_status(entry);
	}
	return status;
}

/**
 * vmmemctl_get_target() - ask the host for its target (which updates it).
 * @b: the balloon.
 *
 * Return: true if the host answered with a target.
 */
bool vmmemctl_get_target(struct vmmemctl *b)
{
	u64 limit = totalram_pages();

	if (!(b->granted & VMBALLOON_CAP_64BIT_TARGET))
		limit = min_t(u64, limit, U32_MAX);
	return vmmemctl_locked_cmd(b, VMBALLOON_CMD_GET_TARGET, limit, 0) == VMBALLOON_SUCCESS;
}
