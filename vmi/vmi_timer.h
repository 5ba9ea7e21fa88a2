/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmi_timer: internal interfaces between the parts of the module (the PCI
 * driver in main.c, the clocksource in clock.c, the clockevents and the
 * guardian in events.c, debugfs in debugfs.c).
 */
#ifndef PVTOOLS_VMI_TIMER_H
#define PVTOOLS_VMI_TIMER_H

#include <linux/atomic.h>
#include <linux/clockchips.h>
#include <linux/clocksource.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/smp.h>
#include <linux/workqueue.h>

#include <pvtools/vmi_abi.h>

#define VMI_NAME		"vmi-timer"

/* Why the safety net took the device out of service (docs/protocol/vmi.md §5.6). */
enum vmi_fault {
	VMI_FAULT_NONE,
	VMI_FAULT_BACKWARDS,
	VMI_FAULT_FROZEN,
	VMI_FAULT_ALL_ONES,
	VMI_FAULT_TORN,
	VMI_FAULT_ALARM_LOST,
	VMI_FAULT_STORM,
	VMI_FAULT_FREQ_CHANGED,
	VMI_FAULT_UNSTABLE,
	VMI_FAULT_NUM
};

/**
 * struct vmi_cpu - per-CPU clockevent state.
 * @ce: the clockevent device, registered on this CPU only.
 * @dev: back pointer.
 * @cpu: the CPU, which is also the device slot.
 * @vector: MSI-X vector index whose affinity is exactly @cpu, or -1.
 * @irq: its Linux IRQ, or 0.
 * @bound: @ce is registered and was seen as this CPU's tick device.
 * @captured: @ce lost the tick contest and is held by the broadcast layer.
 * @armed_expiry: REAL expiry of the pending one-shot alarm, 0 = none.
 * @fires_at_arm: @fires when @armed_expiry was set.
 * @fires: interrupts taken on this CPU.
 * @misroutes: interrupts for this slot taken on another CPU.
 * @rescues: events delivered by the guardian instead of the device.
 * @rescue_window: REAL at the start of the current one-second rescue count.
 * @rescues_in_window: rescues in that window.
 * @storm_window: REAL at the start of the current one-second storm count.
 * @fires_in_window: interrupts in that window.
 * @host_fire_base: the slot's FIRE_COUNT when the CPU was bound.
 * @period_zero: the slot's ALARM_PERIOD register holds 0 (skip rewriting it).
 * @relay: out of service, but still this CPU's tick device (its local APIC
 *	timer is held by the broadcast layer): the guardian delivers its events.
 * @relay_tsc: TSC deadline of the relayed event, 0 = none.
 * @csd: the guardian's rescue call.
 *
 * Touched on @cpu with interrupts off, except the counters the guardian reads
 * racily (READ_ONCE) and the fields set up before registration.
 */
struct vmi_cpu {
	struct clock_event_device ce;
	struct vmi_dev *dev;
	unsigned int cpu;
	int vector;
	int irq;
	bool bound;
	bool captured;
	u64 armed_expiry;
	u64 fires_at_arm;
	u64 fires;
	u64 misroutes;
	u64 rescues;
	u64 rescue_window;
	unsigned int rescues_in_window;
	u64 storm_window;
	unsigned int fires_in_window;
	bool period_zero;
	u32 host_fire_base;
	bool relay;
	u64 relay_tsc;
	call_single_data_t csd;
};

/**
 * struct vmi_dev - one VMI timer device.
 * @pdev: the PCI function.
 * @regs: BAR0.
 * @freq: CYCLE_FREQUENCY, Hz (checked: 1 MHz .. U32_MAX).
 * @nr_slots: NR_SLOTS.
 * @page: the shared page (§5.3), or NULL when REAL is read from BAR0.
 * @page_dma: its bus address.
 * @cs: the clocksource.
 * @cs_registered: @cs is registered.
 * @last: the highest REAL returned (the monotonic clamp).
 * @last_raw: the last raw REAL seen advancing.
 * @progress_tsc: the TSC when @last_raw was seen.
 * @progress_tsc_max: TSC ticks REAL may stand still before that is a fault.
 * @torn_tsc: TSC of the first read that found the page torn (odd) since it
 *	was last whole, or 0.
 * @faulted: a fault was seen; reads extrapolate from @ex_real/@ex_tsc.
 * @ex_real: REAL at the fault, the base of the extrapolation.
 * @ex_tsc: the TSC at the same moment.
 * @back_step: how far back REAL stepped when that was the fault.
 * @ex_mult: TSC-to-cycles multiplier for extrapolation.
 * @ex_shift: its shift.
 * @fault: the first fault, for the log line.
 * @fault_work: raised from any context, schedules @degrade_work.
 * @degrade_work: takes the device out of service (process context).
 * @degraded: the device is out of service.
 * @cpus: per-CPU clockevent state.
 * @hp_state: the dynamic CPU hotplug state, or 0.
 * @guardian: pinned hrtimer on @guardian_cpu.
 * @guardian_cpu: the CPU that keeps its own tick device.
 * @guardian_on: @guardian is started.
 * @relay_cpus: CPUs in relay mode (see &vmi_cpu.relay).
 * @guardian_ticks: guardian runs.
 * @lock: serialises degrade and teardown (and the debugfs snapshots).
 * @dbg: debugfs directory.
 * @cnt: event counters, see debugfs.c.
 */
struct vmi_dev {
	struct pci_dev *pdev;
	void __iomem *regs;
	u64 freq;
	u32 nr_slots;
	struct vmi_shared_rec *page;
	dma_addr_t page_dma;

	struct clocksource cs;
	bool cs_registered;
	atomic64_t last;
	u64 last_raw;
	u64 progress_tsc;
	u64 progress_tsc_max;
	u64 torn_tsc;

	int faulted;
	u64 back_step;
	u64 ex_real;
	u64 ex_tsc;
	u32 ex_mult;
	u32 ex_shift;
	atomic_t fault;
	struct irq_work fault_work;
	struct work_struct degrade_work;
	bool degraded;

	struct vmi_cpu __percpu *cpus;
	int hp_state;
	struct hrtimer guardian;
	unsigned int guardian_cpu;
	bool guardian_on;
	unsigned int relay_cpus;
	u64 guardian_ticks;

	/* Serialises attach, degrade and removal of the device's clock parts. */
	struct mutex lock;
	struct dentry *dbg;
	struct {
		atomic64_t backwards;
		atomic64_t torn;
		atomic64_t mmio_reads;
		atomic64_t extrapolated;
	} cnt;
};

/* Module parameters (main.c). */
extern unsigned int vmi_param_cs_rating;
extern unsigned int vmi_param_ce_rating;
extern bool vmi_param_ce_enable;
extern bool vmi_param_cs_enable;
extern bool vmi_param_use_page;
extern bool vmi_param_clamp;
extern unsigned int vmi_param_guardian_cpu;
extern unsigned int vmi_param_grace_us;
extern unsigned int vmi_param_storm_hz;

/* clock.c */
u64 vmi_read_real(struct vmi_dev *d);
u64 vmi_mmio_real(struct vmi_dev *d);
int vmi_page_bracket(struct vmi_dev *d, u64 *lo, u64 *hi, u64 *mmio);
int vmi_clock_setup(struct vmi_dev *d);
int vmi_cs_register(struct vmi_dev *d);
void vmi_cs_unregister(struct vmi_dev *d);
void vmi_raise_fault(struct vmi_dev *d, enum vmi_fault f);
const char *vmi_fault_name(enum vmi_fault f);

/* events.c */
int vmi_events_start(struct vmi_dev *d);
void vmi_events_stop(struct vmi_dev *d);
void vmi_guardian_start(struct vmi_dev *d);
void vmi_guardian_stop(struct vmi_dev *d);

/* main.c */
void vmi_degrade_work(struct work_struct *work);

/* debugfs.c */
void vmi_debugfs_init(struct vmi_dev *d);
void vmi_debugfs_exit(struct vmi_dev *d);

static inline u64 vmi_rd64(struct vmi_dev *d, unsigned int off)
{
	return readq(d->regs + off);
}

static inline u32 vmi_rd32(struct vmi_dev *d, unsigned int off)
{
	return readl(d->regs + off);
}

static inline void vmi_wr64(struct vmi_dev *d, unsigned int off, u64 v)
{
	writeq(v, d->regs + off);
}

static inline void vmi_wr32(struct vmi_dev *d, unsigned int off, u32 v)
{
	writel(v, d->regs + off);
}

#endif /* PVTOOLS_VMI_TIMER_H */
