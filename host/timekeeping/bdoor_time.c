// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host time services of the emulated VMware host: the reported clock (real
 * host time plus offset plus anchored drift) and the register contracts of
 * GETTIME (23), GETTIMEFULL (46), GETTIMEFULL_WITH_LAG (55) and
 * PRECISIONCLOCK (97): docs/protocol/backdoor-and-rpc.md A.5, docs/protocol/time.md D.1 and D.4.
 */
#include <string.h>

#include "bdoor_time.h"

#define NS_PER_SEC	1000000000LL
#define NS_PER_USEC	1000LL

static const char *const fault_names[BDOOR_TIME_FAULT_COUNT] = {
	[BDOOR_TIME_FAULT_NONE] = "none",
	[BDOOR_TIME_FAULT_UNTOUCHED] = "untouched",
	[BDOOR_TIME_FAULT_BAD_MICROS] = "bad-micros",
	[BDOOR_TIME_FAULT_ZERO_SECONDS] = "zero-seconds",
	[BDOOR_TIME_FAULT_PRECISE_ERROR] = "precise-error",
};

const char *bdoor_time_fault_name(enum bdoor_time_fault fault)
{
	return fault < BDOOR_TIME_FAULT_COUNT ? fault_names[fault] : "?";
}

int bdoor_time_set_fault(struct bdoor_time *t, const char *name)
{
	unsigned int fault;

	for (fault = 0; fault < BDOOR_TIME_FAULT_COUNT; fault++) {
		if (!strcmp(name, fault_names[fault])) {
			t->fault = fault;
			return 0;
		}
	}
	return -1;
}

/* Floor division, so times before the epoch still split into s + us. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* elapsed * ppb / 1e9 without overflow for any elapsed the host can see. */
static int64_t drift_since(int64_t elapsed_ns, int64_t ppb)
{
	int64_t seconds = floor_div(elapsed_ns, NS_PER_SEC);
	int64_t rest = elapsed_ns - seconds * NS_PER_SEC;

	return seconds * ppb + floor_div(rest * ppb, NS_PER_SEC);
}

static int64_t drift_ns(const struct bdoor_time *t, int64_t real_ns)
{
	return t->drift_at_anchor_ns + drift_since(real_ns - t->drift_anchor_ns, t->drift_ppb);
}

int64_t bdoor_time_error_ns(const struct bdoor_time *t, int64_t real_ns)
{
	return t->offset_ns + drift_ns(t, real_ns);
}

int64_t bdoor_time_report_ns(const struct bdoor_time *t, int64_t real_ns)
{
	return real_ns + bdoor_time_error_ns(t, real_ns);
}

int bdoor_time_set_drift_ppb(struct bdoor_time *t, int64_t real_ns, int64_t ppb)
{
	if (ppb > BDOOR_TIME_MAX_DRIFT_PPB || ppb < -BDOOR_TIME_MAX_DRIFT_PPB)
		return -1;
	t->drift_at_anchor_ns = drift_ns(t, real_ns);
	t->drift_anchor_ns = real_ns;
	t->drift_ppb = ppb;
	return 0;
}

void bdoor_time_step(struct bdoor_time *t, int64_t delta_ns)
{
	t->offset_ns += delta_ns;
}

void bdoor_time_discontinuity(struct bdoor_time *t, int64_t lost_ns)
{
	bdoor_time_step(t, lost_ns);
	t->discontinuities++;
}

/*
 * open-vm-tools' handler reads one unsigned argument; 1 allows a backward
 * step. After a resume the guest may be on either side, so allow it.
 */
const char *bdoor_time_sync_command(void)
{
	return TCLO_CMD_TIME_SYNCHRONIZE " 1";
}

struct split_time {
	int64_t seconds;
	uint32_t micros;
};

static struct split_time split_report(struct bdoor_time *t, int64_t real_ns)
{
	int64_t us = floor_div(bdoor_time_report_ns(t, real_ns), NS_PER_USEC);
	struct split_time out = {
		.seconds = floor_div(us, 1000000),
	};

	out.micros = (uint32_t)(us - out.seconds * 1000000);
	if (t->fault == BDOOR_TIME_FAULT_BAD_MICROS)
		out.micros += 1000000;
	else if (t->fault == BDOOR_TIME_FAULT_ZERO_SECONDS)
		out.seconds = 0;
	t->reads++;
	return out;
}

/* Services off: the unsupported answer; the untouched fault: no answer at all. */
static bool refuse(const struct bdoor_time *t, struct bdoor_regs *regs)
{
	if (t->fault == BDOOR_TIME_FAULT_UNTOUCHED)
		return true;
	if (!t->services_off)
		return false;
	regs->rax = BDOOR_UNSUPPORTED;
	return true;
}

void bdoor_time_gettime(struct bdoor_time *t, int64_t real_ns, uint32_t max_lag_us,
			struct bdoor_regs *regs)
{
	struct split_time now;

	if (refuse(t, regs))
		return;
	now = split_report(t, real_ns);
	regs->rax = (uint32_t)now.seconds;
	regs->rbx = now.micros;
	regs->rcx = max_lag_us;
}

/* EAX stays MAGIC: that is how the guest tells success. */
void bdoor_time_gettimefull(struct bdoor_time *t, int64_t real_ns, uint32_t max_lag_us,
			    struct bdoor_regs *regs)
{
	struct split_time now;

	if (refuse(t, regs))
		return;
	now = split_report(t, real_ns);
	regs->rsi = (uint32_t)((uint64_t)now.seconds >> 32);
	regs->rdx = (uint32_t)now.seconds;
	regs->rbx = now.micros;
	regs->rcx = max_lag_us;
}

void bdoor_time_gettimefull_with_lag(struct bdoor_time *t, int64_t real_ns,
				     uint32_t max_lag_us, uint32_t interrupt_lag_us,
				     struct bdoor_regs *regs)
{
	if (refuse(t, regs))
		return;
	bdoor_time_gettimefull(t, real_ns, max_lag_us, regs);
	regs->rdi = interrupt_lag_us;
}

/*
 * Only GETTIME has a known contract; SETTIME/ADJTIME/ADJFREQ (and any other
 * sub-command) fail with a non-zero EAX, which ptp_vmw turns into -EIO.
 */
void bdoor_time_precisionclock(struct bdoor_time *t, int64_t real_ns, struct bdoor_regs *regs)
{
	uint64_t ns;

	if (!t->precise || refuse(t, regs) ||
	    BDOOR_SUBCMD((uint32_t)regs->rcx) != BDOOR_PRECISIONCLOCK_GETTIME) {
		if (t->fault != BDOOR_TIME_FAULT_UNTOUCHED)
			regs->rax = BDOOR_UNSUPPORTED;
		return;
	}
	if (t->fault == BDOOR_TIME_FAULT_PRECISE_ERROR) {
		regs->rax = 1;
		return;
	}
	ns = (uint64_t)bdoor_time_report_ns(t, real_ns);
	t->reads++;
	regs->rax = BDOOR_PRECISIONCLOCK_OK;
	regs->rbx = (uint32_t)(ns >> 32);
	regs->rcx = (uint32_t)ns;
}
