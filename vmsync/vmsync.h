/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of vmsync: the per-file freeze state the ioctls,
 * the auto-thaw work and release share, and the global registry of frozen
 * filesystems.
 */
#ifndef VMSYNC_H
#define VMSYNC_H

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/path.h>
#include <linux/sched.h>
#include <linux/workqueue.h>

#include <pvtools/vmsync_abi.h>

/* One filesystem frozen (or being frozen) through one open file. */
struct vmsync_fs {
	struct list_head file_node;	/* owner's list, in freeze order */
	struct list_head registry_node;	/* every vmsync_fs of the driver */
	struct vmsync_file *owner;
	struct path path;		/* pins the mount, hence the superblock */
	struct super_block *sb;
	u64 mnt_id;
	char *name;			/* mount point, for logs and LIST */
	bool frozen;			/* false while its freeze is in progress */
	bool thawing;			/* off its owner's list, on a thaw's own */
	u64 call;			/* the FREEZE call that claimed it (owner's call_seq) */
	ktime_t frozen_at;		/* CLOCK_BOOTTIME */
};

/* State of one open file of /proc/driver/vmware-sync or /dev/vmsync. */
struct vmsync_file {
	/* One FREEZE or THAW of this file at a time; held across freeze_super(). */
	struct mutex op_lock;
	/* Under vmsync_lock: */
	struct list_head fs_list;
	unsigned int nr_fs;
	bool timer_armed;
	bool expired;			/* the auto-thaw ended the current freeze */
	bool autothawed;		/* ... and THAW has not reported it yet */
	bool expedited;			/* its FREEZE holds an rcu_expedite_gp() */
	u32 timeout_ms;
	u64 call_seq;			/* numbers FREEZE calls: rollback finds its own */
	ktime_t deadline;		/* CLOCK_BOOTTIME */
	struct delayed_work autothaw;
	pid_t pid;			/* who opened it */
	char comm[TASK_COMM_LEN];
};

/* Where a freeze's targets come from. */
struct vmsync_request {
	bool by_mnt_id;
	bool want_mnt_ids;		/* fill results[].mnt_id (costs a mountinfo read) */
	unsigned int count;
	const char **paths;		/* count paths, or */
	const u64 *mnt_ids;		/* count mount ids */
	u32 timeout_ms;			/* 0: module default */
	struct vmsync_fs_result *results;	/* count slots, filled in */
	u32 frozen, skipped, failed_index;
};

enum vmsync_stat {
	VMSYNC_STAT_FREEZE_CALLS,
	VMSYNC_STAT_FROZEN,
	VMSYNC_STAT_THAWED,
	VMSYNC_STAT_SKIPPED,
	VMSYNC_STAT_BUSY,
	VMSYNC_STAT_FAILED,
	VMSYNC_STAT_ROLLBACKS,
	VMSYNC_STAT_AUTOTHAWS,
	VMSYNC_STAT_CLOSE_THAWS,
	VMSYNC_STAT_THAWED_ELSEWHERE,
	VMSYNC_STAT_PRESYNCED,
	VMSYNC_STAT_NUM,
};

extern struct mutex vmsync_lock;
extern struct list_head vmsync_registry;
extern atomic_t vmsync_frozen_count;
extern atomic64_t vmsync_stats[VMSYNC_STAT_NUM];
extern const char *const vmsync_stat_names[VMSYNC_STAT_NUM];

static inline void vmsync_stat_add(enum vmsync_stat s, long n)
{
	atomic64_add(n, &vmsync_stats[s]);
}

/* freeze.c */
u32 vmsync_autothaw_ms(void);
void vmsync_file_init(struct vmsync_file *file);
int vmsync_freeze(struct vmsync_file *file, struct vmsync_request *req);
unsigned int vmsync_thaw_file(struct vmsync_file *file);
void vmsync_autothaw_fn(struct work_struct *work);
void vmsync_fill_list_entry(const struct vmsync_fs *fs, struct vmsync_frozen_fs *e);

/* report.c */
void vmsync_report_autothaw(const char *comm, pid_t pid, u32 timeout_ms,
			    unsigned int nr_fs, const char *names);
int vmsync_report_init(void);
void vmsync_report_exit(void);
void vmsync_debugfs_init(void);
void vmsync_debugfs_exit(void);

#endif /* VMSYNC_H */
