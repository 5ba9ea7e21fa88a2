/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal state of vmw_hostclock, the VMware host clock exposed as a PTP
 * hardware clock: the host time sources, the discontinuity check and the
 * statistics shared with debugfs.
 */
#ifndef PVTOOLS_HOSTCLOCK_H
#define PVTOOLS_HOSTCLOCK_H

#include <linux/atomic.h>
#include <linux/ptp_clock_kernel.h>
#include <linux/time64.h>
#include <linux/types.h>

#include "pvtools_compat.h"

/* Best first: the order in which they are probed. */
enum hostclock_source {
	HOSTCLOCK_SRC_PRECISE,		/* PRECISIONCLOCK (97) GETTIME, ns */
	HOSTCLOCK_SRC_FULL_LAG,		/* GETTIMEFULL_WITH_LAG (55), us */
	HOSTCLOCK_SRC_FULL,		/* GETTIMEFULL (46), us */
	HOSTCLOCK_NUM_SOURCES,
};

/**
 * struct hostclock_sample - one answer of the host.
 * @host_ns: host time, ns since the Unix epoch.
 * @max_lag_us: ECX of GETTIMEFULL(_WITH_LAG); 0 for the precise clock.
 * @interrupt_lag_us: EDI of GETTIMEFULL_WITH_LAG; 0 otherwise.
 */
struct hostclock_sample {
	s64 host_ns;
	u32 max_lag_us;
	u32 interrupt_lag_us;
};

enum hostclock_stat {
	HOSTCLOCK_STAT_READS,		/* host reads for PHC users */
	HOSTCLOCK_STAT_DAEMON_READS,	/* ... of them with system timestamps */
	HOSTCLOCK_STAT_READ_ERRORS,	/* answers that failed validation */
	HOSTCLOCK_STAT_CHECKS,		/* periodic offset checks */
	HOSTCLOCK_STAT_STEPS,		/* system clock steps done */
	HOSTCLOCK_STAT_DEFERRED,	/* steps left to a sync daemon */
	HOSTCLOCK_STAT_REFUSED_BACKWARD,/* guest ahead, step_backward off */
	HOSTCLOCK_STAT_HOST_BACKWARDS,	/* host time went back between checks */
	HOSTCLOCK_NUM_STATS,
};

/**
 * struct hostclock - the host clock as a PTP hardware clock.
 * @info: the PTP clock's operations.
 * @ptp: the registered PTP clock.
 * @source: the host time source in use, chosen once at load time.
 * @stats: counters of &enum hostclock_stat.
 * @last_offset_ns: last check: host minus guest CLOCK_REALTIME.
 * @last_step_ns: the last step applied to the system clock.
 * @last_host_ns: last check: what the host said.
 * @last_max_lag_us: last check: the host's maximum lag.
 * @last_interrupt_lag_us: last check: the host's interrupt lag.
 * @last_daemon_read: jiffies of the last read that asked for system
 *	timestamps (a sync daemon at work).
 * @failing: the host's answers are failing validation: logged once per
 *	episode.
 * @hold: why the last check did not step (&enum hostclock_hold): logged
 *	on change.
 *
 * No lock: the PTP callbacks and the aux worker run concurrently, and
 * every field they share is an atomic read or written whole.
 */
struct hostclock {
	struct ptp_clock_info info;
	struct ptp_clock *ptp;
	enum hostclock_source source;
	atomic64_t stats[HOSTCLOCK_NUM_STATS];
	atomic64_t last_offset_ns;
	atomic64_t last_step_ns;
	atomic64_t last_host_ns;
	atomic_t last_max_lag_us;
	atomic_t last_interrupt_lag_us;
	atomic_long_t last_daemon_read;
	atomic_t failing;
	atomic_t hold;
};

/* Why a check left a large offset alone. */
enum hostclock_hold {
	HOSTCLOCK_HOLD_NONE,
	HOSTCLOCK_HOLD_BACKWARD,
	HOSTCLOCK_HOLD_DAEMON,
};

/* Longest defer_to_daemon_s honoured; a read before load counts as older. */
#define HOSTCLOCK_MAX_DEFER_S	3600U

extern unsigned int hostclock_param_check_interval_ms;
extern unsigned int hostclock_param_step_threshold_ms;
extern unsigned int hostclock_param_defer_to_daemon_s;
extern bool hostclock_param_step_backward;

const char *hostclock_source_name(enum hostclock_source source);
/**
 * hostclock_read() - one host read with the given source.
 * @source: the time source.
 * @sample: the answer.
 *
 * Return: 0, or -EIO if the answer is not valid
 * (docs/protocol/backdoor-and-rpc.md E).
 */
int hostclock_read(enum hostclock_source source, struct hostclock_sample *sample);
/**
 * hostclock_probe_source() - find the best source that answers plausibly.
 * @source: set to it.
 *
 * Return: 0 or -ENODEV.
 */
int hostclock_probe_source(enum hostclock_source *source);

/**
 * hostclock_read_bracketed() - one host read between two CLOCK_REALTIME reads.
 * @hc: the clock.
 * @sample: the host's answer.
 * @pre: CLOCK_REALTIME before it.
 * @post: CLOCK_REALTIME after it.
 *
 * The tightest bracket of a few tries.
 *
 * Return: 0 or the error of hostclock_read().
 */
int hostclock_read_bracketed(struct hostclock *hc, struct hostclock_sample *sample,
			     struct timespec64 *pre, struct timespec64 *post);
/**
 * hostclock_check() - the periodic discontinuity check (PTP aux worker).
 * @hc: the clock.
 *
 * Return: the delay to the next check, in jiffies.
 */
long hostclock_check(struct hostclock *hc);

/**
 * hostclock_note_read() - count and log the outcome of a host read.
 * @hc: the clock.
 * @ret: what the read returned; failures log once per episode.
 */
void hostclock_note_read(struct hostclock *hc, int ret);

void hostclock_debugfs_init(struct hostclock *hc);
void hostclock_debugfs_exit(void);

static inline void hostclock_count(struct hostclock *hc, enum hostclock_stat stat)
{
	atomic64_inc(&hc->stats[stat]);
}

#endif /* PVTOOLS_HOSTCLOCK_H */
