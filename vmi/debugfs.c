// SPDX-License-Identifier: GPL-2.0
/*
 * vmi_timer debugfs (root only): <debugfs>/vmi_timer/status (state, the
 * fault, where the shared page stands against the register, safety-net
 * counters, per-CPU interrupt counts) and cpu<N> (that vCPU's
 * REAL/AVAILABLE/STOLEN snapshot, docs/protocol/vmi.md §2.1 and §5.8, with
 * the kernel's own steal for comparison).
 */
#include <linux/debugfs.h>
#include <linux/kernel_stat.h>
#include <linux/seq_file.h>

#include "pvtools_compat.h"
#include "vmi_timer.h"

static u64 vmi_cycles_to_ns(struct vmi_dev *d, u64 c)
{
	return mul_u64_u64_div_u64(c, NSEC_PER_SEC, d->freq);
}

static int vmi_status_show(struct seq_file *m, void *unused)
{
	struct vmi_dev *d = m->private;
	u64 lo, hi, mmio, mid;
	unsigned int cpu;

	mutex_lock(&d->lock);
	seq_printf(m, "state: %s\n", d->degraded ? "degraded" : "active");
	seq_printf(m, "fault: %s\n", vmi_fault_name(atomic_read(&d->fault)));
	seq_printf(m, "freq_hz: %llu\n", d->freq);
	seq_printf(m, "real_from: %s\n", d->page ? "shared-page" : "register");
	if (d->page && !READ_ONCE(d->faulted) && !vmi_page_bracket(d, &lo, &hi, &mmio)) {
		/* Where the page's line stands against the register, now. */
		mid = lo + (hi - lo) / 2;
		seq_printf(m, "page_minus_register_ns: %s%llu (bracket %llu ns)\n",
			   mid < mmio ? "-" : "",
			   vmi_cycles_to_ns(d, mid < mmio ? mmio - mid : mid - mmio),
			   vmi_cycles_to_ns(d, hi - lo));
	}
	seq_printf(m, "clocksource: %s\n", d->cs_registered ? "registered" : "no");
	seq_printf(m, "real: %llu\n", vmi_read_real(d));
	seq_printf(m, "backwards: %lld\n", atomic64_read(&d->cnt.backwards));
	seq_printf(m, "torn: %lld\n", atomic64_read(&d->cnt.torn));
	seq_printf(m, "mmio_reads: %lld\n", atomic64_read(&d->cnt.mmio_reads));
	seq_printf(m, "extrapolated: %lld\n", atomic64_read(&d->cnt.extrapolated));
	seq_printf(m, "guardian_ticks: %llu\n", d->guardian_ticks);
	for_each_online_cpu(cpu) {
		struct vmi_cpu *pc = per_cpu_ptr(d->cpus, cpu);

		seq_printf(m, "cpu%u: bound %d captured %d vector %d fires %llu rescues %llu misroutes %llu\n",
			   cpu, READ_ONCE(pc->bound), pc->captured, pc->vector,
			   READ_ONCE(pc->fires), READ_ONCE(pc->rescues), READ_ONCE(pc->misroutes));
	}
	mutex_unlock(&d->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmi_status);

static int vmi_cpu_show(struct seq_file *m, void *unused)
{
	struct vmi_cpu *pc = m->private;
	struct vmi_dev *d = pc->dev;
	unsigned int base = VMI_SLOT_BASE(pc->cpu);
	u64 avail, stolen, real;

	/* Reading AVAILABLE latches STOLEN and REAL of the same instant (§5.2). */
	mutex_lock(&d->lock);
	avail = vmi_rd64(d, base + VMI_SLOT_AVAILABLE_COUNTER);
	stolen = vmi_rd64(d, base + VMI_SLOT_STOLEN_COUNTER);
	real = vmi_rd64(d, base + VMI_SLOT_REAL_COUNTER);
	mutex_unlock(&d->lock);
	seq_printf(m, "real_cycles: %llu\n", real);
	seq_printf(m, "available_cycles: %llu\n", avail);
	seq_printf(m, "stolen_cycles: %llu\n", stolen);
	seq_printf(m, "stolen_ns: %llu\n", vmi_cycles_to_ns(d, stolen));
	seq_printf(m, "kernel_steal_ns: %llu\n", pvtools_kcpustat_steal(pc->cpu));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmi_cpu);

/**
 * vmi_debugfs_init() - create <debugfs>/vmi_timer.
 * @d: the device.
 */
void vmi_debugfs_init(struct vmi_dev *d)
{
	unsigned int cpu;
	char name[16];

	d->dbg = debugfs_create_dir("vmi_timer", NULL);
	debugfs_create_file("status", 0400, d->dbg, d, &vmi_status_fops);
	for_each_possible_cpu(cpu) {
		if (cpu >= d->nr_slots)
			break;
		snprintf(name, sizeof(name), "cpu%u", cpu);
		debugfs_create_file(name, 0400, d->dbg, per_cpu_ptr(d->cpus, cpu), &vmi_cpu_fops);
	}
}

/**
 * vmi_debugfs_exit() - remove it.
 * @d: the device.
 */
void vmi_debugfs_exit(struct vmi_dev *d)
{
	debugfs_remove_recursive(d->dbg);
	d->dbg = NULL;
}
