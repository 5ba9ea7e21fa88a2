// SPDX-License-Identifier: GPL-2.0
/*
 * vmmemctl: inflating and deflating. Allocating batches of 4K or 2M pages
 * (on several CPUs at once), locking them at the host, falling back from
 * 2M to 4K pages, adapting the rate under memory pressure, and giving
 * pages back, 4K ones first.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/vmstat.h>

#include "vmmemctl.h"

/* Refused pages held per page size and cycle before giving up on that size. */
#define VMMEMCTL_MAX_REFUSED	16
#define VMMEMCTL_MAX_BACKOFF	3
#define VMMEMCTL_SLOW_CYCLES	4
#define VMMEMCTL_RATE_MIN	512ULL
#define VMMEMCTL_RATE_MAX	32768ULL
/* Allocating threads when alloc_threads is 0, if that many CPUs are online. */
#define VMMEMCTL_DEFAULT_THREADS	4

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

static const unsigned int frames_per_page[VMMEMCTL_NUM_SIZES] = {
	[VMMEMCTL_4K] = 1,
	[VMMEMCTL_2M] = VMBALLOON_2M_FRAMES,
};

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

/* Pages the host accepted join the balloon. */
static void balloon_add(struct vmmemctl *b, struct page *page, enum vmmemctl_page_size size)
{
	lockdep_assert_held(&b->comm_lock);
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

	vmmemctl_pstat_inc(b, VMMEMCTL_PSTAT_ALLOC, size, 1);
	if (size == VMMEMCTL_2M)
		/* No reclaim at all: a free 2 MiB block or nothing. */
		page = alloc_pages(__GFP_HIGHMEM | __GFP_NOWARN | __GFP_NOMEMALLOC,
				   VMBALLOON_2M_ORDER);
	else
		page = balloon_page_alloc();
	if (!page)
		vmmemctl_pstat_inc(b, VMMEMCTL_PSTAT_ALLOC_FAIL, size, 1);
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

/**
 * vmmemctl_helper_work() - a helper allocating part of the worker's batch.
 * @work: &vmmemctl_helper.work.
 */
void vmmemctl_helper_work(struct work_struct *work)
{
	struct vmmemctl_helper *h = container_of(work, struct vmmemctl_helper, work);

	vmmemctl_stat_inc(h->b, VMMEMCTL_STAT_HELPER_ALLOC, fill_slots(h->b));
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
	vmmemctl_stat_inc(b, VMMEMCTL_STAT_PARALLEL_BATCHES, 1);

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
	vmmemctl_pstat_inc(b, VMMEMCTL_PSTAT_SPLIT, VMMEMCTL_2M, 1);
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
 * Returns the frames that may still be inflated before MemAvailable falls
 * to the floor; each batch is cut to it, so one batch of 2M pages (up to
 * 1 GiB) cannot carry the balloon past the floor.
 */
static u64 floor_headroom(const struct vmmemctl *b)
{
	long avail = si_mem_available();

	return avail > (long)b->floor_frames ? avail - b->floor_frames : 0;
}

/**
 * vmmemctl_balloon_change() - how far the balloon is from its target now.
 * @b: the balloon.
 *
 * Return: frames to inflate (> 0) or deflate (< 0); 0 while a reset is
 * due, while a 2M deflation undershot by less than one 2M page, or while
 * inflation is held off after the shrinker.
 */
s64 vmmemctl_balloon_change(struct vmmemctl *b)
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
	status = vmmemctl_page_op(b, b->pages, n, c->size, true);
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
		vmmemctl_pstat_inc(b, VMMEMCTL_PSTAT_REFUSED_LOCK, c->size, refused);
	if (status) {
		if (status != VMBALLOON_ERROR_RESET &&
		    vmmemctl_warn_first(b, VMMEMCTL_WARN_CMD_FAILED))
			pr_warn("host failed a lock command with status %#x; backing off\n",
				status);
		c->stop = true;
		return;
	}
	/* Single-page mode: one refusal ends the cycle, as "not needed" always does. */
	if (not_needed || (refused && !vmmemctl_batched(b)))
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

/**
 * vmmemctl_inflate() - inflate towards the target, for one worker run.
 * @b: the balloon.
 * @change: frames to inflate.
 * @deadline: jiffies at which the run stops.
 *
 * Starts with 2M pages when granted and falls back to 4K pages; adapts the
 * rate after allocation failures and the poll backoff.
 *
 * Context: &vmmemctl.op_lock held.
 * Return: true when the run budget ran out with work left.
 */
bool vmmemctl_inflate(struct vmmemctl *b, u64 change, unsigned long deadline)
{
	struct inflate_cycle c = {
		.size = vmmemctl_use_2m(b) ? VMMEMCTL_2M : VMMEMCTL_4K,
		.budget = b->slow_cycles ? b->slow_rate : U64_MAX,
	};
	bool more = false;
	int i;

	lockdep_assert_held(&b->op_lock);
	for (i = 0; i < VMMEMCTL_NUM_SIZES; i++)
		INIT_LIST_HEAD(&c.refused[i]);
	INIT_LIST_HEAD(&c.split);

	while (change && !c.stop && c.budget) {
		unsigned int want, n;
		u64 frames = frames_per_page[c.size], room;

		if (time_after(jiffies, deadline)) {
			more = true;
			break;
		}
		room = floor_headroom(b);
		if (room < frames) {
			/* Less than one 2M page above the floor: go on with 4K pages. */
			if (room && c.size == VMMEMCTL_2M) {
				inflate_give_up_size(b, &c);
				continue;
			}
			c.alloc_failed = true;
			break;
		}
		want = min3(pages_for(min(change, c.budget), frames),
			    (u64)vmmemctl_batch_capacity(b), room / frames);
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
		change = max_t(s64, vmmemctl_balloon_change(b), 0);
	}

	for (i = 0; i < VMMEMCTL_NUM_SIZES; i++)
		free_page_list(&c.refused[i], i);
	free_page_list(&c.split, VMMEMCTL_4K);

	if (c.nrefused[VMMEMCTL_4K] && !c.locked) {
		if (vmmemctl_warn_first(b, VMMEMCTL_WARN_LOCK_REFUSED))
			pr_warn("host refused every page offered this cycle; backing off\n");
	} else if (c.locked) {
		vmmemctl_warn_rearm(b, VMMEMCTL_WARN_LOCK_REFUSED);
		vmmemctl_warn_rearm(b, VMMEMCTL_WARN_CMD_FAILED);
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
		status = vmmemctl_page_op(b, b->pages, n, size, false);
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
	vmmemctl_pstat_inc(b, VMMEMCTL_PSTAT_FREE, size, freed);
	if (kept)
		vmmemctl_pstat_inc(b, VMMEMCTL_PSTAT_REFUSED_UNLOCK, size, kept);
	*refused = kept;
	return (u64)freed * frames_per_page[size];
}

/**
 * vmmemctl_deflate() - give frames back to the guest, 4K pages first.
 * @b: the balloon.
 * @frames: at most this many frames.
 * @tell: unlock at the host first (a pop after a reset must not).
 * @deadline: jiffies at which to stop; 0: no time limit.
 * @more: set when the deadline stopped it with work left; may be NULL.
 *
 * Context: &vmmemctl.op_lock held.
 * Return: frames freed.
 */
u64 vmmemctl_deflate(struct vmmemctl *b, u64 frames, bool tell, unsigned long deadline,
		     bool *more)
{
	enum vmmemctl_page_size size = VMMEMCTL_4K;
	u64 done = 0;

	lockdep_assert_held(&b->op_lock);
	while (done < frames) {
		unsigned int want, got, refused;

		if (deadline && time_after(jiffies, deadline)) {
			if (more)
				*more = true;
			break;
		}
		want = min_t(u64, pages_for(frames - done, frames_per_page[size]),
			     tell ? vmmemctl_batch_capacity(b) : VMBALLOON_BATCH_MAX_ENTRIES);
		got = take_pages(b, size, want);
		if (got)
			done += give_back_pages(b, size, got, tell, &refused);
		if (got && refused) {
			if (vmmemctl_warn_first(b, VMMEMCTL_WARN_UNLOCK_REFUSED))
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
		vmmemctl_warn_rearm(b, VMMEMCTL_WARN_UNLOCK_REFUSED);
	return done;
}

/**
 * vmmemctl_pop_all() - free every page without telling the host.
 * @b: the balloon, whose host session already forgot the pages.
 */
void vmmemctl_pop_all(struct vmmemctl *b)
{
	vmmemctl_deflate(b, U64_MAX, false, 0, NULL);
}
