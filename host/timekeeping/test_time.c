// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the host time model: register contracts of the time
 * commands, offset, anchored drift, steps back, the services switch, the
 * precise clock and discontinuities. KTAP; exit status = failures.
 */
#include <string.h>

#include "ktap.h"
#include "bdoor_time.h"

#define NS_PER_SEC	1000000000LL
/* 2023-11-14 22:13:20.123456789 UTC */
#define T0		(1700000000LL * NS_PER_SEC + 123456789LL)
#define UNTOUCHED	0x33333333u

static struct bdoor_regs call_regs(uint32_t ecx)
{
	struct bdoor_regs regs = {
		.rax = BDOOR_MAGIC, .rbx = UNTOUCHED, .rcx = ecx,
		.rdx = BDOOR_PORT, .rsi = UNTOUCHED, .rdi = UNTOUCHED,
	};

	return regs;
}

static int64_t full_ns(const struct bdoor_regs *r)
{
	int64_t seconds = (int64_t)(((uint64_t)r->rsi << 32) | (uint32_t)r->rdx);

	return seconds * NS_PER_SEC + (int64_t)r->rbx * 1000;
}

static bool gettimefull_contract(void)
{
	struct bdoor_time t = { 0 };
	struct bdoor_regs r = call_regs(BDOOR_CMD_GETTIMEFULL);

	bdoor_time_gettimefull(&t, T0, 1500, &r);
	CHECK(r.rax == BDOOR_MAGIC);
	CHECK(r.rsi == 0 && r.rdx == 1700000000u);
	CHECK(r.rbx == 123456);
	CHECK(r.rcx == 1500);
	CHECK(r.rdi == UNTOUCHED);
	CHECK(t.reads == 1);
	return true;
}

static bool with_lag_contract(void)
{
	struct bdoor_time t = { 0 };
	struct bdoor_regs r = call_regs(BDOOR_CMD_GETTIMEFULL_WITH_LAG);

	bdoor_time_gettimefull_with_lag(&t, T0, 1500, 40, &r);
	CHECK(r.rax == BDOOR_MAGIC && r.rdx == 1700000000u && r.rbx == 123456);
	CHECK(r.rcx == 1500 && r.rdi == 40);
	return true;
}

static bool gettime_contract(void)
{
	struct bdoor_time t = { 0 };
	struct bdoor_regs r = call_regs(BDOOR_CMD_GETTIME);

	bdoor_time_gettime(&t, T0, 1540, &r);
	CHECK(r.rax == 1700000000u && r.rbx == 123456 && r.rcx == 1540);
	CHECK(r.rsi == UNTOUCHED && r.rdi == UNTOUCHED);
	return true;
}

static bool offset_and_step_back(void)
{
	struct bdoor_time t = { 0 };
	struct bdoor_regs r = call_regs(BDOOR_CMD_GETTIMEFULL);

	t.offset_ns = 5 * NS_PER_SEC;
	bdoor_time_gettimefull(&t, T0, 0, &r);
	CHECK(full_ns(&r) == T0 + 5 * NS_PER_SEC - 789);
	bdoor_time_step(&t, -8 * NS_PER_SEC);
	r = call_regs(BDOOR_CMD_GETTIMEFULL);
	bdoor_time_gettimefull(&t, T0 + 1000, 0, &r);
	/* Later real time, earlier reported time: the host clock went back. */
	CHECK(full_ns(&r) == T0 - 3 * NS_PER_SEC + 1000 - 789);
	CHECK(bdoor_time_error_ns(&t, T0) == -3 * NS_PER_SEC);
	return true;
}

static bool drift_accumulates(void)
{
	struct bdoor_time t = { 0 };

	CHECK(!bdoor_time_set_drift_ppb(&t, T0, 100000));	/* 100 ppm */
	CHECK(bdoor_time_error_ns(&t, T0) == 0);
	CHECK(bdoor_time_error_ns(&t, T0 + 10 * NS_PER_SEC) == 1000000);
	CHECK(bdoor_time_error_ns(&t, T0 + 500000000LL) == 50000);
	CHECK(!bdoor_time_set_drift_ppb(&t, T0, -100000));
	CHECK(bdoor_time_error_ns(&t, T0 + 10 * NS_PER_SEC) == -1000000);
	return true;
}

/* Changing the drift must not make the reported clock jump. */
static bool drift_change_is_continuous(void)
{
	struct bdoor_time t = { 0 };
	int64_t t1 = T0 + 3600 * NS_PER_SEC, before, after;

	CHECK(!bdoor_time_set_drift_ppb(&t, T0, 250000));
	before = bdoor_time_report_ns(&t, t1);
	CHECK(!bdoor_time_set_drift_ppb(&t, t1, -40000));
	after = bdoor_time_report_ns(&t, t1);
	CHECK(before == after);
	CHECK(before - t1 == 900000000LL);	/* 250 ppm over an hour */
	CHECK(bdoor_time_report_ns(&t, t1 + NS_PER_SEC) == after + NS_PER_SEC - 40000);
	CHECK(!bdoor_time_set_drift_ppb(&t, t1 + NS_PER_SEC, 0));
	CHECK(bdoor_time_error_ns(&t, t1 + 100 * NS_PER_SEC) == 900000000LL - 40000);
	return true;
}

static bool drift_limits_and_no_overflow(void)
{
	struct bdoor_time t = { 0 };
	int64_t century = 100LL * 365 * 86400 * NS_PER_SEC;

	CHECK(bdoor_time_set_drift_ppb(&t, T0, BDOOR_TIME_MAX_DRIFT_PPB + 1));
	CHECK(bdoor_time_set_drift_ppb(&t, T0, -BDOOR_TIME_MAX_DRIFT_PPB - 1));
	CHECK(t.drift_ppb == 0);
	CHECK(!bdoor_time_set_drift_ppb(&t, 0, BDOOR_TIME_MAX_DRIFT_PPB));
	CHECK(bdoor_time_error_ns(&t, century) == century / 10);
	CHECK(!bdoor_time_set_drift_ppb(&t, 0, -BDOOR_TIME_MAX_DRIFT_PPB));
	CHECK(bdoor_time_error_ns(&t, century) == -century / 10);
	return true;
}

/* Microseconds stay in 0..999999 even when the reported time is negative. */
static bool split_before_epoch(void)
{
	struct bdoor_time t = { .offset_ns = -T0 - 1500 };
	struct bdoor_regs r = call_regs(BDOOR_CMD_GETTIMEFULL);

	bdoor_time_gettimefull(&t, T0, 0, &r);
	CHECK((uint32_t)r.rsi == 0xFFFFFFFFu && (uint32_t)r.rdx == 0xFFFFFFFFu);
	CHECK(r.rbx == 999998);
	return true;
}

static bool services_off_answer_unsupported(void)
{
	static const uint32_t cmds[] = {
		BDOOR_CMD_GETTIME, BDOOR_CMD_GETTIMEFULL, BDOOR_CMD_GETTIMEFULL_WITH_LAG,
		BDOOR_CMD_PRECISIONCLOCK,
	};
	struct bdoor_time t = { .services_off = true, .precise = true };
	unsigned int i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct bdoor_regs r = call_regs(cmds[i]);
		struct bdoor_regs want = r;

		switch (cmds[i]) {
		case BDOOR_CMD_GETTIME:
			bdoor_time_gettime(&t, T0, 7, &r);
			break;
		case BDOOR_CMD_GETTIMEFULL:
			bdoor_time_gettimefull(&t, T0, 7, &r);
			break;
		case BDOOR_CMD_GETTIMEFULL_WITH_LAG:
			bdoor_time_gettimefull_with_lag(&t, T0, 7, 8, &r);
			break;
		default:
			bdoor_time_precisionclock(&t, T0, &r);
			break;
		}
		want.rax = BDOOR_UNSUPPORTED;
		CHECK(!memcmp(&r, &want, sizeof(r)));
	}
	CHECK(t.reads == 0);
	return true;
}

static bool precise_clock(void)
{
	struct bdoor_time t = { .offset_ns = -123 };
	struct bdoor_regs r = call_regs(BDOOR_ECX(BDOOR_CMD_PRECISIONCLOCK, 0));
	uint64_t ns;

	bdoor_time_precisionclock(&t, T0, &r);
	CHECK(r.rax == BDOOR_UNSUPPORTED && r.rbx == UNTOUCHED);	/* not offered */
	t.precise = true;
	r = call_regs(BDOOR_ECX(BDOOR_CMD_PRECISIONCLOCK, BDOOR_PRECISIONCLOCK_GETTIME));
	bdoor_time_precisionclock(&t, T0, &r);
	ns = ((uint64_t)r.rbx << 32) | (uint32_t)r.rcx;
	CHECK(r.rax == BDOOR_PRECISIONCLOCK_OK);
	CHECK(ns == (uint64_t)(T0 - 123));
	CHECK(r.rdx == BDOOR_PORT && r.rsi == UNTOUCHED && r.rdi == UNTOUCHED);
	r = call_regs(BDOOR_ECX(BDOOR_CMD_PRECISIONCLOCK, BDOOR_PRECISIONCLOCK_SETTIME));
	bdoor_time_precisionclock(&t, T0, &r);
	CHECK(r.rax == BDOOR_UNSUPPORTED && r.rbx == UNTOUCHED);
	r = call_regs(BDOOR_ECX(BDOOR_CMD_PRECISIONCLOCK, 0x7777));
	bdoor_time_precisionclock(&t, T0, &r);
	CHECK(r.rax == BDOOR_UNSUPPORTED);
	return true;
}

static bool discontinuity(void)
{
	struct bdoor_time t = { 0 };

	bdoor_time_discontinuity(&t, 10 * NS_PER_SEC);
	bdoor_time_discontinuity(&t, 0);
	CHECK(t.discontinuities == 2);
	CHECK(bdoor_time_error_ns(&t, T0) == 10 * NS_PER_SEC);
	CHECK(!strcmp(bdoor_time_sync_command(), "Time_Synchronize 1"));
	return true;
}

static bool faults(void)
{
	struct bdoor_time t = { .precise = true };
	struct bdoor_regs r = call_regs(BDOOR_CMD_GETTIMEFULL_WITH_LAG), want = r;

	CHECK(bdoor_time_set_fault(&t, "no-such-fault"));
	CHECK(!bdoor_time_set_fault(&t, "untouched"));
	bdoor_time_gettimefull_with_lag(&t, T0, 1, 2, &r);
	CHECK(!memcmp(&r, &want, sizeof(r)));		/* EAX still MAGIC */
	r = call_regs(BDOOR_CMD_PRECISIONCLOCK);
	want = r;
	bdoor_time_precisionclock(&t, T0, &r);
	CHECK(!memcmp(&r, &want, sizeof(r)));

	CHECK(!bdoor_time_set_fault(&t, "bad-micros"));
	r = call_regs(BDOOR_CMD_GETTIMEFULL);
	bdoor_time_gettimefull(&t, T0, 0, &r);
	CHECK(r.rax == BDOOR_MAGIC && r.rbx == 1123456 && r.rdx == 1700000000u);

	CHECK(!bdoor_time_set_fault(&t, "zero-seconds"));
	r = call_regs(BDOOR_CMD_GETTIMEFULL);
	bdoor_time_gettimefull(&t, T0, 0, &r);
	CHECK(r.rax == BDOOR_MAGIC && r.rsi == 0 && r.rdx == 0 && r.rbx == 123456);

	CHECK(!bdoor_time_set_fault(&t, "precise-error"));
	CHECK(!strcmp(bdoor_time_fault_name(t.fault), "precise-error"));
	r = call_regs(BDOOR_CMD_PRECISIONCLOCK);
	bdoor_time_precisionclock(&t, T0, &r);
	CHECK(r.rax == 1 && r.rbx == UNTOUCHED);
	r = call_regs(BDOOR_CMD_GETTIMEFULL);
	bdoor_time_gettimefull(&t, T0, 0, &r);
	CHECK(full_ns(&r) == T0 - 789);
	return true;
}

int main(void)
{
	printf("KTAP version 1\n1..12\n");
	ktap_run("gettimefull_contract", gettimefull_contract);
	ktap_run("with_lag_contract", with_lag_contract);
	ktap_run("gettime_contract", gettime_contract);
	ktap_run("offset_and_step_back", offset_and_step_back);
	ktap_run("drift_accumulates", drift_accumulates);
	ktap_run("drift_change_is_continuous", drift_change_is_continuous);
	ktap_run("drift_limits_and_no_overflow", drift_limits_and_no_overflow);
	ktap_run("split_before_epoch", split_before_epoch);
	ktap_run("services_off_answer_unsupported", services_off_answer_unsupported);
	ktap_run("precise_clock", precise_clock);
	ktap_run("discontinuity", discontinuity);
	ktap_run("faults", faults);
	return ktap_failures;
}
