// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs vmw_hostclock/stats: which host source the PHC uses, how often
 * it was read, what the last check measured and what the module did about it.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "hostclock.h"

static struct dentry *hostclock_debugfs_dir;

static const char *const stat_names[HOSTCLOCK_NUM_STATS] = {
	[HOSTCLOCK_STAT_READS] = "reads",
	[HOSTCLOCK_STAT_DAEMON_READS] = "reads_with_system_ts",
	[HOSTCLOCK_STAT_READ_ERRORS] = "read_errors",
	[HOSTCLOCK_STAT_CHECKS] = "checks",
	[HOSTCLOCK_STAT_STEPS] = "steps",
	[HOSTCLOCK_STAT_DEFERRED] = "steps_deferred_to_daemon",
	[HOSTCLOCK_STAT_REFUSED_BACKWARD] = "steps_refused_backward",
	[HOSTCLOCK_STAT_HOST_BACKWARDS] = "host_went_backwards",
};

static int stats_show(struct seq_file *m, void *unused)
{
	struct hostclock *hc = m->private;
	int i;

	seq_printf(m, "source: %s\n", hostclock_source_name(hc->source));
	seq_printf(m, "ptp_index: %d\n", ptp_clock_index(hc->ptp));
	for (i = 0; i < HOSTCLOCK_NUM_STATS; i++)
		seq_printf(m, "%s: %lld\n", stat_names[i],
			   (long long)atomic64_read(&hc->stats[i]));
	seq_printf(m, "last_offset_ns: %lld\n", (long long)atomic64_read(&hc->last_offset_ns));
	seq_printf(m, "last_step_ns: %lld\n", (long long)atomic64_read(&hc->last_step_ns));
	seq_printf(m, "last_host_ns: %lld\n", (long long)atomic64_read(&hc->last_host_ns));
	seq_printf(m, "host_max_lag_us: %u\n", (u32)atomic_read(&hc->last_max_lag_us));
	seq_printf(m, "host_interrupt_lag_us: %u\n",
		   (u32)atomic_read(&hc->last_interrupt_lag_us));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

void hostclock_debugfs_init(struct hostclock *hc)
{
	/* debugfs is optional: failures only cost the diagnostics. */
	hostclock_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("stats", 0400, hostclock_debugfs_dir, hc, &stats_fops);
}

void hostclock_debugfs_exit(void)
{
	debugfs_remove_recursive(hostclock_debugfs_dir);
}
