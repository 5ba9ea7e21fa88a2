// SPDX-License-Identifier: GPL-2.0
/*
 * vmmemctl: VMware memory balloon driver. Lends guest memory to the host
 * on request over the balloon port (0x5670) and takes it back when the host
 * lowers its target or the guest runs short of memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmstat.h>
#include <asm/hypervisor.h>

#include "vmmemctl.h"

/* Capabilities we ask for: no doorbell, as we have no VMCI driver. */
#define VMMEMCTL_CAPS	(VMBALLOON_CAP_BASIC | VMBALLOON_CAP_BATCHED | \
			 VMBALLOON_CAP_BATCHED_2M | VMBALLOON_CAP_64BIT_TARGET)
/* Refused pages held per page size and cycle before giving up on that size. */
#define VMMEMCTL_MAX_REFUSED	16
/* Inflation stays off this long after the shrinker deflated. */
#define VMMEMCTL_HOLDOFF	(5 * HZ)
/* One worker run changes the balloon for at most this long, then requeues. */
#define VMMEMCTL_RUN_BUDGET	(HZ / 4)
#define VMMEMCTL_MAX_BACKOFF	3
#define VMMEMCTL_SLOW_CYCLES	4
#define VMMEMCTL_RATE_MIN	512ULL
#define VMMEMCTL_RATE_MAX	32768ULL
/* Allocating threads when alloc_threads is 0, if that many CPUs are online. */
#define VMMEMCTL_DEFAULT_THREADS	4

/* Bits of vmmemctl.warned. */
enum {
	WARN_TARGET_CLAMPED,
	WARN_UNKNOWN_STATUS,
	WARN_RESET_STORM,
	WARN_LOCK_REFUSED,
	WARN_UNLOCK_REFUSED,
	WARN_START_FAILED,
	WARN_CMD_FAILED,
};

static bool shrinker_enable = true;
module_param(shrinker_enable, bool, 0444);
MODULE_PARM_DESC(shrinker_enable, "Deflate under guest memory pressure (default on)");

/*
 * Inflation is bound by the page allocator (it zeroes every page when
 * init_on_alloc is set), not by host calls: allocating one batch on several
 * CPUs at once shortens it by about their number.
 */
static unsigned int alloc_threads;

static int alloc_threads_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, VMMEMCTL_MAX_THREADS);
}

static const struct kernel_param_ops alloc_threads_ops = {
	.set = alloc_threads_set,
	.get = param_get_uint,
};
module_param_cb(alloc_threads, &alloc_threads_ops, &alloc_threads, 0644);
MODULE_PARM_DESC(alloc_threads,
		 "Threads allocating one inflation batch, at most the online CPUs: 0 = up to 4 (default), 1..16");

static struct vmmemctl *vmmemctl_dev;

static const unsigned int frames_per_page[VMMEMCTL_NUM_SIZES] = {
	[VMMEMCTL_4K] = 1,
	[VMMEMCTL_2M] = VMBALLOON_2M_FRAMES,
};

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

const char *vmmemctl_cmd_name(u32 cmd)
{
	return cmd < VMBALLOON_CMD_NUM ? cmd_names[cmd] : "?";
}

static void stat_inc(struct vmmemctl *b, enum vmmemctl_stat s, long n)
{
	atomic_long_add(n, &b->stats[s]);
}

static void pstat_inc(struct vmmemctl *b, enum vmmemctl_page_stat s,
		      enum vmmemctl_page_size size, long n)
{
	atomic_long_add(n, &b->page_stats[s][size]);
}

/* First occurrence of a hostile condition logs; later ones stay quiet. */
static bool warn_first(struct vmmemctl *b, int bit)
{
	return !test_and_set_bit(bit, &b->warned);
}

static void warn_rearm(struct vmmemctl *b, int bit)
{
	clear_bit(bit, &b->warned);
}

static bool batched(const struct vmmemctl *b)
{
	return b->granted & VMBALLOON_CAP_BATCHED;
}

static bool use_2m(const struct vmmemctl *b)
{
	return (b->granted & VMBALLOON_CAP_BATCHED_2M) && batched(b);
}

static unsigned int batch_capacity(const struct vmmemctl *b)
{
	return batched(b) ? VMBALLOON_BATCH_MAX_ENTRIES : 1;
}

static void set_target(struct vmmemctl *b, u64 target)
{
	u64 wanted = target;

	if (!(b->granted & VMBALLOON_CAP_64BIT_TARGET))
		target = min_t(u64, target, U32_MAX);
	if (target > b->max_frames) {
		if (warn_first(b, WARN_TARGET_CLAMPED))
			pr_warn("host asks for %llu pages, more than the %llu this guest can give; capped\n",
				wanted, b->max_frames);
		target = b->max_frames;
	} else {
		warn_rearm(b, WARN_TARGET_CLAMPED);
	}
	WRITE_ONCE(b->target, target);
}

/* Statuses @cmd may answer: only START adds its capabilities to a success. */
static bool status_known(u32 cmd, u32 status)
{
	return status <= VMBALLOON_ERROR_BUSY ||
	       (cmd == VMBALLOON_CMD_START && status == VMBALLOON_SUCCESS_WITH_CAPS);
}

/*
 * One balloon command. Every register the host could touch is an output,
 * so a host that clobbers more than the protocol allows cannot corrupt us.
 *
 * The balloon does its own port I/O instead of calling pvcore_backdoor(),
 * as the kernel's own vmw_balloon does instead of using vmware.c: it is
 * another port (0x5670, not 0x5658) with another magic, always a plain
 * IN with no hypercall or high-bandwidth form, so pvcore's transport
 * selection does not apply, and the balloon must work without pvcore
 * loaded (docs/protocol/balloon.md §1.5).
 */
static u32 vmmemctl_cmd(struct vmmemctl *b, u32 cmd, u64 arg1, u32 arg2, u32 *caps)
{
	unsigned long rax = VMBALLOON_MAGIC, rbx = arg1, rcx = cmd;
	unsigned long rdx = VMBALLOON_PORT, rsi = arg2, rdi = 0;
	u32 status;

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
		if (warn_first(b, WARN_UNKNOWN_STATUS))
			pr_warn("host answered %s with undefined status %#x; treated as failure\n",
				vmmemctl_cmd_name(cmd), status);
	} else if (status == VMBALLOON_SUCCESS) {
		warn_rearm(b, WARN_UNKNOWN_STATUS);
	}

	if (cmd == VMBALLOON_CMD_START) {
		if (caps)
			*caps = (u32)rcx;
		return status;
	}
	if (status == VMBALLOON_ERROR_RESET)
		b->reset_required = true;
	else if (status == VMBALLOON_SUCCESS && (VMBALLOON_CMD_WITH_TARGET_MASK & BIT(cmd)))
		set_target(b, rbx);
	return status;
}

static u32 locked_cmd(struct vmmemctl *b, u32 cmd, u64 arg1, u32 arg2)
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

/*
 * Lock or unlock @pages[0..n) with one command; per-page results land in
 * b->status. Returns the command status. Caller holds comm_lock.
 *
 * A lock batch is sorted by PFN first (parallel allocation interleaves
 * CPUs' pages), so the host sees contiguous runs it can take as one range.
 * Unlock batches need no sort: the balloon's lists are LIFO, so pages come
 * back in descending PFN order, which such a host merges just as well.
 */
static u32 page_op(struct vmmemctl *b, struct page **pages, unsigned int n,
		   enum vmmemctl_page_size size, bool lock)
{
	unsigned int i;
	u32 status, cmd;

	if (!batched(b)) {
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

static void mark_huge_offline(struct page *page, bool offline)
{
	unsigned int i;

	if (offline) {
		for (i = 0; i < VMBALLOON_2M_FRAMES; i++)
			__SetPageOffline(page + i);
		return;
	}
	for (i = 0; i < VMBALLOON_2M_FRAMES; i++)
		__ClearPageOffline(page + i);
}

static void free_page_of(struct page *page, enum vmmemctl_page_size size)
{
	__free_pages(page, size == VMMEMCTL_2M ? VMBALLOON_2M_ORDER : 0);
}

/* Pages the host accepted join the balloon. Caller holds comm_lock. */
static void balloon_add(struct vmmemctl *b, struct page *page, enum vmmemctl_page_size size)
{
	if (size == VMMEMCTL_2M) {
		mark_huge_offline(page, true);
		list_add(&page->lru, &b->huge_pages);
		count_vm_events(BALLOON_INFLATE, VMBALLOON_2M_FRAMES);
	} else {
		balloon_page_enqueue(&b->b_dev_info, page);
	}
	b->size += frames_per_page[size];
}

/* Allocations that never dip into reserves, never warn, never OOM-kill. */
static struct page *alloc_fresh_page(struct vmmemctl *b, enum vmmemctl_page_size size)
{
	struct page *page;

	pstat_inc(b, VMMEMCTL_PSTAT_ALLOC, size, 1);
	if (size == VMMEMCTL_2M)
		/* No reclaim at all: a free 2 MiB block or nothing. */
		page = alloc_pages(__GFP_HIGHMEM | __GFP_NOWARN | __GFP_NOMEMALLOC,
				   VMBALLOON_2M_ORDER);
	else
		page = balloon_page_alloc();
	if (!page)
		pstat_inc(b, VMMEMCTL_PSTAT_ALLOC_FAIL, size, 1);
	return page;
}

static struct page *alloc_balloon_page(struct vmmemctl *b, enum vmmemctl_page_size size,
				       struct list_head *split)
{
	struct page *page;

	if (size == VMMEMCTL_4K && !list_empty(split)) {
		page = list_first_entry(split, struct page, lru);
		list_del(&page->lru);
		return page;
	}
	return alloc_fresh_page(b, size);
}

struct inflate_cycle {
	enum vmmemctl_page_size size;
	struct list_head refused[VMMEMCTL_NUM_SIZES];
	unsigned int nrefused[VMMEMCTL_NUM_SIZES];
	struct list_head split;
	u64 budget;		/* frames this cycle may still inflate */
	u64 locked;		/* frames locked this cycle */
	bool alloc_failed;
	bool stop;
};

/*
 * Fill free slots of the batch until it is full or an allocation fails.
 * Run by the worker and its helpers at once. Returns pages allocated.
 */
static unsigned int fill_slots(struct vmmemctl *b)
{
	struct vmmemctl_fill *f = &b->fill;
	unsigned int slot, done = 0;

	while (!READ_ONCE(f->failed)) {
		slot = atomic_inc_return(&f->next) - 1;
		if (slot >= f->want)
			break;
		b->pages[slot] = alloc_fresh_page(b, f->size);
		if (!b->pages[slot]) {
			WRITE_ONCE(f->failed, true);
			break;
		}
		done++;
		cond_resched();
	}
	return done;
}

static void helper_work(struct work_struct *work)
{
	struct vmmemctl_helper *h = container_of(work, struct vmmemctl_helper, work);

	stat_inc(h->b, VMMEMCTL_STAT_HELPER_ALLOC, fill_slots(h->b));
}

static unsigned int alloc_thread_count(unsigned int want)
{
	unsigned int n = READ_ONCE(alloc_threads);

	if (!n)
		n = VMMEMCTL_DEFAULT_THREADS;
	return min3(n, num_online_cpus(), want);
}

/*
 * Allocate up to @want pages of the cycle's size into b->pages, on several
 * CPUs when allowed; stops at the first failure. Returns pages allocated.
 */
static unsigned int alloc_batch(struct vmmemctl *b, struct inflate_cycle *c, unsigned int want)
{
	struct vmmemctl_fill *f = &b->fill;
	unsigned int threads = alloc_thread_count(want), i, n = 0;

	/* Pieces of refused 2M pages cost no allocation: no helpers for them. */
	if (threads < 2 || (c->size == VMMEMCTL_4K && !list_empty(&c->split))) {
		while (n < want) {
			struct page *page = alloc_balloon_page(b, c->size, &c->split);

			if (!page)
				break;
			b->pages[n++] = page;
		}
		return n;
	}

	memset(b->pages, 0, want * sizeof(b->pages[0]));
	f->size = c->size;
	f->want = want;
	f->failed = false;
	atomic_set(&f->next, 0);
	/* Unbound and not freezable: the freezer waits for our worker, which waits for these. */
	for (i = 0; i < threads - 1; i++)
		queue_work(system_unbound_wq, &b->helpers[i].work);
	fill_slots(b);
	for (i = 0; i < threads - 1; i++)
		flush_work(&b->helpers[i].work);
	stat_inc(b, VMMEMCTL_STAT_PARALLEL_BATCHES, 1);

	/* A failure leaves holes: close them, keeping the slots' order. */
	for (i = 0; i < want; i++)
		if (b->pages[i])
			b->pages[n++] = b->pages[i];
	return n;
}

static void split_huge(struct vmmemctl *b, struct page *page, struct list_head *split)
{
	unsigned int i;

	split_page(page, VMBALLOON_2M_ORDER);
	for (i = 0; i < VMBALLOON_2M_FRAMES; i++)
		list_add_tail(&page[i].lru, split);
	pstat_inc(b, VMMEMCTL_PSTAT_SPLIT, VMMEMCTL_2M, 1);
}

static void free_page_list(struct list_head *list, enum vmmemctl_page_size size)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, list, lru) {
		list_del(&page->lru);
		free_page_of(page, size);
	}
}

/* Pages of @per frames needed to cover @frames, without overflow near U64_MAX. */
static u64 pages_for(u64 frames, u64 per)
{
	return frames / per + !!(frames % per);
}

/*
 * Whatever the host asks, leave the guest this much available memory: the
 * fail-fast allocations alone would take memory down to the watermarks.
 */
static bool below_floor(const struct vmmemctl *b)
{
	return si_mem_available() < (long)b->floor_frames;
}

static s64 balloon_change(struct vmmemctl *b)
{
	u64 size = READ_ONCE(b->size), target = READ_ONCE(b->target);

	if (b->reset_required)
		return 0;
	/* A 2M deflation may undershoot; do not chase less than one 2M page back. */
	if (target && target < size && size - target < VMBALLOON_2M_FRAMES &&
	    !list_empty(&b->huge_pages))
		return 0;
	if (target > size && time_before(jiffies, b->holdoff_until))
		return 0;
	return (s64)target - (s64)size;
}

/* Lock what was allocated; sort accepted and refused pages. */
static void inflate_batch(struct vmmemctl *b, struct inflate_cycle *c, unsigned int n)
{
	unsigned int i, refused = 0;
	bool not_needed = false;
	u32 status;

	spin_lock(&b->comm_lock);
	status = page_op(b, b->pages, n, c->size, true);
	for (i = 0; i < n; i++) {
		struct page *page = b->pages[i];

		if (!status && b->status[i] == VMBALLOON_SUCCESS) {
			balloon_add(b, page, c->size);
			c->locked += frames_per_page[c->size];
			continue;
		}
		if (b->status[i] == VMBALLOON_ERROR_PPN_NOTNEEDED)
			not_needed = true;
		list_add(&page->lru, &c->refused[c->size]);
		c->nrefused[c->size]++;
		refused++;
	}
	spin_unlock(&b->comm_lock);

	if (refused)
		pstat_inc(b, VMMEMCTL_PSTAT_REFUSED_LOCK, c->size, refused);
	if (status) {
		if (status != VMBALLOON_ERROR_RESET && warn_first(b, WARN_CMD_FAILED))
			pr_warn("host failed a lock command with status %#x; backing off\n",
				status);
		c->stop = true;
		return;
	}
	/* Single-page mode: one refusal ends the cycle, as "not needed" always does. */
	if (not_needed || (refused && !batched(b)))
		c->stop = true;
}

static void inflate_give_up_size(struct vmmemctl *b, struct inflate_cycle *c)
{
	struct page *page, *next;

	if (c->size == VMMEMCTL_4K) {
		c->stop = true;
		return;
	}
	/* The host may take the 4K pieces of 2M pages it refused whole. */
	list_for_each_entry_safe(page, next, &c->refused[VMMEMCTL_2M], lru) {
		list_del(&page->lru);
		split_huge(b, page, &c->split);
	}
	c->nrefused[VMMEMCTL_2M] = 0;
	c->size = VMMEMCTL_4K;
}

/* Returns true when a run budget ran out with work left. */
static bool inflate(struct vmmemctl *b, u64 change, unsigned long deadline)
{
	struct inflate_cycle c = {
		.size = use_2m(b) ? VMMEMCTL_2M : VMMEMCTL_4K,
		.budget = b->slow_cycles ? b->slow_rate : U64_MAX,
	};
	bool more = false;
	int i;

	for (i = 0; i < VMMEMCTL_NUM_SIZES; i++)
		INIT_LIST_HEAD(&c.refused[i]);
	INIT_LIST_HEAD(&c.split);

	while (change && !c.stop && c.budget) {
		unsigned int want, n;
		u64 frames = frames_per_page[c.size];

		if (time_after(jiffies, deadline)) {
			more = true;
			break;
		}
		if (below_floor(b)) {
			c.alloc_failed = true;
			break;
		}
		want = min_t(u64, pages_for(min(change, c.budget), frames), batch_capacity(b));
		n = alloc_batch(b, &c, want);
		if (n)
			inflate_batch(b, &c, n);
		c.budget -= min(c.budget, (u64)n * frames);
		if (n < want) {
			if (c.size == VMMEMCTL_4K)
				c.alloc_failed = true;
			inflate_give_up_size(b, &c);
		} else if (c.nrefused[c.size] >= VMMEMCTL_MAX_REFUSED) {
			inflate_give_up_size(b, &c);
		}
		cond_resched();
		change = max_t(s64, balloon_change(b), 0);
	}

	for (i = 0; i < VMMEMCTL_NUM_SIZES; i++)
		free_page_list(&c.refused[i], i);
	free_page_list(&c.split, VMMEMCTL_4K);

	if (c.nrefused[VMMEMCTL_4K] && !c.locked) {
		if (warn_first(b, WARN_LOCK_REFUSED))
			pr_warn("host refused every page offered this cycle; backing off\n");
	} else if (c.locked) {
		warn_rearm(b, WARN_LOCK_REFUSED);
		warn_rearm(b, WARN_CMD_FAILED);
	}
	if (c.alloc_failed) {
		/* Memory is tight: inflate slowly for a few cycles. */
		b->slow_rate = b->slow_cycles ? max(b->slow_rate / 2, VMMEMCTL_RATE_MIN)
					      : VMMEMCTL_RATE_MIN * 4;
		b->slow_cycles = VMMEMCTL_SLOW_CYCLES;
	} else if (b->slow_cycles && !c.budget) {
		b->slow_rate = min(b->slow_rate * 2, VMMEMCTL_RATE_MAX);
	}
	if (!c.locked && !more && !c.alloc_failed)
		b->backoff = min(b->backoff + 1, (unsigned int)VMMEMCTL_MAX_BACKOFF);
	else if (c.locked)
		b->backoff = 0;
	return more && !c.stop;
}

/* Take up to @n pages of @size off the balloon into b->pages. */
static unsigned int take_pages(struct vmmemctl *b, enum vmmemctl_page_size size, unsigned int n)
{
	unsigned int got = 0;
	struct page *page, *next;
	LIST_HEAD(list);

	if (size == VMMEMCTL_2M) {
		spin_lock(&b->comm_lock);
		while (got < n && !list_empty(&b->huge_pages)) {
			page = list_first_entry(&b->huge_pages, struct page, lru);
			list_del(&page->lru);
			mark_huge_offline(page, false);
			count_vm_events(BALLOON_DEFLATE, VMBALLOON_2M_FRAMES);
			b->pages[got++] = page;
		}
		spin_unlock(&b->comm_lock);
		return got;
	}
	balloon_page_list_dequeue(&b->b_dev_info, &list, n);
	list_for_each_entry_safe(page, next, &list, lru) {
		list_del(&page->lru);
		b->pages[got++] = page;
	}
	return got;
}

/*
 * Give @n taken pages back: unlock them at the host when @tell, free what
 * the host released. Returns frames freed; *refused counts pages kept.
 */
static u64 give_back_pages(struct vmmemctl *b, enum vmmemctl_page_size size, unsigned int n,
			   bool tell, unsigned int *refused)
{
	unsigned int i, kept = 0, freed = 0;
	u32 status = VMBALLOON_SUCCESS;

	spin_lock(&b->comm_lock);
	if (tell)
		status = page_op(b, b->pages, n, size, false);
	for (i = 0; i < n; i++) {
		struct page *page = b->pages[i];
		u32 st = tell ? b->status[i] : VMBALLOON_SUCCESS;

		/* "Not ballooned" means the host does not hold it: ours again. */
		if (!status && (st == VMBALLOON_SUCCESS || st == VMBALLOON_ERROR_PPN_UNLOCKED)) {
			b->size -= frames_per_page[size];
			b->pages[freed++] = page;
			continue;
		}
		kept++;
		if (size == VMMEMCTL_2M) {
			mark_huge_offline(page, true);
			count_vm_events(BALLOON_INFLATE, VMBALLOON_2M_FRAMES);
			list_add(&page->lru, &b->huge_pages);
		} else {
			balloon_page_enqueue(&b->b_dev_info, page);
		}
	}
	spin_unlock(&b->comm_lock);

	for (i = 0; i < freed; i++)
		free_page_of(b->pages[i], size);
	pstat_inc(b, VMMEMCTL_PSTAT_FREE, size, freed);
	if (kept)
		pstat_inc(b, VMMEMCTL_PSTAT_REFUSED_UNLOCK, size, kept);
	*refused = kept;
	return (u64)freed * frames_per_page[size];
}

/*
 * Deflate by up to @frames, 4K pages first. @tell: unlock at the host (a
 * pop after a reset must not). @deadline 0: no time limit. Returns frames freed.
 */
static u64 deflate(struct vmmemctl *b, u64 frames, bool tell, unsigned long deadline,
		   bool *more)
{
	enum vmmemctl_page_size size = VMMEMCTL_4K;
	u64 done = 0;

	while (done < frames) {
		unsigned int want, got, refused;

		if (deadline && time_after(jiffies, deadline)) {
			if (more)
				*more = true;
			break;
		}
		want = min_t(u64, pages_for(frames - done, frames_per_page[size]),
			     tell ? batch_capacity(b) : VMBALLOON_BATCH_MAX_ENTRIES);
		got = take_pages(b, size, want);
		if (got)
			done += give_back_pages(b, size, got, tell, &refused);
		if (got && refused) {
			if (warn_first(b, WARN_UNLOCK_REFUSED))
				pr_warn("host refused to give back %u pages; retrying later\n",
					refused);
			b->backoff = min(b->backoff + 1, (unsigned int)VMMEMCTL_MAX_BACKOFF);
			break;
		}
		if (got < want) {
			if (size == VMMEMCTL_2M)
				break;
			size = VMMEMCTL_2M;
		}
		/* Yield between batches, not when a page size was simply empty. */
		if (got)
			cond_resched();
	}
	if (done)
		warn_rearm(b, WARN_UNLOCK_REFUSED);
	return done;
}

/* Free every page without telling the host: it already forgot them. */
static void pop_all(struct vmmemctl *b)
{
	deflate(b, U64_MAX, false, 0, NULL);
}

static int alloc_batch_page(struct vmmemctl *b)
{
	if (b->batch_page)
		return 0;
	b->batch_page = alloc_page(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	if (!b->batch_page)
		return -ENOMEM;
	b->batch = page_address(b->batch_page);
	return 0;
}

/* New session: pop, START, pick the lock method, say who we are. */
static void vmmemctl_reset(struct vmmemctl *b)
{
	u32 status, caps = 0;

	down_write(&b->conf_sem);
	pop_all(b);

	spin_lock(&b->comm_lock);
	status = vmmemctl_cmd(b, VMBALLOON_CMD_START, b->requested, 0, &caps);
	spin_unlock(&b->comm_lock);
	if (status == VMBALLOON_SUCCESS_WITH_CAPS) {
		b->granted = caps & b->requested;
	} else if (status == VMBALLOON_SUCCESS) {
		b->granted = VMBALLOON_CAP_BASIC;
	} else if (status == VMBALLOON_UNCLAIMED) {
		/* Nothing answers the port: a VMware platform without a balloon. */
		if (warn_first(b, WARN_START_FAILED))
			pr_info("no balloon on port %#x; retrying every second\n", VMBALLOON_PORT);
		goto out;
	} else {
		if (warn_first(b, WARN_START_FAILED))
			pr_warn("host refused to start a session (status %#x); retrying every second\n",
				status);
		goto out;
	}
	if (!(b->granted & (VMBALLOON_CAP_BASIC | VMBALLOON_CAP_BATCHED))) {
		if (warn_first(b, WARN_START_FAILED))
			pr_warn("host granted no lock commands (caps %#x); retrying every second\n",
				caps);
		goto out;
	}
	if (batched(b) && alloc_batch_page(b)) {
		/* Tell the host we use nothing, and try again next poll. */
		locked_cmd(b, VMBALLOON_CMD_START, 0, 0);
		goto out;
	}
	warn_rearm(b, WARN_START_FAILED);
	b->reset_required = false;
	stat_inc(b, VMMEMCTL_STAT_RESET, 1);
	if (atomic_long_read(&b->stats[VMMEMCTL_STAT_RESET]) > 1 &&
	    warn_first(b, WARN_RESET_STORM))
		pr_info("host reset the balloon; pages popped, new session with caps %#x\n",
			b->granted);
	locked_cmd(b, VMBALLOON_CMD_GUEST_ID, VMBALLOON_GUEST_LINUX, 0);
out:
	up_write(&b->conf_sem);
}

static bool get_target(struct vmmemctl *b)
{
	u64 limit = totalram_pages();

	if (!(b->granted & VMBALLOON_CAP_64BIT_TARGET))
		limit = min_t(u64, limit, U32_MAX);
	return locked_cmd(b, VMBALLOON_CMD_GET_TARGET, limit, 0) == VMBALLOON_SUCCESS;
}

static void vmmemctl_work(struct work_struct *work)
{
	struct vmmemctl *b = container_of(to_delayed_work(work), struct vmmemctl, work);
	unsigned long deadline = jiffies + VMMEMCTL_RUN_BUDGET;
	unsigned long delay;
	bool more = false;
	s64 change;

	mutex_lock(&b->op_lock);
	stat_inc(b, VMMEMCTL_STAT_TIMER, 1);
	if (b->reset_required)
		vmmemctl_reset(b);
	else
		warn_rearm(b, WARN_RESET_STORM);

	if (!b->reset_required && get_target(b)) {
		change = balloon_change(b);
		if (change > 0)
			more = inflate(b, change, deadline);
		else if (change < 0)
			deflate(b, -change, true, deadline, &more);
	}
	if (b->slow_cycles)
		b->slow_cycles--;
	mutex_unlock(&b->op_lock);

	if (more) {
		delay = 1;
	} else {
		delay = round_jiffies_relative(HZ << b->backoff);
		if (b->backoff)
			stat_inc(b, VMMEMCTL_STAT_BACKOFF, 1);
	}
	if (!READ_ONCE(b->stopping))
		queue_delayed_work(system_freezable_wq, &b->work, delay);
}

static unsigned long vmmemctl_shrink_count(struct shrinker *s, struct shrink_control *sc)
{
	struct vmmemctl *b = vmmemctl_dev;

	return READ_ONCE(b->size);
}

static unsigned long vmmemctl_shrink_scan(struct shrinker *s, struct shrink_control *sc)
{
	struct vmmemctl *b = vmmemctl_dev;
	u64 freed;

	stat_inc(b, VMMEMCTL_STAT_SHRINK, 1);
	/* The worker may be allocating and reclaiming into us: never wait for it. */
	if (!mutex_trylock(&b->op_lock))
		return SHRINK_STOP;
	if (b->reset_required) {
		mutex_unlock(&b->op_lock);
		return SHRINK_STOP;
	}
	freed = deflate(b, sc->nr_to_scan, true, 0, NULL);
	/* The host still wants its target: hold it off for a while. */
	WRITE_ONCE(b->holdoff_until, jiffies + VMMEMCTL_HOLDOFF);
	mutex_unlock(&b->op_lock);
	stat_inc(b, VMMEMCTL_STAT_SHRINK_FREE, freed);
	return freed ? freed : SHRINK_STOP;
}

#ifdef PVTOOLS_HAVE_SHRINKER_ALLOC
static int shrinker_init(struct vmmemctl *b)
{
	b->shrinker = shrinker_alloc(0, "vmmemctl");
	if (!b->shrinker)
		return -ENOMEM;
	b->shrinker->count_objects = vmmemctl_shrink_count;
	b->shrinker->scan_objects = vmmemctl_shrink_scan;
	b->shrinker->seeks = DEFAULT_SEEKS;
	shrinker_register(b->shrinker);
	return 0;
}

static void shrinker_exit(struct vmmemctl *b)
{
	shrinker_free(b->shrinker);
}
#else
static int shrinker_init(struct vmmemctl *b)
{
	b->shrinker = &b->shrinker_storage;
	b->shrinker->count_objects = vmmemctl_shrink_count;
	b->shrinker->scan_objects = vmmemctl_shrink_scan;
	b->shrinker->seeks = DEFAULT_SEEKS;
#ifdef PVTOOLS_HAVE_REGISTER_SHRINKER_NAME
	return register_shrinker(b->shrinker, "vmmemctl");
#else
	return register_shrinker(b->shrinker);
#endif
}

static void shrinker_exit(struct vmmemctl *b)
{
	unregister_shrinker(b->shrinker);
}
#endif

#ifdef PVTOOLS_BALLOON_MIGRATION
/*
 * Compaction moves one 4K balloon page: unlock the old frame first so the
 * host does not refuse the new one as not needed while at target.
 *
 * Where the balloon core keeps the page list under its own lock
 * (!PVTOOLS_HAVE_BALLOON_PAGES_LOCK), it also moves the references and the
 * list entries itself: this callback only tells the host, and returns 0
 * (both moved), -ENOENT (the old frame left, the new one could not join) or
 * -EBUSY (nothing changed).
 */
static int vmmemctl_migratepage(struct balloon_dev_info *info, struct page *newpage,
				struct page *page, enum migrate_mode mode)
{
	struct vmmemctl *b = container_of(info, struct vmmemctl, b_dev_info);
#ifdef PVTOOLS_HAVE_BALLOON_PAGES_LOCK
	unsigned long flags;
#endif
	int ret = -EBUSY;
	u32 status;

	if (!down_read_trylock(&b->conf_sem))
		return -EAGAIN;
	if (b->reset_required) {
		up_read(&b->conf_sem);
		return -EAGAIN;
	}

	spin_lock(&b->comm_lock);
	status = page_op(b, &page, 1, VMMEMCTL_4K, false);
	if (status || b->status[0] != VMBALLOON_SUCCESS) {
		/*
		 * The host keeps the old page: the migration core puts it back
		 * (balloon_page_putback()), which ends its isolation itself.
		 */
		spin_unlock(&b->comm_lock);
		up_read(&b->conf_sem);
		return -EBUSY;
	}
#ifdef PVTOOLS_HAVE_BALLOON_PAGES_LOCK
	/* Isolated, so no list holds it; the migration core keeps its own ref. */
	balloon_page_finalize(page);
	put_page(page);
#endif

	status = page_op(b, &newpage, 1, VMMEMCTL_4K, true);
	if (status || b->status[0] != VMBALLOON_SUCCESS) {
		/* The old frame left the balloon and the new one could not join. */
		b->size--;
		spin_unlock(&b->comm_lock);
#ifndef PVTOOLS_HAVE_BALLOON_PAGES_LOCK
		ret = -ENOENT;
#endif
		goto out;
	}
#ifdef PVTOOLS_HAVE_BALLOON_PAGES_LOCK
	get_page(newpage);
#endif
	spin_unlock(&b->comm_lock);
	ret = MIGRATEPAGE_SUCCESS;
out:
#ifdef PVTOOLS_HAVE_BALLOON_PAGES_LOCK
	spin_lock_irqsave(&b->b_dev_info.pages_lock, flags);
	if (ret == MIGRATEPAGE_SUCCESS) {
		balloon_page_insert(&b->b_dev_info, newpage);
		__count_vm_event(BALLOON_MIGRATE);
	}
	b->b_dev_info.isolated_pages--;
	spin_unlock_irqrestore(&b->b_dev_info.pages_lock, flags);
#endif
	up_read(&b->conf_sem);
	return ret;
}

#ifdef PVTOOLS_HAVE_BALLOON_INODE
/*
 * Kernels that find a balloon page's owner through page->mapping (< 5.19)
 * need an inode whose mapping has the balloon address space operations;
 * every balloon page is tied to it, so it must exist before the first one.
 */
#define VMMEMCTL_FS_MAGIC	0x766d6d63	/* "vmmc" */

static struct vfsmount *vmmemctl_mnt;

static int vmmemctl_fs_init_context(struct fs_context *fc)
{
	return init_pseudo(fc, VMMEMCTL_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type vmmemctl_fs = {
	.name		= "vmmemctl",
	.init_fs_context = vmmemctl_fs_init_context,
	.kill_sb	= kill_anon_super,
};

static int compaction_inode_init(struct vmmemctl *b)
{
	struct inode *inode;

	vmmemctl_mnt = kern_mount(&vmmemctl_fs);
	if (IS_ERR(vmmemctl_mnt))
		return PTR_ERR(vmmemctl_mnt);
	inode = alloc_anon_inode(vmmemctl_mnt->mnt_sb);
	if (IS_ERR(inode)) {
		kern_unmount(vmmemctl_mnt);
		return PTR_ERR(inode);
	}
	inode->i_mapping->a_ops = &balloon_aops;
	b->b_dev_info.inode = inode;
	return 0;
}

static void compaction_exit(struct vmmemctl *b)
{
	iput(b->b_dev_info.inode);
	kern_unmount(vmmemctl_mnt);
}
#else
static int compaction_inode_init(struct vmmemctl *b)
{
	return 0;
}

static void compaction_exit(struct vmmemctl *b)
{
}
#endif

static int compaction_init(struct vmmemctl *b)
{
	b->b_dev_info.migratepage = vmmemctl_migratepage;
	return compaction_inode_init(b);
}
#else
static int compaction_init(struct vmmemctl *b)
{
	return 0;
}

static void compaction_exit(struct vmmemctl *b)
{
}
#endif

static int __init vmmemctl_init(void)
{
	struct vmmemctl *b;
	u64 ram = totalram_pages();
	unsigned int i;
	int err;

	if (x86_hyper_type != X86_HYPER_VMWARE)
		return -ENODEV;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	balloon_devinfo_init(&b->b_dev_info);
	err = compaction_init(b);
	if (err) {
		kfree(b);
		return err;
	}
	INIT_LIST_HEAD(&b->huge_pages);
	spin_lock_init(&b->comm_lock);
	init_rwsem(&b->conf_sem);
	mutex_init(&b->op_lock);
	INIT_DELAYED_WORK(&b->work, vmmemctl_work);
	for (i = 0; i < ARRAY_SIZE(b->helpers); i++) {
		b->helpers[i].b = b;
		INIT_WORK(&b->helpers[i].work, helper_work);
	}
	b->requested = VMMEMCTL_CAPS;
	b->reset_required = true;
	b->holdoff_until = jiffies;
	/* Always leave 1/32 of RAM (at least 16 MiB) available to the guest. */
	b->floor_frames = max(ram / 32, 4096ULL);
	b->max_frames = ram - min(ram, b->floor_frames);
	/* Allocated now and kept across resets; a reset retries if this fails. */
	alloc_batch_page(b);
	vmmemctl_dev = b;

	if (shrinker_enable) {
		err = shrinker_init(b);
		if (err)
			goto err_free;
	}
	vmmemctl_debugfs_init(b);
	queue_delayed_work(system_freezable_wq, &b->work, 0);
	pr_info("started; polling the host every second\n");
	return 0;

err_free:
	if (b->batch_page)
		__free_page(b->batch_page);
	compaction_exit(b);
	kfree(b);
	vmmemctl_dev = NULL;
	return err;
}

static void __exit vmmemctl_exit(void)
{
	struct vmmemctl *b = vmmemctl_dev;
	u64 given_back;

	if (shrinker_enable)
		shrinker_exit(b);
	WRITE_ONCE(b->stopping, true);
	cancel_delayed_work_sync(&b->work);
	vmmemctl_debugfs_exit(b);

	mutex_lock(&b->op_lock);
	down_write(&b->conf_sem);
	given_back = 0;
	/* Unlock everything the host holds, then end the session. */
	if (!b->reset_required)
		given_back = deflate(b, U64_MAX, true, 0, NULL);
	locked_cmd(b, VMBALLOON_CMD_START, 0, 0);
	b->reset_required = true;
	pop_all(b);
	/* Pages isolated for migration come back (putback) once we let go. */
	while (READ_ONCE(b->size)) {
		up_write(&b->conf_sem);
		msleep(20);
		down_write(&b->conf_sem);
		pop_all(b);
	}
	up_write(&b->conf_sem);
	mutex_unlock(&b->op_lock);

	pr_info("stopped; %llu pages given back to the guest\n", given_back);
	if (b->batch_page)
		__free_page(b->batch_page);
	compaction_exit(b);
	kfree(b);
}

module_init(vmmemctl_init);
module_exit(vmmemctl_exit);

MODULE_AUTHOR("pvtools");
MODULE_DESCRIPTION("VMware memory balloon driver (pvtools)");
MODULE_LICENSE("GPL");
MODULE_VERSION(PVTOOLS_VERSION);
