// SPDX-License-Identifier: GPL-2.0
/*
 * Administrator statistics of vmmemctl in /sys/kernel/debug/vmmemctl, laid
 * out like the in-tree VMware balloon driver's file so existing habits and
 * scripts keep working.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "vmmemctl.h"

static const char *const stat_names[VMMEMCTL_STAT_NUM] = {
	[VMMEMCTL_STAT_TIMER]		= "timer",
	[VMMEMCTL_STAT_RESET]		= "reset",
	[VMMEMCTL_STAT_SHRINK]		= "shrink",
	[VMMEMCTL_STAT_SHRINK_FREE]	= "shrinkFree",
	[VMMEMCTL_STAT_BACKOFF]		= "backoff",
	[VMMEMCTL_STAT_PARALLEL_BATCHES]	= "parallelBatches",
	[VMMEMCTL_STAT_HELPER_ALLOC]	= "helperAlloc",
};

static const char *const page_stat_names[VMMEMCTL_PSTAT_NUM] = {
	[VMMEMCTL_PSTAT_ALLOC]		= "alloc",
	[VMMEMCTL_PSTAT_ALLOC_FAIL]	= "allocFail",
	[VMMEMCTL_PSTAT_REFUSED_LOCK]	= "refusedLock",
	[VMMEMCTL_PSTAT_REFUSED_UNLOCK]	= "refusedUnlock",
	[VMMEMCTL_PSTAT_SPLIT]		= "split",
	[VMMEMCTL_PSTAT_FREE]		= "free",
};

static const char *const size_names[VMMEMCTL_NUM_SIZES] = {
	[VMMEMCTL_4K] = "4k",
	[VMMEMCTL_2M] = "2M",
};

static int vmmemctl_show(struct seq_file *f, void *unused)
{
	struct vmmemctl *b = f->private;
	unsigned int i, j;

	seq_printf(f, "%-22s: %#16x\n", "balloon capabilities", b->requested);
	seq_printf(f, "%-22s: %#16x\n", "used capabilities", READ_ONCE(b->granted));
	seq_printf(f, "%-22s: %16s\n", "is resetting", READ_ONCE(b->reset_required) ? "y" : "n");
	seq_printf(f, "%-22s: %16llu\n", "target", READ_ONCE(b->target));
	seq_printf(f, "%-22s: %16llu\n", "current", READ_ONCE(b->size));
	/* Ours alone (the in-tree file has no such line): pages out for migration. */
	seq_printf(f, "%-22s: %16lu\n", "isolated", READ_ONCE(b->b_dev_info.isolated_pages));

	for (i = 0; i < VMBALLOON_CMD_NUM; i++) {
		if (i == VMBALLOON_CMD_RESERVED5)
			continue;
		seq_printf(f, "%-22s: %16ld (%ld failed)\n", vmmemctl_cmd_name(i),
			   atomic_long_read(&b->cmd_calls[i]),
			   atomic_long_read(&b->cmd_failed[i]));
	}
	for (i = 0; i < VMMEMCTL_STAT_NUM; i++)
		seq_printf(f, "%-22s: %16ld\n", stat_names[i], atomic_long_read(&b->stats[i]));
	for (i = 0; i < VMMEMCTL_PSTAT_NUM; i++)
		for (j = 0; j < VMMEMCTL_NUM_SIZES; j++)
			seq_printf(f, "%-18s(%s): %16ld\n", page_stat_names[i], size_names[j],
				   atomic_long_read(&b->page_stats[i][j]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmmemctl);

void vmmemctl_debugfs_init(struct vmmemctl *b)
{
	/* Same name as the in-tree driver's: only one balloon driver runs at a time. */
	b->debugfs = debugfs_create_file("vmmemctl", 0444, NULL, b, &vmmemctl_fops);
}

void vmmemctl_debugfs_exit(struct vmmemctl *b)
{
	debugfs_remove(b->debugfs);
}
