// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the VMI timer host model (vmi_timer.c) with a fake clock, a
 * fake TSC, a fake guest page and recorded timer arms / MSI-X messages.
 * KTAP output; run under ASan/UBSan by `make -C host test`.
 */
#include <stdlib.h>
#include <string.h>

#include "ktap.h"
#include "vmi_timer.h"

#define PAGE_GPA	0x200000ull
#define TSC_HZ		2600000000ull

struct env {
	struct vmim m;
	uint64_t now;			/* ns */
	uint64_t tsc_base;		/* TSC at now == 0 */
	uint64_t deadline[VMIM_MAX_SLOTS];
	unsigned int notified[VMIM_MAX_SLOTS];
	unsigned int notify_total;
	uint8_t page[VMI_SHARED_PAGE_SIZE];
	unsigned int stalls;
	uint64_t now_step;		/* added after every now_ns() read */
};

static struct env E;

static uint64_t e_now(void *o)
{
	struct env *e = o;
	uint64_t now = e->now;

	e->now += e->now_step;
	return now;
}

static uint64_t e_tsc(void *o)
{
	struct env *e = o;

	return e->tsc_base + (uint64_t)((unsigned __int128)e->now * TSC_HZ / 1000000000ull);
}

static uint64_t e_tsc_hz(void *o) { return TSC_HZ; }
static uint64_t e_wall(void *o) { return 1700000000ull * 1000000000ull + ((struct env *)o)->now; }

static void e_arm(void *o, unsigned int slot, uint64_t deadline)
{
	((struct env *)o)->deadline[slot] = deadline;
}

static void e_notify(void *o, unsigned int entry)
{
	struct env *e = o;

	if (entry < VMIM_MAX_SLOTS)
		e->notified[entry]++;
	e->notify_total++;
}

static bool e_write(void *o, uint64_t gpa, const void *buf, size_t len)
{
	struct env *e = o;

	if (gpa < PAGE_GPA || gpa + len > PAGE_GPA + sizeof(e->page))
		return false;
	memcpy(e->page + (gpa - PAGE_GPA), buf, len);
	return true;
}

/* Time passes while the answer is held back. */
static void e_stall(void *o, uint64_t ns)
{
	struct env *e = o;

	e->now += ns;
	e->stalls++;
}

static const struct vmim_ops ops = {
	.now_ns = e_now, .tsc_now = e_tsc, .tsc_hz = e_tsc_hz, .wall_ns = e_wall,
	.arm = e_arm, .notify = e_notify, .write_guest = e_write, .stall = e_stall,
};

static struct vmim *setup(void)
{
	memset(&E, 0, sizeof(E));
	E.now = 5000000;
	E.tsc_base = 123456789;
	vmim_init(&E.m, &ops, &E, 4, VMIM_DEFAULT_FREQ);
	vmim_write(&E.m, VMI_REG_CONTROL, VMI_CONTROL_ENABLE, 4);
	return &E.m;
}

/* Advance the fake clock, running each slot's host timer when it is due. */
static void advance(uint64_t ns)
{
	uint64_t end = E.now + ns;

	for (;;) {
		uint64_t next = UINT64_MAX;
		unsigned int s, best = 0;

		for (s = 0; s < E.m.nr_slots; s++) {
			if (E.deadline[s] < next) {
				next = E.deadline[s];
				best = s;
			}
		}
		if (next > end)
			break;
		if (next > E.now)
			E.now = next;
		vmim_timer_expired(&E.m, best);
	}
	E.now = end;
}

static void bind(unsigned int s)
{
	vmim_write(&E.m, VMI_SLOT_BASE(s) + VMI_SLOT_MSIX_ENTRY, s, 4);
}

static uint32_t set_alarm(unsigned int s, uint32_t flags, uint64_t expiry, uint64_t period)
{
	vmim_write(&E.m, VMI_SLOT_BASE(s) + VMI_SLOT_ALARM_EXPIRY, expiry, 8);
	vmim_write(&E.m, VMI_SLOT_BASE(s) + VMI_SLOT_ALARM_PERIOD, period, 8);
	vmim_write(&E.m, VMI_SLOT_BASE(s) + VMI_SLOT_ALARM_CMD, flags, 4);
	return (uint32_t)vmim_read(&E.m, VMI_SLOT_BASE(s) + VMI_SLOT_ALARM_RESULT, 4);
}

static uint32_t cancel(unsigned int s, uint32_t counter)
{
	vmim_write(&E.m, VMI_SLOT_BASE(s) + VMI_SLOT_ALARM_CMD, VMI_ALARM_CMD_CANCEL | counter, 4);
	return (uint32_t)vmim_read(&E.m, VMI_SLOT_BASE(s) + VMI_SLOT_ALARM_RESULT, 4);
}

static uint32_t state(unsigned int s)
{
	return (uint32_t)vmim_read(&E.m, VMI_SLOT_BASE(s) + VMI_SLOT_ALARM_STATE, 4);
}

static bool test_identity(void)
{
	struct vmim *m = setup();
	uint32_t lo, hi;

	CHECK(vmim_read(m, VMI_REG_MAGIC, 4) == VMI_SIGNATURE);
	CHECK(vmim_read(m, VMI_REG_API_MAJOR, 1) == 3);
	CHECK(vmim_read(m, VMI_REG_API_MINOR, 1) == 0);
	CHECK(vmim_read(m, VMI_REG_ABI_REV, 2) == VMI_ABI_REV);
	CHECK(vmim_read(m, VMI_REG_NR_SLOTS, 4) == 4);
	CHECK(vmim_read(m, VMI_REG_FEATURES, 4) & VMI_FEAT_SHARED_PAGE);
	CHECK(vmim_read(m, VMI_REG_CYCLE_FREQUENCY, 8) == 1000000000ull);
	CHECK(vmim_read(m, VMI_REG_REAL_COUNTER, 8) == 5000000);
	CHECK(vmim_read(m, VMI_REG_STATUS, 4) & VMI_STATUS_READY);
	/* Split reads: LO latches HI. */
	E.now = 0x1FFFFFFF0ull;
	lo = (uint32_t)vmim_read(m, VMI_REG_REAL_COUNTER, 4);
	E.now = 0x200000010ull;
	hi = (uint32_t)vmim_read(m, VMI_REG_REAL_COUNTER + 4, 4);
	CHECK(((uint64_t)hi << 32 | lo) == 0x1FFFFFFF0ull);
	/* Out of range and misaligned: 0, no crash. */
	CHECK(vmim_read(m, VMI_SLOT_BASE(4), 4) == 0);
	CHECK(vmim_read(m, VMI_REG_REAL_COUNTER + 1, 4) == 0);
	CHECK(vmim_read(m, 0x800, 8) == 0);
	return true;
}

static bool test_oneshot(void)
{
	setup();
	bind(1);
	/* §2.4 rule 3: period 0 arms a one-shot whatever the mode bit. */
	CHECK(set_alarm(1, VMI_ALARM_IS_PERIODIC | VMI_ALARM_WIRED_LVTT, E.now + 1000, 0) ==
	      VMI_SET_OK);
	CHECK((state(1) & (VMI_STATE_ARMED(0) | VMI_STATE_PERIODIC(0))) == VMI_STATE_ARMED(0));
	CHECK(E.deadline[1] == E.now + 1000);
	advance(999);
	CHECK(E.notified[1] == 0);
	advance(1);
	CHECK(E.notified[1] == 1);
	CHECK(!(state(1) & VMI_STATE_ARMED(0)));
	CHECK(state(1) & VMI_STATE_FIRED(0));
	CHECK(vmim_read(&E.m, VMI_SLOT_BASE(1) + VMI_SLOT_FIRE_COUNT, 4) == 1);
	CHECK(vmim_read(&E.m, VMI_SLOT_BASE(1) + VMI_SLOT_LAST_EXPIRY, 8) == 5001000);
	vmim_write(&E.m, VMI_SLOT_BASE(1) + VMI_SLOT_ACK, VMI_STATE_FIRED(0), 4);
	CHECK(!(state(1) & VMI_STATE_FIRED(0)));
	advance(1000000);
	CHECK(E.notified[1] == 1);
	/* A past expiry fires from the host timer at once, not in the write. */
	set_alarm(1, VMI_ALARM_WIRED_LVTT, 1, 0);
	CHECK(E.notified[1] == 1 && E.deadline[1] == E.now);
	advance(0);
	CHECK(E.notified[1] == 2);
	return true;
}

static bool test_rearm_and_rule5(void)
{
	setup();
	bind(0);
	set_alarm(0, 0, E.now + 500, 0);
	/* Rule 4: a second set replaces the first. */
	set_alarm(0, 0, E.now + 2000, 0);
	advance(1000);
	CHECK(E.notified[0] == 0);
	advance(1000);
	CHECK(E.notified[0] == 1);
	/* Rule 5: STOLEN or unknown counter: no-op with result 1. */
	CHECK(set_alarm(0, VMI_CYCLES_STOLEN, E.now + 10, 0) == VMI_SET_NOT_CAPABLE);
	CHECK(set_alarm(0, 7, E.now + 10, 0) == VMI_SET_NOT_CAPABLE);
	CHECK(!(state(0) & (VMI_STATE_ARMED(0) | VMI_STATE_ARMED(1))));
	CHECK(E.deadline[0] == UINT64_MAX);
	return true;
}

static bool test_cancel_results(void)
{
	setup();
	bind(2);
	set_alarm(2, 0, E.now + 100, 0);
	CHECK(cancel(2, 0) == 1);		/* one-shot before fire */
	CHECK(cancel(2, 0) == 0);		/* never set now */
	set_alarm(2, 0, E.now + 100, 0);
	advance(200);
	CHECK(E.notified[2] == 1);
	CHECK(cancel(2, 0) == 0);		/* one-shot after fire */
	set_alarm(2, VMI_ALARM_IS_PERIODIC, E.now + 100, 100);
	advance(1000);
	CHECK(cancel(2, VMI_ALARM_IS_PERIODIC | VMI_ALARM_WIRED_LVTT) == 1);	/* masked */
	CHECK(cancel(2, 9) == 0);
	return true;
}

static bool test_periodic_no_burst(void)
{
	uint64_t e0;
	unsigned int n;

	setup();
	bind(3);
	e0 = E.now + 3000;
	set_alarm(3, VMI_ALARM_IS_PERIODIC, e0, 2000);
	advance(3000 + 2000 * 4);	/* fires at e0, +2000 ... +8000: 5 */
	CHECK(E.notified[3] == 5);
	/* A 10-period stall: the host timer runs late, once. */
	E.now += 2000 * 10 + 500;
	n = E.notified[3];
	vmim_timer_expired(&E.m, 3);
	CHECK(E.notified[3] == n + 1);
	/* Back on the grid E(i) = e0 + 2000 i, the first one beyond now. */
	CHECK(E.deadline[3] > E.now && (E.deadline[3] - e0) % 2000 == 0);
	CHECK(E.deadline[3] - E.now <= 2000);
	advance(2000 * 3);
	CHECK(E.notified[3] == n + 4);
	return true;
}

static bool test_steal(void)
{
	uint64_t avail, stolen, real;

	setup();
	bind(0);
	bind(1);
	/* Both slots: an alarm at +1 ms, one on REAL, one on AVAILABLE. */
	set_alarm(0, VMI_CYCLES_REAL, E.now + 1000000, 0);
	set_alarm(1, VMI_CYCLES_AVAILABLE,
		  vmim_read(&E.m, VMI_SLOT_BASE(1) + VMI_SLOT_AVAILABLE_COUNTER, 8) + 1000000, 0);
	CHECK(vmim_inject_steal(&E.m, 1, 400000) == 0);
	CHECK(vmim_inject_steal(&E.m, 9, 1) < 0);
	advance(1000000);
	CHECK(E.notified[0] == 1 && E.notified[1] == 0);
	advance(400000);
	CHECK(E.notified[1] == 1);
	/* The latched snapshot: REAL = AVAILABLE + STOLEN exactly. */
	avail = vmim_read(&E.m, VMI_SLOT_BASE(1) + VMI_SLOT_AVAILABLE_COUNTER, 8);
	E.now += 777;
	stolen = vmim_read(&E.m, VMI_SLOT_BASE(1) + VMI_SLOT_STOLEN_COUNTER, 8);
	real = vmim_read(&E.m, VMI_SLOT_BASE(1) + VMI_SLOT_REAL_COUNTER, 8);
	CHECK(stolen == 400000);
	CHECK(real == avail + stolen);
	/* Unlatched, REAL is live again. */
	CHECK(vmim_read(&E.m, VMI_SLOT_BASE(1) + VMI_SLOT_REAL_COUNTER, 8) == E.now);
	/* Slot 0 stole nothing. */
	CHECK(vmim_read(&E.m, VMI_SLOT_BASE(0) + VMI_SLOT_STOLEN_COUNTER, 8) == 0);
	/* Stolen never exceeds REAL. */
	vmim_inject_steal(&E.m, 2, UINT64_MAX / 4);
	CHECK(vmim_counter(&E.m, 2, VMI_CYCLES_STOLEN) <= vmim_real(&E.m));
	return true;
}

static bool test_scale(void)
{
	uint32_t mul;
	int8_t shift;
	uint64_t c, d;

	/* No cumulative error: 10^9 cycles from 1000 s of TSC. */
	vmim_calc_scale(TSC_HZ, 1000000000ull, &mul, &shift);
	c = vmim_scale_delta(TSC_HZ * 1000, mul, shift);
	d = c > 1000000000000ull ? c - 1000000000000ull : 1000000000000ull - c;
	CHECK(d < 1000000);			/* < 1 ppm */
	c = vmim_scale_delta(TSC_HZ, mul, shift);
	CHECK(c >= 999999000 && c <= 1000001000);
	vmim_calc_scale(1000000000ull, 1000000000ull, &mul, &shift);
	CHECK(vmim_scale_delta(1000000000ull, mul, shift) >= 999999999);
	vmim_calc_scale(100000000ull, 3000000000ull, &mul, &shift);
	c = vmim_scale_delta(100000000ull, mul, shift);
	CHECK(c >= 2999999000ull && c <= 3000000000ull);
	return true;
}

static uint64_t page_real(unsigned int s, uint64_t tsc, uint32_t *version)
{
	struct vmi_shared_rec r;

	memcpy(&r, E.page + s * VMI_SHARED_REC_SIZE, sizeof(r));
	*version = r.version;
	return r.real_at_tsc + vmim_scale_delta(tsc - r.tsc_timestamp, r.tsc_to_cycles_mul,
						r.tsc_shift);
}

static bool test_shared_page(void)
{
	uint32_t v, v2;
	uint64_t r, r2;
	struct vmi_shared_rec rec;

	setup();
	CHECK(sizeof(struct vmi_shared_rec) == VMI_SHARED_REC_SIZE);
	vmim_write(&E.m, VMI_REG_SHARED_PAGE_GPA, PAGE_GPA | VMI_SHARED_PAGE_ENABLE, 8);
	CHECK(vmim_read(&E.m, VMI_REG_SHARED_PAGE_GPA, 8) == (PAGE_GPA | 1));
	r = page_real(0, e_tsc(&E), &v);
	CHECK(!(v & 1) && v);
	CHECK(r == vmim_real(&E.m));
	E.now += 1000000000;
	r = page_real(3, e_tsc(&E), &v);
	CHECK(r + 10 >= vmim_real(&E.m) && r <= vmim_real(&E.m) + 10);
	/* Refresh: continuous, newer version. */
	vmim_refresh_page(&E.m);
	r2 = page_real(3, e_tsc(&E), &v2);
	CHECK(v2 > v && !(v2 & 1));
	CHECK(r2 + 2 >= r && r2 <= r + 2);
	/* Steal shows up in the record of that slot. */
	vmim_inject_steal(&E.m, 2, 5000);
	memcpy(&rec, E.page + 2 * VMI_SHARED_REC_SIZE, sizeof(rec));
	CHECK(rec.stolen_cycles == 5000 && rec.flags & VMI_SHARED_TSC_STABLE);
	/* Torn: versions stay odd. */
	vmim_set_fault(&E.m, VMIM_FAULT_TORN_VERSION);
	page_real(0, e_tsc(&E), &v);
	CHECK(v & 1);
	vmim_set_fault(&E.m, VMIM_FAULT_NONE);
	page_real(0, e_tsc(&E), &v);
	CHECK(!(v & 1));
	/* Page offset: the line runs ahead of REAL, the register does not. */
	vmim_set_fault(&E.m, VMIM_FAULT_PAGE_OFFSET);
	r = page_real(0, e_tsc(&E), &v);
	CHECK(r == vmim_real(&E.m) + VMIM_PAGE_OFFSET_NS);
	CHECK(vmim_read(&E.m, VMI_REG_REAL_COUNTER, 8) == vmim_real(&E.m));
	vmim_set_fault(&E.m, VMIM_FAULT_NONE);
	r = page_real(0, e_tsc(&E), &v);
	CHECK(r + 2 >= vmim_real(&E.m) && r <= vmim_real(&E.m) + 2);
	/* Slow REAL: the value is taken, then the answer waits. */
	vmim_set_fault(&E.m, VMIM_FAULT_SLOW_REAL);
	r = vmim_real(&E.m);
	CHECK(vmim_read(&E.m, VMI_REG_REAL_COUNTER, 8) == r);
	CHECK(E.stalls == 1 && vmim_real(&E.m) == r + VMIM_SLOW_REAL_NS);
	vmim_set_fault(&E.m, VMIM_FAULT_NONE);
	vmim_read(&E.m, VMI_REG_REAL_COUNTER, 8);
	CHECK(E.stalls == 1);
	/* A page outside RAM is not written, and nothing breaks. */
	vmim_write(&E.m, VMI_REG_SHARED_PAGE_GPA, 0x1000 | VMI_SHARED_PAGE_ENABLE, 8);
	vmim_refresh_page(&E.m);
	return true;
}

/* TSC ticks of @ns at the environment's rate. */
static uint64_t ticks(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * TSC_HZ / 1000000000ull);
}

static bool test_refresh_slew(void)
{
	uint64_t r, t, updates;
	uint32_t v;

	setup();
	vmim_write(&E.m, VMI_REG_SHARED_PAGE_GPA, PAGE_GPA | VMI_SHARED_PAGE_ENABLE, 8);
	/* The TSC falls 300 us behind REAL: slewed in at most 200 ppm. */
	E.now += 1000000000;
	E.tsc_base -= ticks(300000);
	t = e_tsc(&E);
	r = page_real(0, t, &v);
	vmim_refresh_page(&E.m);
	CHECK(page_real(0, t, &v) + 2 >= r && page_real(0, t, &v) <= r + 2);
	E.now += 1000000000;
	CHECK(page_real(0, e_tsc(&E), &v) + 2 >= r + 1000000000 + 200000);
	CHECK(page_real(0, e_tsc(&E), &v) <= r + 1000000000 + 200000 + 2);
	CHECK(E.m.st.resyncs == 0);
	/* 8 ms off: the line jumps to REAL. */
	E.tsc_base -= ticks(8000000);
	vmim_refresh_page(&E.m);
	r = page_real(0, e_tsc(&E), &v);
	CHECK(r + 2 >= vmim_real(&E.m) && r <= vmim_real(&E.m) + 2);
	CHECK(E.m.st.resyncs == 1);
	/* A pair never tight (the host thread preempted each time): no update. */
	updates = E.m.st.page_updates;
	E.now_step = 100000;
	vmim_refresh_page(&E.m);
	E.now_step = 0;
	CHECK(E.m.st.page_updates == updates && E.m.st.loose_pairs == 1);
	/* ... unless the page must be published: the tightest pair then. */
	E.now_step = 100000;
	vmim_set_fault(&E.m, VMIM_FAULT_NONE);
	E.now_step = 0;
	CHECK(E.m.st.page_updates == updates + 1);
	return true;
}

static bool test_faults(void)
{
	uint64_t r, r2;
	uint32_t v;

	setup();
	bind(1);
	vmim_write(&E.m, VMI_REG_SHARED_PAGE_GPA, PAGE_GPA | VMI_SHARED_PAGE_ENABLE, 8);
	CHECK(vmim_fault_parse("frozen") == VMIM_FAULT_FROZEN);
	CHECK(vmim_fault_parse("bogus") < 0);
	CHECK(!strcmp(vmim_fault_name(VMIM_FAULT_IRQ_STORM), "irq-storm"));

	vmim_set_fault(&E.m, VMIM_FAULT_FREQ_ZERO);
	CHECK(vmim_read(&E.m, VMI_REG_CYCLE_FREQUENCY, 8) == 0);

	E.now = 1000000000;
	vmim_refresh_page(&E.m);
	r = vmim_real(&E.m);
	vmim_set_fault(&E.m, VMIM_FAULT_BACKWARDS);
	CHECK(vmim_real(&E.m) + VMIM_BACK_STEP_NS == r);
	CHECK(page_real(0, e_tsc(&E), &v) + VMIM_BACK_STEP_NS == r);

	vmim_set_fault(&E.m, VMIM_FAULT_FROZEN);
	r = vmim_real(&E.m);
	E.now += 5000000;
	CHECK(vmim_real(&E.m) == r);
	CHECK(vmim_read(&E.m, VMI_REG_REAL_COUNTER, 8) == r);
	CHECK(page_real(0, e_tsc(&E), &v) == r);
	vmim_set_fault(&E.m, VMIM_FAULT_NONE);
	E.now += 10;
	r2 = vmim_real(&E.m);
	CHECK(r2 == r + 10);			/* thawed where it stood */

	vmim_set_fault(&E.m, VMIM_FAULT_ALARM_LOST);
	set_alarm(1, 0, r2 + 100, 0);
	advance(1000);
	CHECK(E.notified[1] == 0 && E.m.st.dropped == 1);
	CHECK(vmim_read(&E.m, VMI_SLOT_BASE(1) + VMI_SLOT_FIRE_COUNT, 4) == 1);

	vmim_set_fault(&E.m, VMIM_FAULT_IRQ_STORM);
	advance(1000000);
	CHECK(E.notified[1] >= 1000000 / VMIM_STORM_NS - 1);
	/* The guest masks the slot: the storm stops there. */
	vmim_write(&E.m, VMI_SLOT_BASE(1) + VMI_SLOT_MSIX_ENTRY, VMI_MSIX_NONE, 4);
	r = E.notified[1];
	advance(1000000);
	CHECK(E.notified[1] == r);
	vmim_set_fault(&E.m, VMIM_FAULT_NONE);
	return true;
}

static bool test_control(void)
{
	setup();
	bind(0);
	set_alarm(0, 0, E.now + 100, 0);
	vmim_write(&E.m, VMI_REG_CONTROL, VMI_CONTROL_ENABLE | VMI_CONTROL_RESET_ALARMS, 4);
	CHECK(!(state(0) & VMI_STATE_ARMED(0)));
	CHECK(vmim_read(&E.m, VMI_REG_CONTROL, 4) == VMI_CONTROL_ENABLE);
	/* Disabled: alarms count but are not delivered. */
	vmim_write(&E.m, VMI_REG_CONTROL, 0, 4);
	set_alarm(0, 0, E.now + 100, 0);
	advance(200);
	CHECK(E.notified[0] == 0 && E.m.st.dropped == 1);
	/* Unbound slot: same. */
	vmim_write(&E.m, VMI_REG_CONTROL, VMI_CONTROL_ENABLE, 4);
	vmim_write(&E.m, VMI_SLOT_BASE(0) + VMI_SLOT_MSIX_ENTRY, VMI_MSIX_NONE, 4);
	set_alarm(0, 0, E.now + 100, 0);
	advance(200);
	CHECK(E.notified[0] == 0 && E.m.st.dropped == 2);
	/* Wallclock: updated reads 1 once. */
	vmim_wallclock_stepped(&E.m);
	CHECK(vmim_read(&E.m, VMI_REG_WALLCLOCK_UPDATED, 4) == 1);
	CHECK(vmim_read(&E.m, VMI_REG_WALLCLOCK_UPDATED, 4) == 0);
	CHECK(vmim_read(&E.m, VMI_REG_MIN_DELTA, 4) == VMIM_MIN_DELTA);
	CHECK(vmim_read(&E.m, VMI_REG_WALLCLOCK_NS, 8) > 1700000000ull * 1000000000ull);
	vmim_write(&E.m, VMI_SLOT_BASE(0) + VMI_SLOT_APIC_ID, 7, 4);
	CHECK(vmim_read(&E.m, VMI_SLOT_BASE(0) + VMI_SLOT_APIC_ID, 4) == 7);
	vmim_reset(&E.m);
	CHECK(vmim_read(&E.m, VMI_SLOT_BASE(0) + VMI_SLOT_MSIX_ENTRY, 4) == VMI_MSIX_NONE);
	return true;
}

static bool test_rom(void)
{
	uint8_t rom[2048], sum = 0;
	unsigned int pcir, i;

	vmim_build_rom(rom, sizeof(rom));
	for (i = 0; i < sizeof(rom); i++)
		sum += rom[i];
	CHECK(sum == 0);
	CHECK(rom[0] == 0x55 && rom[1] == 0xAA && rom[2] == 4);
	CHECK(!memcmp(rom + 8, "cVmi", 4));
	CHECK(rom[0x0C] == 0 && rom[0x0D] == 3);
	pcir = rom[0x18] | rom[0x19] << 8;
	CHECK(!memcmp(rom + pcir, "PCIR", 4));
	CHECK((rom[pcir + 4] | rom[pcir + 5] << 8) == 0x15AD);
	CHECK((rom[pcir + 6] | rom[pcir + 7] << 8) == 0x0801);
	CHECK(!strcmp((char *)rom + (rom[0x16] | rom[0x17] << 8), "GPL"));
	return true;
}

/* Random register traffic: nothing may crash or trip the sanitizers. */
static bool test_fuzz(void)
{
	unsigned int i;

	setup();
	vmim_write(&E.m, VMI_REG_SHARED_PAGE_GPA, PAGE_GPA | VMI_SHARED_PAGE_ENABLE, 8);
	srand(13);
	for (i = 0; i < 200000; i++) {
		uint64_t addr = (uint64_t)(rand() % 0x1500);
		unsigned int size = 1u << (rand() % 4);
		uint64_t val = (uint64_t)rand() << 33 ^ (uint64_t)rand();

		if (rand() % 8 == 0)
			vmim_set_fault(&E.m, (enum vmim_fault)(rand() % VMIM_FAULT_NUM));
		if (rand() % 2)
			vmim_write(&E.m, addr, val, size);
		else
			vmim_read(&E.m, addr, size);
		if (rand() % 16 == 0)
			advance((uint64_t)(rand() % 100000));
		if (rand() % 64 == 0)
			vmim_inject_steal(&E.m, rand() % 6, (uint64_t)(rand() % 100000));
	}
	return true;
}

int main(void)
{
	printf("KTAP version 1\n1..13\n");
	ktap_run("vmi_identity_registers", test_identity);
	ktap_run("vmi_oneshot_period_zero", test_oneshot);
	ktap_run("vmi_set_replaces_and_rule5", test_rearm_and_rule5);
	ktap_run("vmi_cancel_results", test_cancel_results);
	ktap_run("vmi_periodic_no_catchup_burst", test_periodic_no_burst);
	ktap_run("vmi_steal_available_alarms", test_steal);
	ktap_run("vmi_scale_no_cumulative_error", test_scale);
	ktap_run("vmi_shared_page", test_shared_page);
	ktap_run("vmi_refresh_pair_and_slew", test_refresh_slew);
	ktap_run("vmi_faults", test_faults);
	ktap_run("vmi_control_wallclock", test_control);
	ktap_run("vmi_option_rom", test_rom);
	ktap_run("vmi_fuzz_registers", test_fuzz);
	return ktap_failures ? 1 : 0;
}
