// SPDX-License-Identifier: GPL-2.0
/*
 * vmi_timer: the REAL counter as a clocksource, read from the shared page
 * (docs/protocol/vmi.md §5.3: one TSC read and a multiplication) or from BAR0,
 * behind the guarded read of §5.6: a monotonic clamp, detection of a counter
 * that steps back, freezes or reads all-ones, and extrapolation from the TSC
 * once a fault was seen, so system time never stalls or jumps while the
 * degrade work replaces the device.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/math64.h>
#include <linux/timekeeping.h>
#include <asm/tsc.h>

#include "vmi_timer.h"

/* A torn page that stays torn this many tries is a fault. */
#define VMI_PAGE_TRIES		64

static const char *const fault_names[VMI_FAULT_NUM] = {
	[VMI_FAULT_NONE] = "none",
	[VMI_FAULT_BACKWARDS] = "counter went backwards",
	[VMI_FAULT_FROZEN] = "counter frozen",
	[VMI_FAULT_ALL_ONES] = "counter reads all-ones",
	[VMI_FAULT_TORN] = "shared page version stays odd",
	[VMI_FAULT_ALARM_LOST] = "alarms not delivered",
	[VMI_FAULT_STORM] = "interrupt storm",
	[VMI_FAULT_FREQ_CHANGED] = "cycle frequency changed",
	[VMI_FAULT_UNSTABLE] = "clocksource watchdog marked it unstable",
};

const char *vmi_fault_name(enum vmi_fault f)
{
	return (unsigned int)f < VMI_FAULT_NUM ? fault_names[f] : "?";
}

/*
 * From any context, NMI included: the first fault wins, the degrade work does
 * the rest. Counter faults switch reads to extrapolation at once.
 */
static void notrace vmi_fault_at(struct vmi_dev *d, enum vmi_fault f, u64 tsc)
{
	if (f == VMI_FAULT_BACKWARDS || f == VMI_FAULT_FROZEN || f == VMI_FAULT_ALL_ONES ||
	    f == VMI_FAULT_TORN) {
		if (!READ_ONCE(d->faulted)) {
			WRITE_ONCE(d->ex_real, atomic64_read(&d->last));
			WRITE_ONCE(d->ex_tsc, tsc);
			smp_wmb();	/* the base before the switch to it */
			WRITE_ONCE(d->faulted, 1);
		}
	}
	if (atomic_cmpxchg(&d->fault, VMI_FAULT_NONE, f) == VMI_FAULT_NONE)
		irq_work_queue(&d->fault_work);
}

void vmi_raise_fault(struct vmi_dev *d, enum vmi_fault f)
{
	vmi_fault_at(d, f, rdtsc_ordered());
}

u64 vmi_mmio_real(struct vmi_dev *d)
{
	return vmi_rd64(d, VMI_REG_REAL_COUNTER);
}

/* §5.3: pvclock's read protocol on slot 0's record. False: torn too long. */
static bool notrace vmi_page_read(struct vmi_dev *d, u64 *real, u64 *tsc, bool *stable)
{
	const struct vmi_shared_rec *r = d->page;
	unsigned int i;

	for (i = 0; i < VMI_PAGE_TRIES; i++) {
		u32 version = READ_ONCE(r->version);
		u64 ts, base, delta;
		u32 mul;
		s8 shift;

		smp_rmb();	/* the version before the body */
		*tsc = rdtsc_ordered();
		ts = READ_ONCE(r->tsc_timestamp);
		base = READ_ONCE(r->real_at_tsc);
		mul = READ_ONCE(r->tsc_to_cycles_mul);
		shift = READ_ONCE(r->tsc_shift);
		*stable = READ_ONCE(r->flags) & VMI_SHARED_TSC_STABLE;
		smp_rmb();	/* the body before the version check */
		if ((version & 1) || READ_ONCE(r->version) != version) {
			cpu_relax();
			continue;
		}
		delta = *tsc > ts ? *tsc - ts : 0;
		if (shift < 0)
			delta >>= -shift;
		else
			delta <<= shift;
		*real = base + mul_u64_u32_shr(delta, mul, 32);
		return true;
	}
	return false;
}

/*
 * The page stayed odd through a read's tries. A host preempted in the middle
 * of an update does that for a while; the register answers meanwhile (the
 * host serves it and updates the page under one lock, so it waits for the
 * update). Only a page torn for 10 ms of TSC is a fault: true.
 */
static bool notrace vmi_page_torn(struct vmi_dev *d, u64 tsc)
{
	u64 since = READ_ONCE(d->torn_tsc);

	atomic64_inc(&d->cnt.torn);
	if (!since) {
		/* 0 means "whole": a TSC of 0 counts from 1. */
		cmpxchg64(&d->torn_tsc, 0, tsc | 1);
		return false;
	}
	if ((s64)(tsc - since) <= (s64)d->progress_tsc_max)
		return false;
	vmi_fault_at(d, VMI_FAULT_TORN, tsc);
	return true;
}

static u64 notrace vmi_extrapolate(struct vmi_dev *d, u64 tsc)
{
	u64 base_tsc = READ_ONCE(d->ex_tsc);

	smp_rmb();	/* pairs with vmi_fault_at() */
	return READ_ONCE(d->ex_real) +
	       mul_u64_u32_shr(tsc > base_tsc ? tsc - base_tsc : 0, d->ex_mult, d->ex_shift);
}

/* Never below what any CPU was given (cross-CPU monotonic). */
static u64 notrace vmi_clamp(struct vmi_dev *d, u64 v)
{
	s64 last = atomic64_read(&d->last);

	do {
		if (v <= (u64)last)
			return last;
	} while (!atomic64_try_cmpxchg(&d->last, &last, v));
	return v;
}

/**
 * vmi_read_real() - the guarded REAL read (docs/protocol/vmi.md §5.6).
 * @d: the device.
 *
 * NMI-safe: no locks, no printk. Used by the clocksource, the clockevents
 * and the guardian.
 *
 * Return: REAL in cycles, monotonic across CPUs.
 */
u64 notrace vmi_read_real(struct vmi_dev *d)
{
	u64 raw, tsc, last;
	bool stable = false;

	if (unlikely(READ_ONCE(d->faulted))) {
		tsc = rdtsc_ordered();
		atomic64_inc(&d->cnt.extrapolated);
		return vmi_clamp(d, vmi_extrapolate(d, tsc));
	}
	/*
	 * The highest value given out so far, read before sampling: a vCPU
	 * preempted between its sample and this read would otherwise see
	 * another CPU's newer value as the counter going back.
	 */
	last = atomic64_read(&d->last);
	smp_rmb();	/* last before the sample */
	if (likely(d->page)) {
		if (unlikely(!vmi_page_read(d, &raw, &tsc, &stable))) {
			if (vmi_page_torn(d, tsc))
				return vmi_clamp(d, vmi_extrapolate(d, tsc));
			raw = vmi_mmio_real(d);
			stable = false;
		} else if (unlikely(READ_ONCE(d->torn_tsc))) {
			WRITE_ONCE(d->torn_tsc, 0);
		}
	} else {
		tsc = rdtsc_ordered();
		raw = vmi_mmio_real(d);
		atomic64_inc(&d->cnt.mmio_reads);
	}
	if (unlikely(raw == U64_MAX)) {
		vmi_fault_at(d, VMI_FAULT_ALL_ONES, tsc);
		return vmi_clamp(d, vmi_extrapolate(d, tsc));
	}
	/*
	 * Frozen: REAL has not moved while the TSC moved by 10 ms. It must be
	 * checked here: a frozen current clocksource freezes ktime, so no timer
	 * based check would ever run.
	 */
	if (raw == READ_ONCE(d->last_raw)) {
		/* Signed: another CPU may have recorded a later TSC. */
		if ((s64)(tsc - READ_ONCE(d->progress_tsc)) > (s64)d->progress_tsc_max) {
			vmi_fault_at(d, VMI_FAULT_FROZEN, tsc);
			return vmi_clamp(d, vmi_extrapolate(d, tsc));
		}
	} else if ((s64)(tsc - READ_ONCE(d->progress_tsc)) > (s64)(d->progress_tsc_max >> 3)) {
		/* Progress noted every 1.25 ms of TSC, not on every read. */
		WRITE_ONCE(d->last_raw, raw);
		WRITE_ONCE(d->progress_tsc, tsc);
	}
	if (unlikely(raw < last)) {
		atomic64_inc(&d->cnt.backwards);
		/* More than 1 ms back is a broken counter, not a rounding step. */
		if (last - raw > div_u64(d->freq, 1000)) {
			WRITE_ONCE(d->back_step, last - raw);
			vmi_fault_at(d, VMI_FAULT_BACKWARDS, tsc);
		}
		return vmi_clamp(d, last);
	}
	/*
	 * A page the host marks TSC-stable is monotonic across CPUs by itself
	 * (pvclock's rule): the highest value is then kept with a plain store,
	 * which is cheaper than the atomic clamp and good enough for the
	 * backwards check.
	 */
	if (stable || !vmi_param_clamp) {
		if (raw > last)
			atomic64_set(&d->last, raw);
		return raw;
	}
	return vmi_clamp(d, raw);
}

static u64 notrace vmi_cs_read(struct clocksource *cs)
{
	return vmi_read_real(container_of(cs, struct vmi_dev, cs));
}

/* Brackets of the page around one register read, the tightest decides. */
#define VMI_PAGE_CMP_TRIES	8

/**
 * vmi_page_bracket() - compare the shared page with the BAR0 register.
 * @d: the device, with its page set up.
 * @lo: the page's REAL read just before the register read.
 * @hi: the page's REAL read just after it.
 * @mmio: the register's REAL.
 *
 * The register read is bracketed by two page reads, and the tightest of a
 * few brackets is kept: a vCPU preempted between two reads (a loaded host)
 * must not look like a page that is off.
 *
 * Return: 0; -EIO if the page stayed torn, -ERANGE if it ran backwards in
 * every bracket.
 */
int vmi_page_bracket(struct vmi_dev *d, u64 *lo, u64 *hi, u64 *mmio)
{
	u64 p0, p1, m, tsc, best_width = U64_MAX;
	unsigned int i;
	bool stable;

	for (i = 0; i < VMI_PAGE_CMP_TRIES; i++) {
		if (!vmi_page_read(d, &p0, &tsc, &stable))
			return -EIO;
		m = vmi_mmio_real(d);
		if (!vmi_page_read(d, &p1, &tsc, &stable))
			return -EIO;
		if (p1 >= p0 && p1 - p0 < best_width) {
			best_width = p1 - p0;
			*lo = p0;
			*hi = p1;
			*mmio = m;
		}
	}
	return best_width == U64_MAX ? -ERANGE : 0;
}

/* Use the shared page if the host's line agrees with BAR0 within 1 ms. */
static void vmi_page_setup(struct vmi_dev *d)
{
	struct device *dev = &d->pdev->dev;
	u64 tol = div_u64(d->freq, 1000), lo = 0, hi = 0, mmio = 0;
	int ret;

	if (!vmi_param_use_page || !(vmi_rd32(d, VMI_REG_FEATURES) & VMI_FEAT_SHARED_PAGE))
		return;
	d->page = dma_alloc_coherent(dev, VMI_SHARED_PAGE_SIZE, &d->page_dma, GFP_KERNEL);
	if (!d->page)
		return;
	vmi_wr64(d, VMI_REG_SHARED_PAGE_GPA, d->page_dma | VMI_SHARED_PAGE_ENABLE);
	ret = vmi_page_bracket(d, &lo, &hi, &mmio);
	if (!ret && mmio + tol >= lo && mmio <= hi + tol)
		return;
	if (ret == -EIO)
		dev_warn(dev, "shared page not readable, not used\n");
	else if (ret)
		dev_warn(dev, "shared page runs backwards, not used\n");
	else
		dev_warn(dev, "shared page is %llu cycles off the register, not used\n",
			 mmio < lo ? lo - mmio : mmio - hi);
	vmi_wr64(d, VMI_REG_SHARED_PAGE_GPA, 0);
	dma_free_coherent(dev, VMI_SHARED_PAGE_SIZE, d->page, d->page_dma);
	d->page = NULL;
}

/**
 * vmi_clock_setup() - probe-time sanity sampling (docs/protocol/vmi.md §5.5 step 3).
 * @d: the device, with @freq read.
 *
 * REAL must not decrease over 1000 reads and must advance at @freq within
 * 5 % of the raw monotonic clock over 100 ms (best of three tries).
 *
 * Return: 0, -ENODEV without a TSC rate to extrapolate with, -EIO if REAL
 * is broken.
 */
int vmi_clock_setup(struct vmi_dev *d)
{
	struct device *dev = &d->pdev->dev;
	u64 prev, v, r0 = 0, r1 = 0, t0 = 0, t1 = 0, w0, w1, expect = 0, slack;
	unsigned int i;
	bool stable;

	if (!tsc_khz) {
		dev_err(dev, "no TSC rate: cannot guard the counter\n");
		return -ENODEV;
	}
	prev = vmi_mmio_real(d);
	for (i = 0; i < 1000; i++) {
		v = vmi_mmio_real(d);
		if (v < prev || v == U64_MAX) {
			dev_err(dev, "REAL counter not monotonic at probe\n");
			return -EIO;
		}
		prev = v;
	}
	for (i = 0; i < 3; i++) {
		/* Each register read is bracketed: a read may wait on the host. */
		t0 = ktime_get_raw_ns();
		r0 = vmi_mmio_real(d);
		w0 = ktime_get_raw_ns() - t0;
		msleep(100);
		t1 = ktime_get_raw_ns();
		r1 = vmi_mmio_real(d);
		w1 = ktime_get_raw_ns() - t1;
		expect = mul_u64_u64_div_u64(t1 - t0, d->freq, NSEC_PER_SEC);
		slack = expect / 20 + mul_u64_u64_div_u64(w0 + w1, d->freq, NSEC_PER_SEC);
		if (r1 - r0 + slack >= expect && r1 - r0 <= expect + slack)
			break;
	}
	if (i == 3) {
		dev_err(dev, "REAL advanced %llu cycles in %llu ns, expected %llu\n",
			r1 - r0, t1 - t0, expect);
		return -EIO;
	}
	clocks_calc_mult_shift(&d->ex_mult, &d->ex_shift, tsc_khz, div_u64(d->freq, 1000), 600);
	d->progress_tsc_max = (u64)tsc_khz * 10;
	atomic64_set(&d->last, r1);
	d->last_raw = r1;
	d->progress_tsc = rdtsc_ordered();
	vmi_page_setup(d);
	/*
	 * The clamp starts from the source reads will use: the page may be up
	 * to 1 ms behind the register, and reads would stand still that long.
	 */
	if (d->page && vmi_page_read(d, &v, &prev, &stable)) {
		atomic64_set(&d->last, v);
		d->last_raw = v;
		d->progress_tsc = prev;
	}
	return 0;
}

/**
 * vmi_cs_register() - register the "vmi-timer" clocksource (§5.5 step 6).
 * @d: the device.
 *
 * MUST_VERIFY keeps it under the kernel watchdog and keeps it from being the
 * watchdog. No vDSO mode: with it current, clock_gettime() is a syscall.
 *
 * Return: 0 or a negative errno.
 */
int vmi_cs_register(struct vmi_dev *d)
{
	int ret;

	d->cs = (struct clocksource) {
		.name = VMI_NAME,
		.rating = vmi_param_cs_rating,
		.read = vmi_cs_read,
		.mask = CLOCKSOURCE_MASK(64),
		.flags = CLOCK_SOURCE_IS_CONTINUOUS | CLOCK_SOURCE_MUST_VERIFY,
	};
	ret = clocksource_register_hz(&d->cs, (u32)d->freq);
	if (!ret)
		d->cs_registered = true;
	return ret;
}

/**
 * vmi_cs_unregister() - unregister the clocksource, whose code is about to go.
 * @d: the device.
 *
 * If it is current, the core switches to the best other one first; -EBUSY
 * (nothing else usable) is retried for 5 s.
 */
void vmi_cs_unregister(struct vmi_dev *d)
{
	unsigned int tries;
	int ret;

	if (!d->cs_registered)
		return;
	for (tries = 0; tries < 50; tries++) {
		ret = clocksource_unregister(&d->cs);
		if (ret != -EBUSY)
			break;
		msleep(100);
	}
	if (ret)
		dev_err(&d->pdev->dev, "clocksource unregister failed: %d\n", ret);
	else
		d->cs_registered = false;
}
