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

/**
 * struct vmsync_fs - one filesystem frozen (or being frozen) through one file.
 * @file_node: on its owner's &vmsync_file.fs_list, in freeze order.
 * @registry_node: on vmsync_registry, with every vmsync_fs of the driver.
 * @owner: the file that froze it.
 * @path: pins the mount, hence the superblock.
 * @sb: the superblock.
 * @mnt_id: the mount id, when the caller asked for it; else 0.
 * @name: the mount point, for logs and LIST.
 * @frozen: false while its freeze is in progress.
 * @thawing: off its owner's list, on a thaw's own.
 * @call: the FREEZE call that claimed it (the owner's call_seq).
 * @frozen_at: CLOCK_BOOTTIME when it was frozen.
 *
 * Every field but @path, @sb and @name changes only under vmsync_lock.
 */
struct vmsync_fs {
	struct list_head file_node;
	struct list_head registry_node;
	struct vmsync_file *owner;
	struct path path;
	struct super_block *sb;
	u64 mnt_id;
	char *name;
	bool frozen;
	bool thawing;
	u64 call;
	ktime_t frozen_at;
};

/**
 * struct vmsync_file - one open file of /proc/driver/vmware-sync or /dev/vmsync.
 * @op_lock: one FREEZE or THAW of this file at a time; held across
 *	freeze_super().
 * @fs_list: what this file froze, in freeze order.
 * @nr_fs: entries on @fs_list.
 * @timer_armed: @autothaw is queued.
 * @expired: the auto-thaw ended the current freeze.
 * @autothawed: ... and THAW has not reported it yet.
 * @expedited: its FREEZE holds an rcu_expedite_gp().
 * @timeout_ms: the auto-thaw timeout of the current freeze.
 * @call_seq: numbers FREEZE calls: a rollback finds its own entries.
 * @deadline: CLOCK_BOOTTIME at which the auto-thaw fires.
 * @autothaw: the auto-thaw work.
 * @pid: who opened the file.
 * @comm: its name.
 *
 * Lock order: @op_lock, then vmsync_lock. Every field from @fs_list to
 * @deadline is under vmsync_lock. vmsync_lock is never held across a
 * freeze, a thaw or a user copy (freeze.c), and the auto-thaw takes only
 * vmsync_lock, never @op_lock.
 */
struct vmsync_file {
	struct mutex op_lock;		/* one FREEZE or THAW at a time */
	struct list_head fs_list;
	unsigned int nr_fs;
	bool timer_armed;
	bool expired;
	bool autothawed;
	bool expedited;
	u32 timeout_ms;
	u64 call_seq;
	ktime_t deadline;
	struct delayed_work autothaw;
	pid_t pid;
	char comm[TASK_COMM_LEN];
};

/**
 * struct vmsync_request - one FREEZE call: where its targets come from.
 * @by_mnt_id: the targets are mount ids, not paths.
 * @want_mnt_ids: fill results[].mnt_id (costs a mountinfo read).
 * @count: how many targets.
 * @paths: @count paths, or
 * @mnt_ids: @count mount ids.
 * @timeout_ms: the auto-thaw timeout; 0: the module default.
 * @results: @count slots, filled in.
 * @frozen: filesystems frozen (0 after a rollback).
 * @skipped: targets skipped (their result is VMSYNC_FS_SKIPPED).
 * @failed_index: the target that failed, or VMSYNC_NO_INDEX.
 *
 * Private to the ioctl that built it.
 */
struct vmsync_request {
	bool by_mnt_id;
	bool want_mnt_ids;
	unsigned int count;
	const char **paths;
	const u64 *mnt_ids;
	u32 timeout_ms;
	struct vmsync_fs_result *results;
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

/**
 * struct vmsync_mount_entry - one line of /proc/self/mountinfo.
 * @id: the mount id.
 * @dev: the device of its superblock.
 * @mount_point: unescaped, inside &vmsync_mount_table.buf.
 */
struct vmsync_mount_entry {
	u64 id;
	dev_t dev;
	const char *mount_point;
};

/**
 * struct vmsync_mount_table - the caller's mounts as it sees them.
 * @buf: the mountinfo text, split in place.
 * @e: the parsed lines.
 * @n: how many.
 *
 * The kernel keeps mount ids private to fs/, so ids are mapped to and
 * from mount points through this table (mountinfo.c). Private to the
 * FREEZE call that loaded it: no locking.
 */
struct vmsync_mount_table {
	char *buf;
	struct vmsync_mount_entry *e;
	unsigned int n;
};

/* mountinfo.c */
int vmsync_mount_table_load(struct vmsync_mount_table *mt);
void vmsync_mount_table_free(struct vmsync_mount_table *mt);
u64 vmsync_mount_id_of(const struct vmsync_mount_table *mt, const struct path *path);
int vmsync_resolve_mnt_id(const struct vmsync_mount_table *mt, u64 mnt_id, struct path *path);

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
