/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal state of vmmemctl, the VMware memory balloon driver, shared by
 * its commands (commands.c), inflate and deflate (inflate.c), the session,
 * worker and shrinker (main.c) and its debugfs statistics (debugfs.c).
 */
#ifndef PVTOOLS_VMMEMCTL_H
#define PVTOOLS_VMMEMCTL_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/shrinker.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <pvtools/balloon_abi.h>

#include "pvtools_compat.h"

/* The balloon page list and its compaction hooks, wherever this kernel has them. */
#ifdef PVTOOLS_HAVE_LINUX_BALLOON_H
#include <linux/balloon.h>
#else
#include <linux/balloon_compaction.h>
#endif

/* Balloon page migration: CONFIG_BALLOON_COMPACTION, CONFIG_BALLOON_MIGRATION in 7.x. */
#if defined(CONFIG_BALLOON_COMPACTION) || defined(CONFIG_BALLOON_MIGRATION)
#define PVTOOLS_BALLOON_MIGRATION 1
#endif

/* A migration callback's success: 0, named until 7.x dropped the name. */
#ifndef MIGRATEPAGE_SUCCESS
#define MIGRATEPAGE_SUCCESS	0
#endif

#ifdef PVTOOLS_HAVE_BALLOON_INODE
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#endif

enum vmmemctl_page_size {
	VMMEMCTL_4K,
	VMMEMCTL_2M,
	VMMEMCTL_NUM_SIZES
};

enum vmmemctl_stat {
	VMMEMCTL_STAT_TIMER,
	VMMEMCTL_STAT_RESET,
	VMMEMCTL_STAT_SHRINK,
	VMMEMCTL_STAT_SHRINK_FREE,
	VMMEMCTL_STAT_BACKOFF,
	VMMEMCTL_STAT_PARALLEL_BATCHES,
	VMMEMCTL_STAT_HELPER_ALLOC,
	VMMEMCTL_STAT_NUM
};

enum vmmemctl_page_stat {
	VMMEMCTL_PSTAT_ALLOC,
	VMMEMCTL_PSTAT_ALLOC_FAIL,
	VMMEMCTL_PSTAT_REFUSED_LOCK,
	VMMEMCTL_PSTAT_REFUSED_UNLOCK,
	VMMEMCTL_PSTAT_SPLIT,
	VMMEMCTL_PSTAT_FREE,
	VMMEMCTL_PSTAT_NUM
};

/* Threads that may allocate one batch together (the worker and its helpers). */
#define VMMEMCTL_MAX_THREADS	16

struct vmmemctl;

/**
 * struct vmmemctl_helper - a helper allocating part of the worker's batch.
 * @work: queued on an unbound workqueue for one batch.
 * @b: the balloon.
 */
struct vmmemctl_helper {
	struct work_struct work;
	struct vmmemctl *b;
};

/**
 * struct vmmemctl_fill - the batch being allocated by several threads.
 * @size: the page size of the batch.
 * @want: slots of &vmmemctl.pages to fill.
 * @next: the next slot a thread claims.
 * @failed: an allocation failed: every thread stops.
 *
 * Threads claim slots of &vmmemctl.pages with @next and fill each with a
 * page or NULL; the first failure stops them all.
 */
struct vmmemctl_fill {
	enum vmmemctl_page_size size;
	unsigned int want;
	atomic_t next;
	bool failed;
};

/**
 * struct vmmemctl - the balloon.
 * @b_dev_info: 4K pages, compaction-aware; its own pages_lock guards the list.
 * @huge_pages: 2M pages (order 9, not compound), never migrated; under
 *	@comm_lock.
 * @size: frames locked at the host (2M pages count 512); under @comm_lock.
 * @target: frames the host wants, after our clamps.
 * @max_frames: the most the balloon may hold: guest RAM minus @floor_frames.
 * @floor_frames: inflation pauses while the guest has less available
 *	memory than this.
 * @requested: the capabilities asked for at START.
 * @granted: the capabilities the host granted.
 * @reset_required: the host asked for a new session (or there is none yet).
 * @comm_lock: serialises every command and the contents of @batch,
 *	@pages and @status.
 * @batch: the batch page as the host reads and answers it.
 * @batch_page: its page.
 * @pages: the pages of the batch in flight: never trust PFNs read back.
 * @status: the host's per-page answer to the last lock or unlock.
 * @fill: parallel allocation of one batch; the worker's only.
 * @helpers: the worker's allocation helpers.
 * @conf_sem: the session; writers: reset and unload; readers: page
 *	migration (trylock, never waits).
 * @op_lock: the worker and the shrinker never change the balloon at once.
 * @work: the periodic worker.
 * @stopping: unload: the worker requeues no more.
 * @holdoff_until: inflation held off until then after the shrinker gave
 *	memory back.
 * @slow_rate: adaptive rate after allocation failures, frames per cycle.
 * @slow_cycles: cycles the slow rate still applies.
 * @backoff: the poll interval is HZ << @backoff after a cycle that made no
 *	progress.
 * @warned: one log line per hostile episode: bits re-armed when it ends.
 * @shrinker: deflates under guest memory pressure.
 * @shrinker_storage: kernels without shrinker_alloc(): @shrinker's memory.
 * @debugfs: the debugfs directory.
 * @cmd_calls: commands issued, per command.
 * @cmd_failed: commands that failed, per command.
 * @stats: counters of &enum vmmemctl_stat.
 * @page_stats: counters of &enum vmmemctl_page_stat, per page size.
 *
 * Lock order: @op_lock, then @conf_sem, then @comm_lock, then
 * @b_dev_info's pages_lock. The worker and the shrinker (trylock) take
 * @op_lock; reset and unload take @conf_sem for writing under it; page
 * migration comes from compaction with neither and only try-locks
 * @conf_sem for reading. @comm_lock is a spinlock: nothing that sleeps
 * runs under it.
 */
struct vmmemctl {
	struct balloon_dev_info b_dev_info;
	struct list_head huge_pages;

	u64 size;
	u64 target;
	u64 max_frames;
	u64 floor_frames;

	u32 requested;
	u32 granted;
	bool reset_required;

	spinlock_t comm_lock;		/* commands and the batch */
	__le64 *batch;
	struct page *batch_page;
	struct page *pages[VMBALLOON_BATCH_MAX_ENTRIES];
	u8 status[VMBALLOON_BATCH_MAX_ENTRIES];

	struct vmmemctl_fill fill;
	struct vmmemctl_helper helpers[VMMEMCTL_MAX_THREADS - 1];

	struct rw_semaphore conf_sem;
	struct mutex op_lock;		/* worker vs shrinker */
	struct delayed_work work;
	bool stopping;

	unsigned long holdoff_until;
	u64 slow_rate;
	unsigned int slow_cycles;
	unsigned int backoff;
	unsigned long warned;

	struct shrinker *shrinker;
#ifndef PVTOOLS_HAVE_SHRINKER_ALLOC
	struct shrinker shrinker_storage;
#endif
	struct dentry *debugfs;

	atomic_long_t cmd_calls[VMBALLOON_CMD_NUM];
	atomic_long_t cmd_failed[VMBALLOON_CMD_NUM];
	atomic_long_t stats[VMMEMCTL_STAT_NUM];
	atomic_long_t page_stats[VMMEMCTL_PSTAT_NUM][VMMEMCTL_NUM_SIZES];
};

/* Bits of &vmmemctl.warned: one log line per hostile episode. */
enum {
	VMMEMCTL_WARN_TARGET_CLAMPED,
	VMMEMCTL_WARN_UNKNOWN_STATUS,
	VMMEMCTL_WARN_RESET_STORM,
	VMMEMCTL_WARN_LOCK_REFUSED,
	VMMEMCTL_WARN_UNLOCK_REFUSED,
	VMMEMCTL_WARN_START_FAILED,
	VMMEMCTL_WARN_CMD_FAILED,
};

static inline void vmmemctl_stat_inc(struct vmmemctl *b, enum vmmemctl_stat s, long n)
{
	atomic_long_add(n, &b->stats[s]);
}

static inline void vmmemctl_pstat_inc(struct vmmemctl *b, enum vmmemctl_page_stat s,
				      enum vmmemctl_page_size size, long n)
{
	atomic_long_add(n, &b->page_stats[s][size]);
}

/* First occurrence of a hostile condition logs; later ones stay quiet. */
static inline bool vmmemctl_warn_first(struct vmmemctl *b, int bit)
{
	return !test_and_set_bit(bit, &b->warned);
}

static inline void vmmemctl_warn_rearm(struct vmmemctl *b, int bit)
{
	clear_bit(bit, &b->warned);
}

static inline bool vmmemctl_batched(const struct vmmemctl *b)
{
	return b->granted & VMBALLOON_CAP_BATCHED;
}

static inline bool vmmemctl_use_2m(const struct vmmemctl *b)
{
	return (b->granted & VMBALLOON_CAP_BATCHED_2M) && vmmemctl_batched(b);
}

static inline unsigned int vmmemctl_batch_capacity(const struct vmmemctl *b)
{
	return vmmemctl_batched(b) ? VMBALLOON_BATCH_MAX_ENTRIES : 1;
}

/* commands.c */
const char *vmmemctl_cmd_name(u32 cmd);
u32 vmmemctl_cmd(struct vmmemctl *b, u32 cmd, u64 arg1, u32 arg2, u32 *caps);
u32 vmmemctl_locked_cmd(struct vmmemctl *b, u32 cmd, u64 arg1, u32 arg2);
u32 vmmemctl_page_op(struct vmmemctl *b, struct page **pages, unsigned int n,
		     enum vmmemctl_page_size size, bool lock);
bool vmmemctl_get_target(struct vmmemctl *b);

/* inflate.c */
void vmmemctl_helper_work(struct work_struct *work);
s64 vmmemctl_balloon_change(struct vmmemctl *b);
bool vmmemctl_inflate(struct vmmemctl *b, u64 change, unsigned long deadline);
u64 vmmemctl_deflate(struct vmmemctl *b, u64 frames, bool tell, unsigned long deadline,
		     bool *more);
void vmmemctl_pop_all(struct vmmemctl *b);

/* debugfs.c */
void vmmemctl_debugfs_init(struct vmmemctl *b);
void vmmemctl_debugfs_exit(struct vmmemctl *b);

#endif /* PVTOOLS_VMMEMCTL_H */
