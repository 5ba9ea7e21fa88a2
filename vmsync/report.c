// SPDX-License-Identifier: GPL-2.0
/*
 * What vmsync tells others: an auto-thaw is reported to the VMware host
 * over pvcore's RPC channel (when pvcore is loaded) so a backup learns it
 * was not quiesced, and debugfs shows admins what is frozen and the counts.
 */
#include "vmsync.h"

#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include <pvtools/backdoor_abi.h>
#include <pvtools/pvcore.h>

const char *const vmsync_stat_names[VMSYNC_STAT_NUM] = {
	[VMSYNC_STAT_FREEZE_CALLS]	= "freeze_calls",
	[VMSYNC_STAT_FROZEN]		= "frozen",
	[VMSYNC_STAT_THAWED]		= "thawed",
	[VMSYNC_STAT_SKIPPED]		= "skipped",
	[VMSYNC_STAT_BUSY]		= "busy",
	[VMSYNC_STAT_FAILED]		= "failed",
	[VMSYNC_STAT_ROLLBACKS]		= "rollbacks",
	[VMSYNC_STAT_AUTOTHAWS]		= "autothaws",
	[VMSYNC_STAT_CLOSE_THAWS]	= "close_thaws",
	[VMSYNC_STAT_THAWED_ELSEWHERE]	= "thawed_elsewhere",
	[VMSYNC_STAT_PRESYNCED]		= "presynced",
};

static struct dentry *vmsync_debugfs;

/*
 * pvcore is optional: vmsync also quiesces on hosts without a backdoor, so
 * it takes pvcore's RPC call only when that module is there.
 */
static int rpc_send(const char *msg)
{
	typeof(pvcore_rpci_call) *call = __symbol_get("pvcore_rpci_call");
	size_t reply_len;
	void *reply = NULL;
	int err;

	if (!call)
		return -ENOENT;
	err = call(msg, strlen(msg), &reply, &reply_len);
	if (!err && strncmp(reply, RPCI_REPLY_SUCCESS, strlen(RPCI_REPLY_SUCCESS)))
		err = -EREMOTEIO;
	kvfree(reply);
	__symbol_put("pvcore_rpci_call");
	return err;
}

/*
 * An RPC message to the host: the INFO_SET and LOG commands with their
 * fields, the filesystem names shortened to fit (snprintf() truncates).
 */
#define VMSYNC_RPC_MSG_MAX	2048

/* One auto-thaw on its way to the host. */
struct vmsync_report {
	struct work_struct work;
	u64 count;
	s64 uptime_s;
	pid_t pid;
	u32 timeout_ms;
	unsigned int nr_fs;
	char comm[TASK_COMM_LEN];
	char *names;
};

/*
 * Reports leave from here, one at a time, so that the auto-thaw (which
 * THAW and close wait for) never waits for a slow or silent host: an RPC
 * may take up to pvcore's rpc_timeout_ms.
 */
static struct workqueue_struct *vmsync_report_wq;

static void report_fn(struct work_struct *work)
{
	struct vmsync_report *r = container_of(work, struct vmsync_report, work);
	char *msg = kmalloc(VMSYNC_RPC_MSG_MAX, GFP_KERNEL);
	int err;

	if (!msg)
		goto out;
	/* A value a host-side backup can poll: the count grows with each auto-thaw. */
	snprintf(msg, VMSYNC_RPC_MSG_MAX, "%s %s count=%llu uptime_s=%lld pid=%d comm=%s timeout_ms=%u nr_fs=%u fs=%s",
		 RPCI_CMD_INFO_SET, VMSYNC_GUESTINFO_AUTOTHAW, r->count, r->uptime_s, r->pid,
		 r->comm, r->timeout_ms, r->nr_fs, r->names);
	err = rpc_send(msg);
	if (!err) {
		snprintf(msg, VMSYNC_RPC_MSG_MAX, "%s vmsync: AUTO-THAW after %u ms of %u filesystem(s) frozen by %s[%d] (%s): not quiesced",
			 RPCI_CMD_LOG, r->timeout_ms, r->nr_fs, r->comm, r->pid, r->names);
		err = rpc_send(msg);
	}
	if (err == -ENOENT)
		pr_warn_ratelimited("auto-thaw not reported to the host: pvcore is not loaded\n");
	else if (err)
		pr_warn_ratelimited("auto-thaw not reported to the host: RPC error %d\n", err);
	kfree(msg);
out:
	kfree(r->names);
	kfree(r);
}

/**
 * vmsync_report_autothaw() - tell the host that an auto-thaw ended a freeze.
 * @comm: the name of the process that froze.
 * @pid: its process id.
 * @timeout_ms: the timeout that expired.
 * @nr_fs: how many filesystems it thawed.
 * @names: their mount points, comma-separated.
 *
 * Queued, never waits for the host: the report leaves from a workqueue of
 * its own, through pvcore's RPC channel when pvcore is loaded.
 */
void vmsync_report_autothaw(const char *comm, pid_t pid, u32 timeout_ms,
			    unsigned int nr_fs, const char *names)
{
	struct vmsync_report *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return;
	r->names = kstrdup(names, GFP_KERNEL);
	if (!r->names) {
		kfree(r);
		return;
	}
	INIT_WORK(&r->work, report_fn);
	r->count = atomic64_read(&vmsync_stats[VMSYNC_STAT_AUTOTHAWS]);
	r->uptime_s = ktime_get_boottime_seconds();
	r->pid = pid;
	r->timeout_ms = timeout_ms;
	r->nr_fs = nr_fs;
	strscpy(r->comm, comm, sizeof(r->comm));
	queue_work(vmsync_report_wq, &r->work);
}

/**
 * vmsync_report_init() - create the workqueue reports leave from.
 *
 * Return: 0 or -ENOMEM.
 */
int vmsync_report_init(void)
{
	vmsync_report_wq = alloc_ordered_workqueue("vmsync_report", 0);
	return vmsync_report_wq ? 0 : -ENOMEM;
}

/**
 * vmsync_report_exit() - send the queued reports and destroy the workqueue.
 */
void vmsync_report_exit(void)
{
	destroy_workqueue(vmsync_report_wq);
}

static int frozen_show(struct seq_file *f, void *unused)
{
	struct vmsync_frozen_fs e;
	struct vmsync_fs *fs;
	s64 now = ktime_to_ns(ktime_get_boottime());

	seq_puts(f, "# mnt_id dev fstype owner frozen_for_ms autothaw_in_ms path\n");
	mutex_lock(&vmsync_lock);
	list_for_each_entry(fs, &vmsync_registry, registry_node) {
		if (!fs->frozen)
			continue;
		vmsync_fill_list_entry(fs, &e);
		seq_printf(f, "%llu %u:%u %s %s[%d] %lld %lld %s\n", e.mnt_id, e.dev_major,
			   e.dev_minor, e.fstype, e.owner_comm, e.owner_pid,
			   (now - (s64)e.frozen_ns) / NSEC_PER_MSEC,
			   e.deadline_ns ? ((s64)e.deadline_ns - now) / NSEC_PER_MSEC : -1LL,
			   fs->name);
	}
	mutex_unlock(&vmsync_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(frozen);

static int stats_show(struct seq_file *f, void *unused)
{
	unsigned int i;

	seq_printf(f, "%-18s %d\n", "frozen_now", atomic_read(&vmsync_frozen_count));
	for (i = 0; i < VMSYNC_STAT_NUM; i++)
		seq_printf(f, "%-18s %lld\n", vmsync_stat_names[i],
			   (long long)atomic64_read(&vmsync_stats[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

/**
 * vmsync_debugfs_init() - create the debugfs directory (failures ignored).
 */
void vmsync_debugfs_init(void)
{
	vmsync_debugfs = debugfs_create_dir("vmsync", NULL);
	debugfs_create_file("frozen", 0400, vmsync_debugfs, NULL, &frozen_fops);
	debugfs_create_file("stats", 0400, vmsync_debugfs, NULL, &stats_fops);
}

/**
 * vmsync_debugfs_exit() - remove the debugfs directory.
 */
void vmsync_debugfs_exit(void)
{
	debugfs_remove_recursive(vmsync_debugfs);
}
