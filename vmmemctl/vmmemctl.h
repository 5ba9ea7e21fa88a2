/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal state of vmmemctl, the VMware memory balloon driver, shared by
 * the balloon engine and its debugfs statistics.
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

/* A helper allocating part of the worker's batch on another CPU. */
struct vmmemctl_helper {
	struct work_struct work;
	struct vmmemctl *b;
};

/*
 * The batch being allocated: threads claim slots of vmmemctl.pages with
 * @next and fill each with a page or NULL; the first failure stops them all.
 */
struct vmmemctl_fill {
	enum vmmemctl_page_size size;
	unsigned int want;
	atomic_t next;
	bool failed;
};

struct vmmemctl {
	/* 4K pages, compaction-aware; its pages_lock guards the list. */
	struct balloon_dev_info b_dev_info;
	/* 2M pages (order 9, not compound): never migrated. Under comm_lock. */
	struct list_head huge_pages;

	/* Frames locked at the host (2M pages count 512). Under comm_lock. */
	u64 size;
	/* Frames the host wants, after our clamps. */
	u64 target;
	/* Most the balloon may hold: guest RAM minus a floor left free. */
	u64 max_frames;
	/* Inflation pauses while the guest has less available memory than this. */
	u64 floor_frames;

	u32 requested;
	u32 granted;
	bool reset_required;

	/* Serialises every command and the batch page contents. */
	spinlock_t comm_lock;
	__le64 *batch;
	struct page *batch_page;
	/* The pages of the batch in flight: never trust PFNs read back. */
	struct page *pages[VMBALLOON_BATCH_MAX_ENTRIES];
	u8 status[VMBALLOON_BATCH_MAX_ENTRIES];

	/* Parallel allocation of one batch; used by the worker only. */
	struct vmmemctl_fill fill;
	struct vmmemctl_helper helpers[VMMEMCTL_MAX_THREADS - 1];

	/* Writers: reset and unload. Readers: migration (trylock). */
	struct rw_semaphore conf_sem;
	/* The worker and the shrinker never change the balloon at once. */
	struct mutex op_lock;
	struct delayed_work work;
	bool stopping;

	/* Inflation held off after the shrinker gave memory back. */
	unsigned long holdoff_until;
	/* Adaptive rate after allocation failures, in frames per cycle. */
	u64 slow_rate;
	unsigned int slow_cycles;
	/* Poll interval is HZ << backoff after a cycle that made no progress. */
	unsigned int backoff;
	/* One log line per hostile episode: bits re-armed when it ends. */
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

const char *vmmemctl_cmd_name(u32 cmd);
void vmmemctl_debugfs_init(struct vmmemctl *b);
void vmmemctl_debugfs_exit(struct vmmemctl *b);

#endif /* PVTOOLS_VMMEMCTL_H */
