// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the host's clock through the backdoor: the precise clock
 * (PRECISIONCLOCK GETTIME, ns) and GETTIMEFULL(_WITH_LAG) (us), each answer
 * checked against what a broken or absent host leaves in the registers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/time64.h>

#include <pvtools/pvcore.h>
#include "hostclock.h"

/*
 * A host clock before this (2024-01-01) or from this (2242) on is broken,
 * or a register the host did not write (docs/protocol/backdoor-and-rpc.md E3); both
 * bounds keep ns in s64.
 */
#define HOSTCLOCK_MIN_SECONDS	1704067200LL
#define HOSTCLOCK_MAX_SECONDS	((s64)BIT_ULL(33))
/* A lag of more than 1000 s is not a lag but garbage (docs/protocol/backdoor-and-rpc.md E3). */
#define HOSTCLOCK_MAX_LAG_US	1000000000u
/*
 * Preloaded where an untouched register must read as invalid
 * (docs/protocol/backdoor-and-rpc.md E2).
 */
#define HOSTCLOCK_SENTINEL	0xFFFFFFFFu
/* The precise clock and GETTIMEFULL must agree this well at probe time. */
#define HOSTCLOCK_PROBE_AGREE_NS	NSEC_PER_SEC
#define HOSTCLOCK_PROBE_TRIES	3

static const char *const source_names[HOSTCLOCK_NUM_SOURCES] = {
	[HOSTCLOCK_SRC_PRECISE] = "precisionclock",
	[HOSTCLOCK_SRC_FULL_LAG] = "gettimefull_with_lag",
	[HOSTCLOCK_SRC_FULL] = "gettimefull",
};

const char *hostclock_source_name(enum hostclock_source source)
{
	return source < HOSTCLOCK_NUM_SOURCES ? source_names[source] : "none";
}

static bool seconds_plausible(s64 seconds)
{
	return seconds >= HOSTCLOCK_MIN_SECONDS && seconds < HOSTCLOCK_MAX_SECONDS;
}

/* EAX = 0 and EBX:ECX = ns; EBX is preloaded 0 so an untouched pair is tiny. */
static int read_precise(struct hostclock_sample *sample)
{
	struct bdoor_regs regs = {
		.rcx = BDOOR_ECX(BDOOR_CMD_PRECISIONCLOCK, BDOOR_PRECISIONCLOCK_GETTIME),
	};
	u64 ns;

	pvcore_backdoor(&regs);
	if ((u32)regs.rax != BDOOR_PRECISIONCLOCK_OK)
		return -EIO;
	ns = ((u64)(u32)regs.rbx << 32) | (u32)regs.rcx;
	if (!seconds_plausible(div_u64(ns, NSEC_PER_SEC)))
		return -EIO;
	sample->host_ns = ns;
	sample->max_lag_us = 0;
	sample->interrupt_lag_us = 0;
	return 0;
}

/*
 * EAX stays MAGIC, ESI:EDX = seconds, EBX = us, ECX = max lag, EDI (55 only)
 * = interrupt lag. Every output register starts out invalid.
 */
static int read_full(u32 cmd, struct hostclock_sample *sample)
{
	struct bdoor_regs regs = {
		.rbx = HOSTCLOCK_SENTINEL,
		.rcx = BDOOR_ECX(cmd, 0),
		.rsi = HOSTCLOCK_SENTINEL,
		.rdi = HOSTCLOCK_SENTINEL,
	};
	u32 micros, max_lag, interrupt_lag = 0;
	s64 seconds;

	pvcore_backdoor(&regs);
	if ((u32)regs.rax != BDOOR_MAGIC)
		return -EIO;
	seconds = (s64)(((u64)(u32)regs.rsi << 32) | (u32)regs.rdx);
	micros = (u32)regs.rbx;
	max_lag = (u32)regs.rcx;
	if (cmd == BDOOR_CMD_GETTIMEFULL_WITH_LAG)
		interrupt_lag = (u32)regs.rdi;
	if (!seconds_plausible(seconds) || micros >= BDOOR_USEC_PER_SEC ||
	    max_lag >= HOSTCLOCK_MAX_LAG_US || interrupt_lag >= HOSTCLOCK_MAX_LAG_US)
		return -EIO;
	/* The host truncates to whole us: the middle of that us is closest. */
	sample->host_ns = seconds * NSEC_PER_SEC + micros * NSEC_PER_USEC + NSEC_PER_USEC / 2;
	sample->max_lag_us = max_lag;
	sample->interrupt_lag_us = interrupt_lag;
	return 0;
}

int hostclock_read(enum hostclock_source source, struct hostclock_sample *sample)
{
	switch (source) {
	case HOSTCLOCK_SRC_PRECISE:
		return read_precise(sample);
	case HOSTCLOCK_SRC_FULL_LAG:
		return read_full(BDOOR_CMD_GETTIMEFULL_WITH_LAG, sample);
	case HOSTCLOCK_SRC_FULL:
		return read_full(BDOOR_CMD_GETTIMEFULL, sample);
	default:
		return -EINVAL;
	}
}

static bool source_answers(enum hostclock_source source, struct hostclock_sample *sample)
{
	int i;

	for (i = 0; i < HOSTCLOCK_PROBE_TRIES; i++)
		if (!hostclock_read(source, sample))
			return true;
	return false;
}

/*
 * The precise clock is only trusted when it agrees with GETTIMEFULL, if the
 * host has that: a host that answers 97 with a wrong epoch must not win.
 */
static bool precise_agrees(const struct hostclock_sample *precise)
{
	struct hostclock_sample full;

	if (!source_answers(HOSTCLOCK_SRC_FULL, &full))
		return true;
	return abs(precise->host_ns - full.host_ns) < HOSTCLOCK_PROBE_AGREE_NS;
}

int hostclock_probe_source(enum hostclock_source *source)
{
	struct hostclock_sample sample;
	enum hostclock_source s;

	for (s = 0; s < HOSTCLOCK_NUM_SOURCES; s++) {
		if (!source_answers(s, &sample))
			continue;
		if (s == HOSTCLOCK_SRC_PRECISE && !precise_agrees(&sample)) {
			pr_warn("precise clock disagrees with GETTIMEFULL by more than 1 s; not used\n");
			continue;
		}
		*source = s;
		return 0;
	}
	return -ENODEV;
}
