// SPDX-License-Identifier: GPL-2.0
/*
 * The discontinuity check: every check_interval_ms the guest's
 * CLOCK_REALTIME is compared with the host clock; when it is off by more than
 * step_threshold_ms the guest clock is stepped once, unless a sync daemon
 * reading this PHC owns the clock (whichever the direction) or the step
 * would go backward without permission.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/irqflags.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>

#include "hostclock.h"

#define HOSTCLOCK_BRACKET_TRIES	3
/* Host time may wobble by its own resolution; only count real steps back. */
#define HOSTCLOCK_BACKWARD_SLACK_NS	(100 * NSEC_PER_USEC)

int hostclock_read_bracketed(struct hostclock *hc, struct hostclock_sample *sample,
			     struct timespec64 *pre, struct timespec64 *post)
{
	s64 best_gap = S64_MAX;
	int i, ret = -EIO;

	for (i = 0; i < HOSTCLOCK_BRACKET_TRIES; i++) {
		struct hostclock_sample s;
		struct timespec64 before, after;
		unsigned long flags;
		s64 gap;

		local_irq_save(flags);
		ktime_get_real_ts64(&before);
		ret = hostclock_read(hc->source, &s);
		ktime_get_real_ts64(&after);
		local_irq_restore(flags);
		if (ret)
			continue;
		gap = timespec64_to_ns(&after) - timespec64_to_ns(&before);
		if (gap < 0 || gap >= best_gap)
			continue;
		best_gap = gap;
		*sample = s;
		*pre = before;
		*post = after;
	}
	return best_gap == S64_MAX ? ret : 0;
}

static bool daemon_active(struct hostclock *hc)
{
	unsigned long window = min(hostclock_param_defer_to_daemon_s,
				   HOSTCLOCK_MAX_DEFER_S) * (unsigned long)HZ;

	return window &&
	       time_before(jiffies, atomic_long_read(&hc->last_daemon_read) + window);
}

/* Moves CLOCK_REALTIME by offset_ns from where it is now. */
static int step_clock(s64 offset_ns)
{
	struct timespec64 now;

	ktime_get_real_ts64(&now);
	now = ns_to_timespec64(timespec64_to_ns(&now) + offset_ns);
	return do_settimeofday64(&now);
}

/* True the first time in a row a check holds back for this reason. */
static bool hold_changed(struct hostclock *hc, enum hostclock_hold why)
{
	return atomic_xchg(&hc->hold, why) != why;
}

static void maybe_step(struct hostclock *hc, s64 offset_ns)
{
	s64 threshold = (s64)hostclock_param_step_threshold_ms * NSEC_PER_MSEC;
	int ret;

	if (!threshold || abs(offset_ns) <= threshold) {
		hold_changed(hc, HOSTCLOCK_HOLD_NONE);
		return;
	}
	if (daemon_active(hc)) {
		hostclock_count(hc, HOSTCLOCK_STAT_DEFERRED);
		if (hold_changed(hc, HOSTCLOCK_HOLD_DAEMON))
			pr_notice_ratelimited("guest clock off the host by %lld ms; left to the sync daemon reading /dev/ptp%d\n",
					      offset_ns / NSEC_PER_MSEC, ptp_clock_index(hc->ptp));
		return;
	}
	if (offset_ns < 0 && !hostclock_param_step_backward) {
		hostclock_count(hc, HOSTCLOCK_STAT_REFUSED_BACKWARD);
		if (hold_changed(hc, HOSTCLOCK_HOLD_BACKWARD))
			pr_notice_ratelimited("guest clock %lld ms ahead of the host; not stepping back (step_backward=0)\n",
					      -offset_ns / NSEC_PER_MSEC);
		return;
	}
	hold_changed(hc, HOSTCLOCK_HOLD_NONE);
	ret = step_clock(offset_ns);
	if (ret) {
		pr_warn_ratelimited("cannot step the guest clock: %d\n", ret);
		return;
	}
	hostclock_count(hc, HOSTCLOCK_STAT_STEPS);
	atomic64_set(&hc->last_step_ns, offset_ns);
	pr_info_ratelimited("guest clock was off the host by %lld us: stepped\n",
			    offset_ns / NSEC_PER_USEC);
}

long hostclock_check(struct hostclock *hc)
{
	long next = msecs_to_jiffies(hostclock_param_check_interval_ms);
	struct hostclock_sample sample;
	struct timespec64 pre, post;
	s64 guest_ns, offset_ns, last_host;
	int ret;

	hostclock_count(hc, HOSTCLOCK_STAT_CHECKS);
	ret = hostclock_read_bracketed(hc, &sample, &pre, &post);
	hostclock_note_read(hc, ret);
	if (ret)
		return next;
	guest_ns = timespec64_to_ns(&pre) / 2 + timespec64_to_ns(&post) / 2;
	offset_ns = sample.host_ns - guest_ns;
	last_host = atomic64_xchg(&hc->last_host_ns, sample.host_ns);
	if (last_host && sample.host_ns + HOSTCLOCK_BACKWARD_SLACK_NS < last_host)
		hostclock_count(hc, HOSTCLOCK_STAT_HOST_BACKWARDS);
	atomic64_set(&hc->last_offset_ns, offset_ns);
	atomic_set(&hc->last_max_lag_us, sample.max_lag_us);
	atomic_set(&hc->last_interrupt_lag_us, sample.interrupt_lag_us);
	maybe_step(hc, offset_ns);
	return next;
}
