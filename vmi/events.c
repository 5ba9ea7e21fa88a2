// SPDX-License-Identifier: GPL-2.0
/*
 * vmi_timer: per-CPU one-shot clockevent devices on the per-vCPU alarm slots
 * (docs/protocol/vmi.md §5.2, §5.4, §5.5), one MSI-X vector each, registered
 * and unbound from CPU hotplug callbacks, and the guardian of §5.6: a pinned
 * hrtimer on a CPU that keeps its own tick device, which rescues CPUs whose
 * alarms do not arrive and watches for frequency changes and the kernel
 * watchdog's verdict.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpuhotplug.h>
#include <linux/interrupt.h>
#include <linux/kernel_stat.h>
#include <asm/apic.h>

#include <linux/math64.h>
#include <asm/tsc.h>

#include "pvtools_compat.h"
#include "vmi_timer.h"

#define VMI_GUARD_PERIOD_MS	10
/*
 * Rescues per CPU per second before the device is taken out of service: a
 * host that fires nothing. A host that is merely late (TCG on a loaded
 * machine delivers tens of ms late at times) gets rescues, not a verdict;
 * alarms it claims to have fired (FIRE_COUNT) that never arrive are lost.
 */
#define VMI_MAX_RESCUES		50
/* Alarms the host says it fired that never arrived, before degrading. */
#define VMI_MAX_LOST		20

/* The CPU hotplug callbacks have no argument: the one device. */
static struct vmi_dev *vmi_hp_dev;

static unsigned int vmi_slot(struct vmi_cpu *pc, unsigned int off)
{
	return VMI_SLOT_BASE(pc->cpu) + off;
}

static void vmi_cancel(struct vmi_cpu *pc)
{
	vmi_wr32(pc->dev, vmi_slot(pc, VMI_SLOT_ALARM_CMD),
		 VMI_ALARM_CMD_CANCEL | VMI_CYCLES_REAL);
}

/* Clockevent callbacks: on the owning CPU, interrupts off; no printk, no sleep. */
static int vmi_ce_next_event(unsigned long delta, struct clock_event_device *ce)
{
	struct vmi_cpu *pc = container_of(ce, struct vmi_cpu, ce);
	struct vmi_dev *d = pc->dev;
	u64 expiry;

	if (unlikely(READ_ONCE(pc->relay))) {
		/* Out of service: the guardian delivers at this TSC value. */
		WRITE_ONCE(pc->relay_tsc, rdtsc_ordered() +
			   mul_u64_u32_div(delta, tsc_khz, div_u64(d->freq, 1000)));
		return 0;
	}
	expiry = vmi_read_real(d) + delta;
	WRITE_ONCE(pc->fires_at_arm, pc->fires);
	WRITE_ONCE(pc->armed_expiry, expiry);
	vmi_wr64(d, vmi_slot(pc, VMI_SLOT_ALARM_EXPIRY), expiry);
	if (!pc->period_zero) {
		vmi_wr64(d, vmi_slot(pc, VMI_SLOT_ALARM_PERIOD), 0);
		pc->period_zero = true;
	}
	/* A past expiry is legal: the host fires at once (§2.4 rule 6). */
	vmi_wr32(d, vmi_slot(pc, VMI_SLOT_ALARM_CMD), VMI_CYCLES_REAL | VMI_ALARM_WIRED_LVTT);
	return 0;
}

static int vmi_ce_shutdown(struct clock_event_device *ce)
{
	struct vmi_cpu *pc = container_of(ce, struct vmi_cpu, ce);

	WRITE_ONCE(pc->armed_expiry, 0);
	WRITE_ONCE(pc->relay_tsc, 0);
	if (!READ_ONCE(pc->relay))
		vmi_cancel(pc);
	return 0;
}

static int vmi_ce_periodic(struct clock_event_device *ce)
{
	struct vmi_cpu *pc = container_of(ce, struct vmi_cpu, ce);
	struct vmi_dev *d = pc->dev;
	u64 period = div_u64(d->freq + HZ / 2, HZ);

	WRITE_ONCE(pc->armed_expiry, 0);
	vmi_wr64(d, vmi_slot(pc, VMI_SLOT_ALARM_EXPIRY), vmi_read_real(d) + period);
	vmi_wr64(d, vmi_slot(pc, VMI_SLOT_ALARM_PERIOD), period);
	pc->period_zero = false;
	vmi_wr32(d, vmi_slot(pc, VMI_SLOT_ALARM_CMD),
		 VMI_CYCLES_REAL | VMI_ALARM_IS_PERIODIC | VMI_ALARM_WIRED_LVTT);
	return 0;
}

static int vmi_ce_oneshot(struct clock_event_device *ce)
{
	struct vmi_cpu *pc = container_of(ce, struct vmi_cpu, ce);

	WRITE_ONCE(pc->armed_expiry, 0);
	if (!READ_ONCE(pc->relay))
		vmi_cancel(pc);		/* a periodic alarm, if any */
	return 0;
}

static irqreturn_t vmi_isr(int irq, void *arg)
{
	struct vmi_cpu *pc = arg;
	struct vmi_dev *d = pc->dev;
	u64 now;

	if (unlikely(smp_processor_id() != pc->cpu)) {
		WRITE_ONCE(pc->misroutes, pc->misroutes + 1);
		return IRQ_HANDLED;
	}
	WRITE_ONCE(pc->fires, pc->fires + 1);
	if (!READ_ONCE(pc->bound))
		return IRQ_HANDLED;
	now = vmi_read_real(d);
	if (now - pc->storm_window >= d->freq) {
		pc->storm_window = now;
		pc->fires_in_window = 0;
	}
	if (++pc->fires_in_window > vmi_param_storm_hz) {
		/* Mask the slot; the guardian keeps the CPU going until degrade. */
		vmi_wr32(d, vmi_slot(pc, VMI_SLOT_MSIX_ENTRY), VMI_MSIX_NONE);
		vmi_raise_fault(d, VMI_FAULT_STORM);
		return IRQ_HANDLED;
	}
	WRITE_ONCE(pc->armed_expiry, 0);
	pc->ce.event_handler(&pc->ce);
	return IRQ_HANDLED;
}

/* The guardian's rescue: on the late CPU, in IPI context, interrupts off. */
static void vmi_rescue(void *arg)
{
	struct vmi_cpu *pc = arg;

	if (!READ_ONCE(pc->bound) && !READ_ONCE(pc->relay))
		return;
	WRITE_ONCE(pc->armed_expiry, 0);
	WRITE_ONCE(pc->relay_tsc, 0);
	pc->ce.event_handler(&pc->ce);
}

static int vmi_cpu_online(unsigned int cpu)
{
	struct vmi_dev *d = vmi_hp_dev;
	struct vmi_cpu *pc = per_cpu_ptr(d->cpus, cpu);
	unsigned long min_ticks;

	if (d->degraded || cpu == d->guardian_cpu || pc->vector < 0 || cpu >= d->nr_slots)
		return 0;
	vmi_wr32(d, vmi_slot(pc, VMI_SLOT_APIC_ID), per_cpu(x86_cpu_to_apicid, cpu));
	vmi_cancel(pc);
	vmi_wr32(d, vmi_slot(pc, VMI_SLOT_ALARM_CMD), VMI_ALARM_CMD_CANCEL | VMI_CYCLES_AVAILABLE);
	vmi_wr32(d, vmi_slot(pc, VMI_SLOT_MSIX_ENTRY), pc->vector);
	pc->period_zero = false;
	pc->armed_expiry = 0;
	pc->captured = false;
	pc->fires = 0;
	pc->host_fire_base = vmi_rd32(d, vmi_slot(pc, VMI_SLOT_FIRE_COUNT));
	min_ticks = max_t(unsigned long, vmi_rd32(d, VMI_REG_MIN_DELTA),
			  div_u64(d->freq, 1000000));

	/*
	 * The tick core pins the module while a CPU ticks from it: the local
	 * APIC timer it displaces is taken by the broadcast layer (it has no
	 * C3STOP with ARAT and outrates the HPET), so the CPU may not be able
	 * to get it back (vmi_cpu_offline).
	 */
	pc->ce = (struct clock_event_device) {
		.name = VMI_NAME,
		.features = CLOCK_EVT_FEAT_ONESHOT | CLOCK_EVT_FEAT_PERIODIC |
			    CLOCK_EVT_FEAT_PERCPU,
		.rating = vmi_param_ce_rating,
		.cpumask = cpumask_of(cpu),
		.irq = pc->irq,
		.owner = THIS_MODULE,
		.set_next_event = vmi_ce_next_event,
		.set_state_shutdown = vmi_ce_shutdown,
		.set_state_periodic = vmi_ce_periodic,
		.set_state_oneshot = vmi_ce_oneshot,
		.set_state_oneshot_stopped = vmi_ce_shutdown,
	};
	WRITE_ONCE(pc->bound, true);
	clockevents_config_and_register(&pc->ce, (u32)d->freq, min_ticks,
					(unsigned long)d->freq * 600);
	/* §4.4: a device that lost the tick contest may be held as broadcast. */
	if (!clockevent_state_oneshot(&pc->ce) && !clockevent_state_periodic(&pc->ce)) {
		WRITE_ONCE(pc->bound, false);
		pc->captured = true;
		pr_err("CPU%u: clockevent not taken as tick device (state %d)\n", cpu,
		       pc->ce.state_use_accessors);
	}
	return 0;
}

static int vmi_cpu_offline(unsigned int cpu)
{
	struct vmi_dev *d = vmi_hp_dev;
	struct vmi_cpu *pc = per_cpu_ptr(d->cpus, cpu);
	int ret;

	if (!pc->bound && !pc->captured)
		return 0;
	/* The best other device (the local APIC timer) takes over. */
	ret = clockevents_unbind_device(&pc->ce, cpu);
	if (ret && !d->degraded) {
		/* No detached device left for this CPU: it cannot go offline. */
		pr_warn_ratelimited("CPU%u ticks from vmi-timer and has no other timer to take over: staying online\n",
				    cpu);
		return ret;
	}
	if (ret) {
		/*
		 * Out of service but still the tick device: the guardian relays,
		 * starting with an event now for whatever the device was armed.
		 */
		WRITE_ONCE(pc->relay_tsc, rdtsc_ordered());
		smp_wmb();	/* the deadline before the mode */
		WRITE_ONCE(pc->relay, true);
		d->relay_cpus++;
	}
	WRITE_ONCE(pc->bound, false);
	pc->captured = false;
	vmi_cancel(pc);
	vmi_wr32(d, vmi_slot(pc, VMI_SLOT_MSIX_ENTRY), VMI_MSIX_NONE);
	return 0;
}

static void vmi_free_irqs(struct vmi_dev *d)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct vmi_cpu *pc = per_cpu_ptr(d->cpus, cpu);

		if (pc->irq > 0)
			free_irq(pc->irq, pc);
		pc->irq = 0;
		pc->vector = -1;
	}
	pci_free_irq_vectors(d->pdev);
}

/* §5.4: one MSI-X vector per CPU, managed affinity, one CPU each. */
static int vmi_setup_irqs(struct vmi_dev *d)
{
	struct pci_dev *pdev = d->pdev;
	int n = min3((int)num_possible_cpus(), (int)d->nr_slots, pci_msix_vec_count(pdev));
	int nvec, i, ret, bound = 0;

	if (n <= 0)
		return -ENODEV;
	nvec = pci_alloc_irq_vectors_affinity(pdev, n, n, PCI_IRQ_MSIX | PCI_IRQ_AFFINITY, NULL);
	if (nvec < 0)
		return nvec;
	for (i = 0; i < nvec; i++) {
		const struct cpumask *mask = pci_irq_get_affinity(pdev, i);
		struct vmi_cpu *pc;
		unsigned int cpu;

		if (!mask || cpumask_weight(mask) != 1)
			continue;
		cpu = cpumask_first(mask);
		pc = per_cpu_ptr(d->cpus, cpu);
		if (pc->vector >= 0)
			continue;
		ret = request_irq(pci_irq_vector(pdev, i), vmi_isr, IRQF_TIMER, VMI_NAME, pc);
		if (ret)
			continue;
		pc->vector = i;
		pc->irq = pci_irq_vector(pdev, i);
		bound++;
	}
	if (!bound) {
		vmi_free_irqs(d);
		return -ENODEV;
	}
	return 0;
}

/**
 * vmi_events_start() - MSI-X vectors and the per-CPU clockevents.
 * @d: the device; its per-CPU state is initialised.
 *
 * Needs two online CPUs: the guardian CPU keeps its own tick device.
 *
 * Return: 0, or a negative errno (the device then runs clocksource-only).
 */
int vmi_events_start(struct vmi_dev *d)
{
	int ret;

	if (num_online_cpus() < 2 || !cpu_online(d->guardian_cpu))
		return -ENODEV;
	ret = vmi_setup_irqs(d);
	if (ret)
		return ret;
	vmi_hp_dev = d;
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "clockevents/vmi-timer:online",
				vmi_cpu_online, vmi_cpu_offline);
	if (ret < 0) {
		vmi_free_irqs(d);
		return ret;
	}
	d->hp_state = ret;
	return 0;
}

/**
 * vmi_events_stop() - unbind every CPU's clockevent and free the vectors.
 * @d: the device.
 *
 * Idempotent. Caller holds @d->lock.
 */
void vmi_events_stop(struct vmi_dev *d)
{
	lockdep_assert_held(&d->lock);
	if (d->hp_state > 0) {
		cpuhp_remove_state(d->hp_state);
		d->hp_state = 0;
		vmi_free_irqs(d);
	}
}

static enum hrtimer_restart vmi_guardian_fn(struct hrtimer *t)
{
	struct vmi_dev *d = container_of(t, struct vmi_dev, guardian);
	u64 now = vmi_read_real(d);
	u64 grace = div_u64(d->freq * vmi_param_grace_us, USEC_PER_SEC);
	unsigned int cpu;

	d->guardian_ticks++;
	for_each_online_cpu(cpu) {
		struct vmi_cpu *pc = per_cpu_ptr(d->cpus, cpu);
		u64 expiry = READ_ONCE(pc->armed_expiry);
		u64 relay = READ_ONCE(pc->relay_tsc);

		if (READ_ONCE(pc->relay)) {
			if (relay && rdtsc_ordered() >= relay)
				smp_call_function_single_async(cpu, &pc->csd);
			continue;
		}

		if (!READ_ONCE(pc->bound))
			continue;
		/* Fired by the host (and not still in flight) but never received. */
		if (d->guardian_ticks % 10 == 0 &&
		    (s32)(vmi_rd32(d, vmi_slot(pc, VMI_SLOT_FIRE_COUNT)) - pc->host_fire_base -
			  (u32)READ_ONCE(pc->fires)) > VMI_MAX_LOST)
			vmi_raise_fault(d, VMI_FAULT_ALARM_LOST);
		if (!expiry || now < expiry + grace ||
		    READ_ONCE(pc->fires) != READ_ONCE(pc->fires_at_arm))
			continue;
		if (smp_call_function_single_async(cpu, &pc->csd))
			continue;	/* the last rescue is still in flight */
		WRITE_ONCE(pc->rescues, pc->rescues + 1);
		if (now - pc->rescue_window >= d->freq) {
			pc->rescue_window = now;
			pc->rescues_in_window = 0;
		}
		if (++pc->rescues_in_window > VMI_MAX_RESCUES)
			vmi_raise_fault(d, VMI_FAULT_ALARM_LOST);
	}
	if (d->guardian_ticks % 10 == 0) {
		if (!READ_ONCE(d->faulted) && vmi_rd64(d, VMI_REG_CYCLE_FREQUENCY) != d->freq)
			vmi_raise_fault(d, VMI_FAULT_FREQ_CHANGED);
		if (d->cs_registered && READ_ONCE(d->cs.rating) == 0)
			vmi_raise_fault(d, VMI_FAULT_UNSTABLE);
	}
	/* Relaying: the period is the relayed CPUs' timer resolution. */
	hrtimer_forward_now(t, ms_to_ktime(d->relay_cpus ? 1 : VMI_GUARD_PERIOD_MS));
	return HRTIMER_RESTART;
}

static void vmi_guardian_arm(void *arg)
{
	struct vmi_dev *d = arg;

	hrtimer_start(&d->guardian, ms_to_ktime(VMI_GUARD_PERIOD_MS), HRTIMER_MODE_REL_PINNED);
}

/**
 * vmi_guardian_start() - start the guardian hrtimer on the guardian CPU.
 * @d: the device.
 */
void vmi_guardian_start(struct vmi_dev *d)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		INIT_CSD(&per_cpu_ptr(d->cpus, cpu)->csd, vmi_rescue, per_cpu_ptr(d->cpus, cpu));
	hrtimer_setup(&d->guardian, vmi_guardian_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);
	if (!smp_call_function_single(d->guardian_cpu, vmi_guardian_arm, d, 1))
		d->guardian_on = true;
}

/**
 * vmi_guardian_stop() - stop the guardian.
 * @d: the device.
 */
void vmi_guardian_stop(struct vmi_dev *d)
{
	if (d->guardian_on)
		hrtimer_cancel(&d->guardian);
	d->guardian_on = false;
}
