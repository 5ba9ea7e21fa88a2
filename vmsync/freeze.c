// SPDX-License-Identifier: GPL-2.0
/*
 * Freezing and thawing for vmsync: targets are resolved to superblocks,
 * each superblock is frozen once in the caller's order with rollback on
 * failure, and thawed in reverse on THAW, on the last close and when the
 * auto-thaw timeout fires.
 *
 * Locking: vmsync_lock guards the lists and is never held across a freeze,
 * a thaw or a user copy, so a thaw never waits for a freeze that waits for
 * writeback that waits for that thaw (a loop device whose backing file is
 * on a frozen filesystem). The auto-thaw work takes only vmsync_lock, so it
 * can end a freeze whose FREEZE call is itself stuck in freeze_super().
 */
#include "vmsync.h"

#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <pvtools_compat.h>

static unsigned int autothaw_ms = VMSYNC_AUTOTHAW_DEFAULT_MS;
module_param(autothaw_ms, uint, 0644);
MODULE_PARM_DESC(autothaw_ms,
		 "Thaw a freeze after this many ms (default 30000 as the classic driver; 100..900000)");

static bool presync;
module_param(presync, bool, 0644);
MODULE_PARM_DESC(presync,
		 "Sync all filesystems of a FREEZE side by side before freezing the first (default off)");

static bool expedite_rcu = true;
module_param(expedite_rcu, bool, 0644);
MODULE_PARM_DESC(expedite_rcu,
		 "Expedite RCU grace periods while a FREEZE freezes (default on)");

/* The registry and every file's fs list and freeze state; see "Locking" above. */
DEFINE_MUTEX(vmsync_lock);
LIST_HEAD(vmsync_registry);
atomic_t vmsync_frozen_count = ATOMIC_INIT(0);
atomic64_t vmsync_stats[VMSYNC_STAT_NUM];

/* One target of a FREEZE call while it is resolved, claimed and frozen. */
struct vmsync_target {
	struct path path;
	struct vmsync_fs *fs;		/* first target naming its superblock only */
	struct vmsync_fs *claimed;	/* the same once on the file's list */
	struct work_struct presync;
	int presync_err;
};

/**
 * vmsync_autothaw_ms() - the module's auto-thaw timeout, clamped.
 *
 * Return: milliseconds, within the limits of the ABI.
 */
u32 vmsync_autothaw_ms(void)
{
	return clamp_t(u32, READ_ONCE(autothaw_ms), VMSYNC_AUTOTHAW_MIN_MS,
		       VMSYNC_AUTOTHAW_MAX_MS);
}

/**
 * vmsync_file_init() - initialise the freeze state of a file being opened.
 * @file: zeroed state; records the opening process.
 */
void vmsync_file_init(struct vmsync_file *file)
{
	mutex_init(&file->op_lock);
	INIT_LIST_HEAD(&file->fs_list);
	INIT_DELAYED_WORK(&file->autothaw, vmsync_autothaw_fn);
	file->pid = task_tgid_nr(current);
	get_task_comm(file->comm, current);
}

/* What FIFREEZE requires: the filesystem implements freezing. */
static bool sb_can_freeze(const struct super_block *sb)
{
	return sb->s_op->freeze_fs || sb->s_op->freeze_super;
}

static bool sb_frozen(const struct super_block *sb)
{
	return READ_ONCE(sb->s_writers.frozen) != SB_UNFROZEN;
}

static void free_fs(struct vmsync_fs *fs)
{
	path_put(&fs->path);
	kfree(fs->name);
	kfree(fs);
}

static struct vmsync_fs *new_fs(const struct path *path, u64 mnt_id)
{
	struct vmsync_fs *fs = kzalloc(sizeof(*fs), GFP_KERNEL);
	char *buf, *name;

	if (!fs)
		return NULL;
	buf = __getname();
	if (!buf) {
		kfree(fs);
		return NULL;
	}
	name = d_path(path, buf, PATH_MAX);
	fs->name = kstrdup(IS_ERR(name) ? "?" : name, GFP_KERNEL);
	__putname(buf);
	if (!fs->name) {
		kfree(fs);
		return NULL;
	}
	INIT_LIST_HEAD(&fs->file_node);
	INIT_LIST_HEAD(&fs->registry_node);
	fs->path = *path;
	path_get(&fs->path);
	fs->sb = path->dentry->d_sb;
	fs->mnt_id = mnt_id;
	return fs;
}

/* ---- FREEZE ---- */

static void set_result(struct vmsync_request *req, unsigned int i, u32 status, int err)
{
	req->results[i].status = status;
	req->results[i].error = -err;
}

static void describe_target(struct vmsync_request *req, unsigned int i,
			    const struct path *path, u64 mnt_id)
{
	struct vmsync_fs_result *r = &req->results[i];
	struct super_block *sb = path->dentry->d_sb;

	r->mnt_id = mnt_id;
	r->dev_major = MAJOR(sb->s_dev);
	r->dev_minor = MINOR(sb->s_dev);
	strscpy(r->fstype, sb->s_type->name, sizeof(r->fstype));
}

static void put_targets(struct vmsync_target *t, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		if (t[i].fs)
			free_fs(t[i].fs);
		if (t[i].path.mnt)
			path_put(&t[i].path);
	}
}

static void fail_at(struct vmsync_request *req, unsigned int i, int err)
{
	unsigned int j;

	set_result(req, i, VMSYNC_FS_FAILED, err);
	for (j = i + 1; j < req->count; j++)
		set_result(req, j, VMSYNC_FS_NOT_TRIED, 0);
	req->failed_index = i;
}

static const char *target_name(const struct vmsync_request *req, unsigned int i,
			       char *buf, size_t len)
{
	if (!req->by_mnt_id)
		return req->paths[i];
	snprintf(buf, len, "mount %llu", req->mnt_ids[i]);
	return buf;
}

/* Phase 1, no locks: every target names a superblock, or the call fails. */
static int resolve_targets(struct vmsync_request *req, struct vmsync_target *t)
{
	struct vmsync_mount_table mt = { };
	unsigned int i, j;
	struct super_block *sb;
	u64 mnt_id;
	int err;

	/*
	 * The classic FREEZE does without mount ids: reading mountinfo is a
	 * cost on the agent's path. Without the table, paths still freeze.
	 */
	err = req->by_mnt_id || req->want_mnt_ids ? vmsync_mount_table_load(&mt) : 0;
	if (err && req->by_mnt_id) {
		fail_at(req, 0, err);
		return err;
	}
	err = 0;
	for (i = 0; i < req->count; i++) {
		if (req->by_mnt_id)
			err = vmsync_resolve_mnt_id(&mt, req->mnt_ids[i], &t[i].path);
		else
			err = kern_path(req->paths[i], LOOKUP_FOLLOW, &t[i].path);
		if (err) {
			memset(&t[i].path, 0, sizeof(t[i].path));
			break;
		}
		sb = t[i].path.dentry->d_sb;
		mnt_id = vmsync_mount_id_of(&mt, &t[i].path);
		describe_target(req, i, &t[i].path, mnt_id);
		if (!sb_can_freeze(sb)) {
			set_result(req, i, VMSYNC_FS_SKIPPED, -EOPNOTSUPP);
			req->skipped++;
			continue;
		}
		for (j = 0; j < i; j++)
			if (t[j].fs && t[j].fs->sb == sb)
				break;
		if (j < i) {
			set_result(req, i, VMSYNC_FS_DUPLICATE, 0);
			continue;
		}
		t[i].fs = new_fs(&t[i].path, mnt_id);
		if (!t[i].fs) {
			err = -ENOMEM;
			break;
		}
	}
	vmsync_mount_table_free(&mt);
	if (err)
		fail_at(req, i, err);
	return err;
}

/* Who else holds @sb: NULL, @file itself (HELD), or another file. */
static struct vmsync_fs *registry_find(struct super_block *sb)
{
	struct vmsync_fs *fs;

	list_for_each_entry(fs, &vmsync_registry, registry_node)
		if (fs->sb == sb)
			return fs;
	return NULL;
}

static void arm_autothaw(struct vmsync_file *file, u32 timeout_ms)
{
	file->expired = false;
	file->autothawed = false;
	file->timeout_ms = timeout_ms;
	file->deadline = ktime_add_ms(ktime_get_boottime(), timeout_ms);
	file->timer_armed = true;
	queue_delayed_work(system_unbound_wq, &file->autothaw, msecs_to_jiffies(timeout_ms));
}

/*
 * Phase 2, under vmsync_lock: nobody else holds or froze any of them; then
 * all are claimed at once. Returns how many were claimed (t[i].claimed).
 */
static int claim_targets(struct vmsync_file *file, struct vmsync_request *req,
			 struct vmsync_target *t, unsigned int *nr_claimed)
{
	struct vmsync_fs *other;
	unsigned int i, n = 0;
	u32 timeout;

	lockdep_assert_held(&vmsync_lock);
	for (i = 0; i < req->count; i++) {
		if (!t[i].fs)
			continue;
		other = registry_find(t[i].fs->sb);
		/*
		 * One this file still holds. An entry the auto-thaw took off the
		 * list is being thawed: busy, as anyone else's (claiming beside
		 * it would re-arm the auto-thaw and hide it from THAW).
		 */
		if (other && other->owner == file && other->frozen && !other->thawing) {
			set_result(req, i, VMSYNC_FS_HELD, 0);
			free_fs(t[i].fs);
			t[i].fs = NULL;
			continue;
		}
		if (other || sb_frozen(t[i].fs->sb)) {
			fail_at(req, i, -EBUSY);
			vmsync_stat_add(VMSYNC_STAT_BUSY, 1);
			return -EBUSY;
		}
		n++;
	}
	if (file->nr_fs + n > VMSYNC_MAX_TARGETS) {
		fail_at(req, 0, -E2BIG);
		return -E2BIG;
	}
	if (!n)
		return 0;

	file->pid = task_tgid_nr(current);
	get_task_comm(file->comm, current);
	if (!file->nr_fs && !file->timer_armed) {
		timeout = req->timeout_ms ? req->timeout_ms : vmsync_autothaw_ms();
		arm_autothaw(file, clamp_t(u32, timeout, VMSYNC_AUTOTHAW_MIN_MS,
					   VMSYNC_AUTOTHAW_MAX_MS));
	}
	file->call_seq++;
	for (i = 0; i < req->count; i++) {
		if (!t[i].fs)
			continue;
		t[i].fs->owner = file;
		t[i].fs->call = file->call_seq;
		list_add_tail(&t[i].fs->file_node, &file->fs_list);
		list_add_tail(&t[i].fs->registry_node, &vmsync_registry);
		file->nr_fs++;
		t[i].claimed = t[i].fs;
		t[i].fs = NULL;
		(*nr_claimed)++;
	}
	return 0;
}

static void stop_autothaw_if_idle(struct vmsync_file *file)
{
	lockdep_assert_held(&vmsync_lock);
	if (file->nr_fs || !file->timer_armed)
		return;
	file->timer_armed = false;
	cancel_delayed_work(&file->autothaw);
}

/* Thaws entries already taken off their file's list, in list order, and frees them. */
static unsigned int thaw_list(struct list_head *list)
{
	struct vmsync_fs *fs, *tmp;
	unsigned int n = 0;
	int err;

	list_for_each_entry_safe(fs, tmp, list, file_node) {
		if (fs->frozen) {
			err = pvtools_thaw_sb(fs->sb);
			if (err) {
				pr_warn_ratelimited("%s was thawed by someone else meanwhile (%d)\n",
						    fs->name, err);
				vmsync_stat_add(VMSYNC_STAT_THAWED_ELSEWHERE, 1);
			}
			atomic_dec(&vmsync_frozen_count);
			vmsync_stat_add(VMSYNC_STAT_THAWED, 1);
			n++;
		}
		mutex_lock(&vmsync_lock);
		list_del(&fs->registry_node);
		mutex_unlock(&vmsync_lock);
		list_del(&fs->file_node);
		free_fs(fs);
	}
	return n;
}

/*
 * A failed freeze: the entries this call claimed that are still on the
 * file's list leave it, the frozen ones are thawed in reverse order. The
 * auto-thaw may already have taken (and freed) some: only the list, never
 * the targets' claimed pointers, is trusted here.
 */
static unsigned int roll_back(struct vmsync_file *file, u64 call)
{
	struct vmsync_fs *fs, *tmp;
	LIST_HEAD(undo);

	mutex_lock(&vmsync_lock);
	list_for_each_entry_safe_reverse(fs, tmp, &file->fs_list, file_node) {
		if (fs->call != call)
			continue;
		list_move_tail(&fs->file_node, &undo);
		file->nr_fs--;
	}
	stop_autothaw_if_idle(file);
	mutex_unlock(&vmsync_lock);
	return thaw_list(&undo);
}

/* syncfs(2) of one target: s_umount keeps it from going read-only meanwhile. */
static int presync_sb(struct super_block *sb)
{
	int err;

	down_read(&sb->s_umount);
	err = sync_filesystem(sb);
	up_read(&sb->s_umount);
	return err;
}

static void presync_fn(struct work_struct *work)
{
	struct vmsync_target *t = container_of(work, struct vmsync_target, presync);

	t->presync_err = presync_sb(t->claimed->sb);
}

/*
 * Phase 3a, no locks held, only with presync=1: with several filesystems
 * to freeze, each is synced beside the others before the first freeze, so
 * their writeback can overlap instead of running one after the other inside
 * freeze_super(), which syncs again with writers already blocked. Nothing
 * is frozen yet, so the caller's order (which stacked filesystems need) is
 * not at stake. Off by default: with little dirty data the second sync
 * costs what the first saved (docs/results.md). The caller syncs the first
 * one itself.
 */
static void presync_claimed(struct vmsync_file *file, struct vmsync_target *t,
			    unsigned int count, unsigned int nr_claimed)
{
	unsigned int i, first = count, queued = 0;

	if (nr_claimed < 2 || !READ_ONCE(presync) || READ_ONCE(file->expired))
		return;
	for (i = 0; i < count; i++) {
		if (!t[i].claimed)
			continue;
		if (first == count) {
			first = i;
			continue;
		}
		INIT_WORK(&t[i].presync, presync_fn);
		queue_work(system_unbound_wq, &t[i].presync);
		queued++;
	}
	t[first].presync_err = presync_sb(t[first].claimed->sb);
	for (i = first + 1; i < count; i++)
		if (t[i].claimed)
			flush_work(&t[i].presync);
	vmsync_stat_add(VMSYNC_STAT_PRESYNCED, queued + 1);
}

/*
 * freeze_super() waits for an RCU grace period at each of its three
 * levels (percpu_down_write() of s_writers): most of its time when there
 * is little to sync, and the last two with writes already refused.
 * Expedited grace periods end those waits early at the cost of IPIs to
 * busy CPUs, as the kernel does around suspend. The auto-thaw ends it too,
 * so a FREEZE stuck in freeze_super() does not keep the whole system
 * expedited.
 */
static void expedite_begin(struct vmsync_file *file)
{
	mutex_lock(&vmsync_lock);
	file->expedited = true;
	rcu_expedite_gp();
	mutex_unlock(&vmsync_lock);
}

static void expedite_end_locked(struct vmsync_file *file)
{
	lockdep_assert_held(&vmsync_lock);
	if (!file->expedited)
		return;
	file->expedited = false;
	rcu_unexpedite_gp();
}

static void expedite_end(struct vmsync_file *file)
{
	mutex_lock(&vmsync_lock);
	expedite_end_locked(file);
	mutex_unlock(&vmsync_lock);
}

/* Phase 3b, no locks held across freeze_super(): freeze the claims in order. */
static int freeze_claimed(struct vmsync_file *file, struct vmsync_request *req,
			  struct vmsync_target *t)
{
	char buf[32], s_id[sizeof(t->claimed->sb->s_id)];
	unsigned int i, j, undone;
	struct vmsync_fs *fs = NULL;
	int err = 0;

	if (READ_ONCE(expedite_rcu))
		expedite_begin(file);
	for (i = 0; i < req->count; i++) {
		fs = t[i].claimed;
		if (!fs)
			continue;
		/* What freeze_super() would have met had the pre-sync not taken it. */
		if (READ_ONCE(file->expired))
			err = -ETIMEDOUT;
		else if (t[i].presync_err)
			err = t[i].presync_err;
		else
			err = pvtools_freeze_sb(fs->sb);
		mutex_lock(&vmsync_lock);
		if (!err) {
			fs->frozen = true;
			fs->frozen_at = ktime_get_boottime();
			atomic_inc(&vmsync_frozen_count);
			vmsync_stat_add(VMSYNC_STAT_FROZEN, 1);
			/* The auto-thaw fired while freeze_super() ran: undo this one too. */
			if (file->expired)
				err = -ETIMEDOUT;
		}
		mutex_unlock(&vmsync_lock);
		if (err)
			break;
		set_result(req, i, VMSYNC_FS_FROZEN, 0);
		req->frozen++;
	}
	expedite_end(file);
	if (!err)
		return 0;

	/* t[i].claimed is still ours: the auto-thaw never takes an unfrozen entry. */
	fail_at(req, i, err);
	strscpy(s_id, fs->sb->s_id, sizeof(s_id));
	for (j = 0; j < i; j++)
		if (t[j].claimed)
			set_result(req, j, VMSYNC_FS_ROLLED_BACK, 0);
	undone = roll_back(file, fs->call);
	req->frozen = 0;
	vmsync_stat_add(VMSYNC_STAT_FAILED, 1);
	vmsync_stat_add(VMSYNC_STAT_ROLLBACKS, 1);
	pr_warn_ratelimited("freezing %s (%s) failed with %d; thawed %u filesystems frozen before it\n",
			    target_name(req, i, buf, sizeof(buf)), s_id, err, undone);
	return err;
}

/**
 * vmsync_freeze() - freeze the targets of one FREEZE call, in their order.
 * @file: the open file that freezes; one FREEZE or THAW of it at a time.
 * @req: the targets; results, counts and the failed index are filled in.
 *
 * Targets are resolved to superblocks, claimed under vmsync_lock, then
 * frozen one by one without it; a failure thaws what this call froze.
 *
 * Return: 0, or the error that stopped the call (all of it rolled back).
 */
int vmsync_freeze(struct vmsync_file *file, struct vmsync_request *req)
{
	unsigned int nr_claimed = 0;
	struct vmsync_target *t;
	char buf[32];
	int err;

	req->frozen = 0;
	req->skipped = 0;
	req->failed_index = VMSYNC_NO_INDEX;
	vmsync_stat_add(VMSYNC_STAT_FREEZE_CALLS, 1);
	if (!req->count)
		return 0;
	t = kvcalloc(req->count, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;

	mutex_lock(&file->op_lock);
	err = resolve_targets(req, t);
	if (!err) {
		mutex_lock(&vmsync_lock);
		err = claim_targets(file, req, t, &nr_claimed);
		mutex_unlock(&vmsync_lock);
	}
	if (err && req->failed_index != VMSYNC_NO_INDEX)
		pr_warn_ratelimited("freeze refused: %s: error %d; nothing frozen\n",
				    target_name(req, req->failed_index, buf, sizeof(buf)),
				    err);
	if (!err && nr_claimed) {
		presync_claimed(file, t, req->count, nr_claimed);
		err = freeze_claimed(file, req, t);
	}
	mutex_unlock(&file->op_lock);
	vmsync_stat_add(VMSYNC_STAT_SKIPPED, req->skipped);
	put_targets(t, req->count);
	kvfree(t);
	return err;
}

/* ---- THAW, close and auto-thaw ---- */

/* Takes the frozen entries of @file off its list, last frozen first. */
static unsigned int detach_frozen(struct vmsync_file *file, struct list_head *out)
{
	struct vmsync_fs *fs, *tmp;
	unsigned int n = 0;

	lockdep_assert_held(&vmsync_lock);
	list_for_each_entry_safe_reverse(fs, tmp, &file->fs_list, file_node) {
		if (!fs->frozen)
			continue;
		list_move_tail(&fs->file_node, out);
		fs->thawing = true;
		file->nr_fs--;
		n++;
	}
	stop_autothaw_if_idle(file);
	return n;
}

/**
 * vmsync_thaw_file() - thaw everything @file froze, in reverse order.
 * @file: the open file.
 *
 * Return: filesystems thawed.
 */
unsigned int vmsync_thaw_file(struct vmsync_file *file)
{
	LIST_HEAD(list);

	mutex_lock(&vmsync_lock);
	detach_frozen(file, &list);
	mutex_unlock(&vmsync_lock);
	return thaw_list(&list);
}

/* "name,name,..." of the entries on @list, truncated to fit a report. */
static char *join_names(struct list_head *list)
{
	const size_t max = 1024;
	struct vmsync_fs *fs;
	char *names = kzalloc(max, GFP_KERNEL);
	size_t len = 0;

	if (!names)
		return NULL;
	list_for_each_entry(fs, list, file_node)
		len += scnprintf(names + len, max - len, "%s%s", len ? "," : "", fs->name);
	return names;
}

/**
 * vmsync_autothaw_fn() - the auto-thaw: thaw a freeze whose timeout expired.
 * @work: &vmsync_file.autothaw.
 *
 * Takes only vmsync_lock, so it can end a freeze whose FREEZE call is stuck
 * in freeze_super(); logs it and reports it to the host.
 */
void vmsync_autothaw_fn(struct work_struct *work)
{
	struct vmsync_file *file = container_of(to_delayed_work(work), struct vmsync_file,
						autothaw);
	LIST_HEAD(list);
	unsigned int pending, n;
	char comm[TASK_COMM_LEN];
	char *names;
	pid_t pid;
	u32 timeout;

	mutex_lock(&vmsync_lock);
	file->timer_armed = false;
	if (!file->nr_fs) {
		mutex_unlock(&vmsync_lock);
		return;
	}
	file->expired = true;
	file->autothawed = true;
	expedite_end_locked(file);
	timeout = file->timeout_ms;
	pid = file->pid;
	memcpy(comm, file->comm, sizeof(comm));
	detach_frozen(file, &list);
	pending = file->nr_fs;
	mutex_unlock(&vmsync_lock);

	names = join_names(&list);
	n = thaw_list(&list);
	vmsync_stat_add(VMSYNC_STAT_AUTOTHAWS, 1);
	pr_warn("AUTO-THAW after %u ms: thawed %u filesystem(s) frozen by %s[%d]%s: %s; a snapshot taken after this point is NOT quiesced\n",
		timeout, n, comm, pid, pending ? " (a freeze was still in progress)" : "",
		names ? names : "?");
	vmsync_report_autothaw(comm, pid, timeout, n, names ? names : "?");
	kfree(names);
}

/**
 * vmsync_fill_list_entry() - describe one frozen filesystem for LIST.
 * @fs: the filesystem.
 * @e: the ABI entry to fill.
 *
 * Context: vmsync_lock held.
 */
void vmsync_fill_list_entry(const struct vmsync_fs *fs, struct vmsync_frozen_fs *e)
{
	const struct vmsync_file *owner = fs->owner;

	lockdep_assert_held(&vmsync_lock);
	memset(e, 0, sizeof(*e));
	e->mnt_id = fs->mnt_id;
	e->dev_major = MAJOR(fs->sb->s_dev);
	e->dev_minor = MINOR(fs->sb->s_dev);
	e->owner_pid = owner->pid;
	e->frozen_ns = ktime_to_ns(fs->frozen_at);
	e->deadline_ns = owner->timer_armed ? ktime_to_ns(owner->deadline) : 0;
	strscpy(e->owner_comm, owner->comm, sizeof(e->owner_comm));
	strscpy(e->fstype, fs->sb->s_type->name, sizeof(e->fstype));
	strscpy(e->path, fs->name, sizeof(e->path));
}
