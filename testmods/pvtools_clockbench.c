// SPDX-License-Identifier: GPL-2.0
/*
 * pvtools_clockbench (test only): the cost of ktime_get() with whatever
 * clocksource is current. Reading <debugfs>/pvtools_clockbench/ktime_get
 * times `reads` calls, in batches of 1000 with interrupts off, and prints
 * "clocksource=<name> reads=<n> ns_per_read=<x.yy>".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/irqflags.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/timekeeping.h>

static unsigned int clockbench_reads = 50000;
module_param_named(reads, clockbench_reads, uint, 0644);
MODULE_PARM_DESC(reads, "ktime_get() calls per measurement, 1000..10000000 (default: 50000)");

static struct dentry *clockbench_dir;

static int clockbench_show(struct seq_file *m, void *unused)
{
	unsigned int reads = clamp_val(clockbench_reads, 1000, 10000000);
	unsigned int done = 0, i;
	u64 total = 0, sink = 0;

	while (done < reads) {
		unsigned long flags;
		u64 t0, t1;

		local_irq_save(flags);
		t0 = ktime_get_raw_ns();
		for (i = 0; i < 1000; i++)
			sink += ktime_get();
		t1 = ktime_get_raw_ns();
		local_irq_restore(flags);
		total += t1 - t0;
		done += 1000;
		cond_resched();
	}
	seq_printf(m, "reads=%u ns_per_read=%llu.%02llu sink=%llu\n", done,
		   div_u64(total, done), div_u64(total % done * 100, done), sink & 1);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(clockbench);

static int __init clockbench_init(void)
{
	clockbench_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("ktime_get", 0400, clockbench_dir, NULL, &clockbench_fops);
	return 0;
}

static void __exit clockbench_exit(void)
{
	debugfs_remove_recursive(clockbench_dir);
}

module_init(clockbench_init);
module_exit(clockbench_exit);
MODULE_DESCRIPTION("pvtools test helper: ktime_get() cost with the current clocksource");
MODULE_LICENSE("GPL");
