// SPDX-License-Identifier: GPL-2.0
/*
 * vmmemctl: VMware memory balloon driver. Lends guest memory to the host
 * on request over the balloon port (0x5670) and takes it back when the host
 * lowers its target or the guest runs short of memory.
 *
 * This file: the session (START and reset), the periodic worker, the
 * shrinker, page migration and module init/exit. The balloon commands are
 * in commands.c, inflating and deflating in inflate.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmstat.h>
#include <asm/hypervisor.h>

#include "vmmemctl.h"

/* Capabilities we ask for: no doorbell, as we have no VMCI driver. */
#define VMMEMCTL_CAPS	(VMBALLOON_CAP_BASIC | VMBALLOON_CAP_BATCHED | \
			 VMBALLOON_CAP_BATCHED_2M | VMBALLOON_CAP_64BIT_TARGET)
/* Inflation stays off this long after the shrinker deflated. */
#define VMMEMCTL_HOLDOFF	(5 * HZ)
/* The guest keeps 1/32 of its RAM, and at least 16 MiB, out of the balloon. */
#define VMMEMCTL_FLOOR_DIVISOR		32
#define VMMEMCTL_FLOOR_MIN_FRAMES	((u64)SZ_16M >> PAGE_SHIFT)
/* One worker run changes the balloon for at most this long, then requeues. */
#define VMMEMCTL_RUN_BUDGET	(HZ / 4)

static bool shrinker_enable = true;
module_param(shrinker_enable, bool, 0444);
MODULE_PARM_DESC(shrinker_enable, "Deflate under guest memory pressure (default on)");

static struct vmmemctl *vmmemctl_dev;

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
	vmmemctl_pop_all(b);

	spin_lock(&b->comm_lock);
	status = vmmemctl_cmd(b, VMBALLOON_CMD_START, b->requested, 0, &caps);
	spin_unlock(&b->comm_lock);
	if (status == VMBALLOON_SUCCESS_WITH_CAPS) {
		b->granted = caps & b->requested;
	} else if (status == VMBALLOON_SUCCESS) {
		b->granted = VMBALLOON_CAP_BASIC;
	} else if (status == VMBALLOON_UNCLAIMED) {
		/* Nothing answers the port: a VMware platform without a balloon. */
		if (vmmemctl_warn_first(b, VMMEMCTL_WARN_START_FAILED))
			pr_info("no balloon on port %#x; retrying every second\n", VMBALLOON_PORT);
		goto out;
	} else {
		if (vmmemctl_warn_first(b, VMMEMCTL_WARN_START_FAILED))
			pr_warn("host refused to start a session (status %#x); retrying every second\n",
				status);
		goto out;
	}
	if (!(b->granted & (VMBALLOON_CAP_BASIC | VMBALLOON_CAP_BATCHED))) {
		if (vmmemctl_warn_first(b, VMMEMCTL_WARN_START_FAILED))
			pr_warn("host granted no lock commands (caps %#x); retrying every second\n",
				caps);
		goto out;
	}
	if (vmmemctl_batched(b) && alloc_batch_page(b)) {
		/* Tell the host we use nothing, and try again next poll. */
		vmmemctl_locked_cmd(b, VMBALLOON_CMD_START, 0, 0);
		goto out;
	}
	vmmemctl_warn_rearm(b, VMMEMCTL_WARN_START_FAILED);
	b->reset_required = false;
	vmmemctl_stat_inc(b, VMMEMCTL_STAT_RESET, 1);
	if (atomic_long_read(&b->stats[VMMEMCTL_STAT_RESET]) > 1 &&
	    vmmemctl_warn_first(b, VMMEMCTL_WARN_RESET_STORM))
		pr_info("host reset the balloon; pages popped, new session with caps %#x\n",
			b->granted);
	vmmemctl_locked_cmd(b, VMBALLOON_CMD_GUEST_ID, VMBALLOON_GUEST_LINUX, 0);
out:
	up_write(&b->conf_sem);
}

static void vmmemctl_work(struct work_struct *work)
{
	struct vmmemctl *b = container_of(to_delayed_work(work), struct vmmemctl, work);
	unsigned long deadline = jiffies + VMMEMCTL_RUN_BUDGET;
	unsigned long delay;
	bool more = false;
	s64 change;

	mutex_lock(&b->op_lock);
	vmmemctl_stat_inc(b, VMMEMCTL_STAT_TIMER, 1);
	if (b->reset_required)
		vmmemctl_reset(b);
	else
		vmmemctl_warn_rearm(b, VMMEMCTL_WARN_RESET_STORM);

	if (!b->reset_required && vmmemctl_get_target(b)) {
		change = vmmemctl_balloon_change(b);
		if (change > 0)
			more = vmmemctl_inflate(b, change, deadline);
		else if (change < 0)
			vmmemctl_deflate(b, -change, true, deadline, &more);
	}
	if (b->slow_cycles)
		b->slow_cycles--;
	mutex_unlock(&b->op_lock);

	if (more) {
		delay = 1;
	} else {
		delay = round_jiffies_relative(HZ << b->backoff);
		if (b->backoff)
			vmmemctl_stat_inc(b, VMMEMCTL_STAT_BACKOFF, 1);
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

	vmmemctl_stat_inc(b, VMMEMCTL_STAT_SHRINK, 1);
	/* The worker may be allocating and reclaiming into us: never wait for it. */
	if (!mutex_trylock(&b->op_lock))
		return SHRINK_STOP;
	if (b->reset_required) {
		mutex_unlock(&b->op_lock);
		return SHRINK_STOP;
	}
	freed = vmmemctl_deflate(b, sc->nr_to_scan, true, 0, NULL);
	/* The host still wants its target: hold it off for a while. */
	WRITE_ONCE(b->holdoff_until, jiffies + VMMEMCTL_HOLDOFF);
	mutex_unlock(&b->op_lock);
	vmmemctl_stat_inc(b, VMMEMCTL_STAT_SHRINK_FREE, freed);
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
	status = vmmemctl_page_op(b, &page, 1, VMMEMCTL_4K, false);
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

	status = vmmemctl_page_op(b, &newpage, 1, VMMEMCTL_4K, true);
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
		INIT_WORK(&b->helpers[i].work, vmmemctl_helper_work);
	}
	b->requested = VMMEMCTL_CAPS;
	b->reset_required = true;
	b->holdoff_until = jiffies;
	/* Always leave 1/32 of RAM (at least 16 MiB) available to the guest. */
	b->floor_frames = max(ram / VMMEMCTL_FLOOR_DIVISOR, VMMEMCTL_FLOOR_MIN_FRAMES);
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
		given_back = vmmemctl_deflate(b, U64_MAX, true, 0, NULL);
	vmmemctl_locked_cmd(b, VMBALLOON_CMD_START, 0, 0);
	b->reset_required = true;
	vmmemctl_pop_all(b);
	/* Pages isolated for migration come back (putback) once we let go. */
	while (READ_ONCE(b->size)) {
		up_write(&b->conf_sem);
		msleep(20);
		down_write(&b->conf_sem);
		vmmemctl_pop_all(b);
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
