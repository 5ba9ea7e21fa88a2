// SPDX-License-Identifier: GPL-2.0
/*
 * vmsync: I/O quiesce for backup snapshots that never leaves a guest frozen.
 * Serves the classic VMware sync-driver ioctls on /proc/driver/vmware-sync
 * (what open-vm-tools' vmsync backend uses) and pvtools' extended ioctls on
 * the same node and on /dev/vmsync. Every freeze belongs to its open file.
 */
#include "vmsync.h"

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <pvtools_compat.h>

/* LIST answers at most this many entries per call. */
#define VMSYNC_LIST_MAX		4096u

static int vmsync_open(struct inode *inode, struct file *filp)
{
	struct vmsync_file *file = kzalloc(sizeof(*file), GFP_KERNEL);

	if (!file)
		return -ENOMEM;
	vmsync_file_init(file);
	filp->private_data = file;
	return nonseekable_open(inode, filp);
}

static int vmsync_release(struct inode *inode, struct file *filp)
{
	struct vmsync_file *file = filp->private_data;
	unsigned int n;

	cancel_delayed_work_sync(&file->autothaw);
	n = vmsync_thaw_file(file);
	if (n) {
		vmsync_stat_add(VMSYNC_STAT_CLOSE_THAWS, 1);
		pr_info_ratelimited("last close by %s[%d] with %u filesystem(s) frozen: thawed\n",
				    current->comm, task_tgid_nr(current), n);
	}
	kfree(file);
	return 0;
}

/* Splits a classic ':'-list in place; empty names are ignored. */
static unsigned int split_path_list(char *list, const char **paths, unsigned int max)
{
	unsigned int n = 0;
	char *name;

	while ((name = strsep(&list, ":"))) {
		if (!*name)
			continue;
		if (paths && n < max)
			paths[n] = name;
		n++;
	}
	return n;
}

static int ioctl_freeze(struct vmsync_file *file, const char __user *arg)
{
	struct vmsync_request req = { };
	char *list, *copy;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	list = strndup_user(arg, VMSYNC_PATH_LIST_MAX);
	if (IS_ERR(list))
		return PTR_ERR(list) == -EINVAL ? -ENAMETOOLONG : PTR_ERR(list);
	copy = kstrdup(list, GFP_KERNEL);
	if (!copy) {
		err = -ENOMEM;
		goto out;
	}
	req.count = split_path_list(copy, NULL, 0);
	kfree(copy);
	if (req.count > VMSYNC_MAX_TARGETS) {
		err = -E2BIG;
		goto out;
	}
	req.paths = kcalloc(max(req.count, 1u), sizeof(*req.paths), GFP_KERNEL);
	req.results = kvcalloc(max(req.count, 1u), sizeof(*req.results), GFP_KERNEL);
	if (!req.paths || !req.results) {
		err = -ENOMEM;
		goto out;
	}
	split_path_list(list, req.paths, req.count);
	err = vmsync_freeze(file, &req);
out:
	kvfree(req.results);
	kfree(req.paths);
	kfree(list);
	return err;
}

/* count NUL-terminated, non-empty paths filling exactly @len bytes. */
static int split_nul_list(char *buf, size_t len, const char **paths, unsigned int count)
{
	unsigned int n = 0;
	size_t off = 0, l;

	while (off < len) {
		l = strnlen(buf + off, len - off);
		if (!l || off + l == len || n == count)
			return -EINVAL;
		paths[n++] = buf + off;
		off += l + 1;
	}
	return n == count ? 0 : -EINVAL;
}

static int freeze_ex_targets(struct vmsync_freeze_ex *hdr, struct vmsync_request *req,
			     void **targets)
{
	void __user *uptr = u64_to_user_ptr(hdr->targets);

	req->count = hdr->count;
	req->timeout_ms = hdr->timeout_ms;
	req->by_mnt_id = hdr->flags & VMSYNC_FREEZE_MNT_IDS;
	req->want_mnt_ids = true;
	if (req->by_mnt_id) {
		if (hdr->targets_len != (u64)hdr->count * sizeof(u64))
			return -EINVAL;
		*targets = memdup_user(uptr, hdr->targets_len);
		if (IS_ERR(*targets))
			return PTR_ERR(*targets);
		req->mnt_ids = *targets;
		return 0;
	}
	if (!hdr->targets_len || hdr->targets_len > VMSYNC_PATH_LIST_MAX)
		return -EINVAL;
	*targets = memdup_user(uptr, hdr->targets_len);
	if (IS_ERR(*targets))
		return PTR_ERR(*targets);
	req->paths = kcalloc(hdr->count, sizeof(*req->paths), GFP_KERNEL);
	if (!req->paths)
		return -ENOMEM;
	return split_nul_list(*targets, hdr->targets_len, req->paths, hdr->count);
}

static int ioctl_freeze_ex(struct vmsync_file *file, struct vmsync_freeze_ex __user *arg)
{
	struct vmsync_fs_result __user *uresults;
	struct vmsync_request req = { };
	struct vmsync_freeze_ex hdr;
	void *targets = NULL;
	size_t results_size;
	u32 usize;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (get_user(usize, &arg->size))
		return -EFAULT;
	if (usize < sizeof(hdr))
		return -EINVAL;
	/* What is beyond our header must read as zeros: bound the read as openat2(2). */
	if (usize > PAGE_SIZE)
		return -E2BIG;
	err = copy_struct_from_user(&hdr, sizeof(hdr), arg, usize);
	if (err)
		return err;
	if (hdr.flags & ~VMSYNC_FREEZE_FLAGS || !hdr.count)
		return -EINVAL;
	if (hdr.count > VMSYNC_MAX_TARGETS)
		return -E2BIG;
	uresults = u64_to_user_ptr(hdr.results);
	results_size = hdr.count * sizeof(*req.results);
	/* Fault on the output before freezing anything, not after. */
	if (put_user(0, &arg->error) || (uresults && clear_user(uresults, results_size)))
		return -EFAULT;

	err = freeze_ex_targets(&hdr, &req, &targets);
	if (err)
		goto out;
	req.results = kvcalloc(hdr.count, sizeof(*req.results), GFP_KERNEL);
	if (!req.results) {
		err = -ENOMEM;
		goto out;
	}
	err = vmsync_freeze(file, &req);
	hdr.frozen = req.frozen;
	hdr.skipped = req.skipped;
	hdr.error = -err;
	hdr.failed_index = req.failed_index;
	if (copy_to_user(arg, &hdr, sizeof(hdr)) ||
	    (uresults && copy_to_user(uresults, req.results, results_size)))
		err = err ?: -EFAULT;
out:
	kvfree(req.results);
	kfree(req.paths);
	if (!IS_ERR_OR_NULL(targets))
		kfree(targets);
	return err;
}

static int ioctl_thaw(struct vmsync_file *file)
{
	bool timed_out;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	mutex_lock(&file->op_lock);
	cancel_delayed_work_sync(&file->autothaw);
	vmsync_thaw_file(file);
	mutex_lock(&vmsync_lock);
	timed_out = file->autothawed;
	file->autothawed = false;
	mutex_unlock(&vmsync_lock);
	mutex_unlock(&file->op_lock);
	/* The agent's thaw fails: its snapshot was not taken quiesced. */
	return timed_out ? -ETIMEDOUT : 0;
}

static int ioctl_status(struct vmsync_file *file, struct vmsync_status __user *arg)
{
	struct vmsync_status st = { .size = sizeof(st), .abi_version = VMSYNC_ABI_VERSION };
	s64 left;
	u32 usize;

	if (get_user(usize, &arg->size))
		return -EFAULT;
	if (usize < sizeof(st))
		return -EINVAL;
	mutex_lock(&vmsync_lock);
	st.frozen = file->nr_fs;
	st.frozen_total = atomic_read(&vmsync_frozen_count);
	st.autothawed = file->autothawed;
	st.remaining_ms = -1;
	if (file->timer_armed) {
		st.timeout_ms = file->timeout_ms;
		left = ktime_ms_delta(file->deadline, ktime_get_boottime());
		st.remaining_ms = max_t(s64, left, 0);
	}
	st.autothaw_count = atomic64_read(&vmsync_stats[VMSYNC_STAT_AUTOTHAWS]);
	mutex_unlock(&vmsync_lock);
	return copy_to_user(arg, &st, sizeof(st)) ? -EFAULT : 0;
}

static int ioctl_list(struct vmsync_list __user *arg)
{
	struct vmsync_frozen_fs *entries = NULL;
	struct vmsync_list hdr;
	struct vmsync_fs *fs;
	u32 cap, total = 0;
	int err = 0;

	/* Other processes' mount points, PIDs and commands, in any namespace. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&hdr, arg, sizeof(hdr)))
		return -EFAULT;
	if (hdr.size < sizeof(hdr))
		return -EINVAL;
	cap = min(hdr.count, VMSYNC_LIST_MAX);
	/* Bad output fails even when nothing is frozen. */
	if (cap && clear_user(u64_to_user_ptr(hdr.entries), cap * sizeof(*entries)))
		return -EFAULT;
	if (cap) {
		entries = kvcalloc(cap, sizeof(*entries), GFP_KERNEL);
		if (!entries)
			return -ENOMEM;
	}
	mutex_lock(&vmsync_lock);
	list_for_each_entry(fs, &vmsync_registry, registry_node) {
		if (!fs->frozen)
			continue;
		if (total < cap)
			vmsync_fill_list_entry(fs, &entries[total]);
		total++;
	}
	mutex_unlock(&vmsync_lock);
	if (cap && copy_to_user(u64_to_user_ptr(hdr.entries), entries,
				min(total, cap) * sizeof(*entries)))
		err = -EFAULT;
	hdr.count = total;
	if (!err && put_user(hdr.count, &arg->count))
		err = -EFAULT;
	kvfree(entries);
	return err;
}

static long vmsync_ioctl_common(struct file *filp, unsigned int cmd, void __user *argp)
{
	struct vmsync_file *file = filp->private_data;

	switch (cmd) {
	case VMSYNC_IOC_FREEZE:
		return ioctl_freeze(file, argp);
	case VMSYNC_IOC_THAW:
		return ioctl_thaw(file);
	case VMSYNC_IOC_QUERY:
		return put_user(atomic_read(&vmsync_frozen_count), (int __user *)argp);
	case VMSYNC_IOC_VERSION:
		return put_user(VMSYNC_ABI_VERSION, (__u32 __user *)argp);
	case VMSYNC_IOC_FREEZE_EX:
		return ioctl_freeze_ex(file, argp);
	case VMSYNC_IOC_STATUS:
		return ioctl_status(file, argp);
	case VMSYNC_IOC_LIST:
		return ioctl_list(argp);
	default:
		return -ENOTTY;
	}
}

static long vmsync_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	return vmsync_ioctl_common(filp, cmd, (void __user *)arg);
}

#ifdef CONFIG_COMPAT
/* A 32-bit agent's FREEZE number carries a 4-byte pointer size. */
static long vmsync_compat_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	if (cmd == VMSYNC_IOC_FREEZE32)
		cmd = VMSYNC_IOC_FREEZE;
	return vmsync_ioctl_common(filp, cmd, compat_ptr(arg));
}
#else
#define vmsync_compat_ioctl	NULL
#endif

static const struct proc_ops vmsync_proc_ops = {
	.proc_open		= vmsync_open,
	.proc_release		= vmsync_release,
	.proc_ioctl		= vmsync_ioctl,
	.proc_compat_ioctl	= vmsync_compat_ioctl,
};

static const struct file_operations vmsync_fops = {
	.owner		= THIS_MODULE,
	.open		= vmsync_open,
	.release	= vmsync_release,
	.unlocked_ioctl	= vmsync_ioctl,
	.compat_ioctl	= vmsync_compat_ioctl,
	.llseek		= pvtools_no_llseek,
};

static struct miscdevice vmsync_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= VMSYNC_DEV_NAME,
	.fops	= &vmsync_fops,
	.mode	= 0600,
};

static struct proc_dir_entry *vmsync_proc;

static int __init vmsync_init(void)
{
	int err;

	err = vmsync_report_init();
	if (err)
		return err;
	vmsync_debugfs_init();
	err = misc_register(&vmsync_miscdev);
	if (err)
		goto err_debugfs;
	/* Mode as the classic node: the agent opens it O_RDONLY. */
	vmsync_proc = proc_create(VMSYNC_PROC_NAME, 0444, NULL, &vmsync_proc_ops);
	if (!vmsync_proc) {
		err = -ENOMEM;
		goto err_misc;
	}
	pr_info("version %s: /proc/%s and /dev/%s, auto-thaw after %u ms\n",
		PVTOOLS_VERSION, VMSYNC_PROC_NAME, VMSYNC_DEV_NAME, vmsync_autothaw_ms());
	return 0;

err_misc:
	misc_deregister(&vmsync_miscdev);
err_debugfs:
	vmsync_debugfs_exit();
	vmsync_report_exit();
	return err;
}

static void __exit vmsync_exit(void)
{
	/* Closes (and so thaws) files still open on the proc node. */
	proc_remove(vmsync_proc);
	misc_deregister(&vmsync_miscdev);
	vmsync_debugfs_exit();
	/* No file is left to auto-thaw: wait for the reports still on their way. */
	vmsync_report_exit();
}

module_init(vmsync_init);
module_exit(vmsync_exit);

/* Loaded with the VMware platform (as pvcore), so the agent finds its node. */
MODULE_ALIAS("dmi:*:svnVMware*:*");
MODULE_DESCRIPTION("pvtools vmsync: I/O quiesce for backup snapshots, never left frozen");
MODULE_LICENSE("GPL");
MODULE_VERSION(PVTOOLS_VERSION);
