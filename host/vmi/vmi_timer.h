/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host side of the VMI paravirtual timer (PCI 15ad:0801): a plain-C model of
 * the BAR0 registers (docs/protocol/vmi.md §5.2), the per-vCPU alarm slots
 * with the VMI alarm rules (§2.4), per-slot stolen time (§2.1) and the shared
 * page (§5.3). Time, the guest TSC, guest memory, timers and MSI-X are
 * callbacks, so the QEMU glue and the unit tests drive the same code.
 */
#ifndef PVTOOLS_HOST_VMI_TIMER_H
#define PVTOOLS_HOST_VMI_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pvtools/vmi_abi.h>

#define VMIM_MAX_SLOTS		64
#define VMIM_DEFAULT_SLOTS	8
#define VMIM_DEFAULT_FREQ	1000000000ull	/* 1 cycle = 1 ns, §5.5 */
#define VMIM_MIN_DELTA		1000u		/* cycles: 1 us at 1 GHz */
/* Re-delivery interval of the irq-storm fault. */
#define VMIM_STORM_NS		10000ull
/* Step of the counter-backwards fault: well above the guest's 1 ms alarm. */
#define VMIM_BACK_STEP_NS	50000000ull
/* How far ahead of REAL the page-offset fault publishes the page's line. */
#define VMIM_PAGE_OFFSET_NS	20000000ull
/*
 * How late the slow-real fault answers a REAL read, after taking its value:
 * a host preempted between the two, as a loaded machine does it.
 */
#define VMIM_SLOW_REAL_NS	5000000ull
/* A page refresh's (TSC, REAL) pair: REAL read on both sides this close. */
#define VMIM_PAIR_NS		50000ull
#define VMIM_PAIR_TRIES		5
/* ... and when a page must be published now (first, or after a fault). */
#define VMIM_PAIR_TRIES_MUST	20
/*
 * The line's rate corrects its error by at most this (the guest's clocksource
 * watchdog allows about 500 ppm in all); beyond RESYNC it jumps, which a
 * guest sees as time stepping (back: standing still), so only for large ones.
 */
#define VMIM_SLEW_PPM		200ull
#define VMIM_RESYNC_NS		5000000ull

struct vmim_ops {
	/* The host's time base in ns (QEMU's virtual clock): REAL follows it. */
	uint64_t (*now_ns)(void *opaque);
	/* The guest TSC now, and its rate in Hz. */
	uint64_t (*tsc_now)(void *opaque);
	uint64_t (*tsc_hz)(void *opaque);
	/* Host wallclock, ns since the epoch. */
	uint64_t (*wall_ns)(void *opaque);
	/* (Re)arm the slot's one host timer at now_ns() == deadline; UINT64_MAX cancels. */
	void (*arm)(void *opaque, unsigned int slot, uint64_t deadline_ns);
	/* Signal MSI-X table entry @entry. */
	void (*notify)(void *opaque, unsigned int entry);
	/* Guest-physical write; false if the range is not RAM. */
	bool (*write_guest)(void *opaque, uint64_t gpa, const void *buf, size_t len);
	/* Hold the answer of a register read back for @ns (the slow-real fault). */
	void (*stall)(void *opaque, uint64_t ns);
};

/* Hostile-host switches for tests (one at a time, settable at any time). */
enum vmim_fault {
	VMIM_FAULT_NONE,
	VMIM_FAULT_FREQ_ZERO,		/* CYCLE_FREQUENCY reads 0 */
	VMIM_FAULT_BACKWARDS,		/* REAL steps back VMIM_BACK_STEP_NS */
	VMIM_FAULT_FROZEN,		/* REAL stops advancing */
	VMIM_FAULT_TORN_VERSION,	/* shared-page versions stay odd */
	VMIM_FAULT_ALARM_LOST,		/* alarms fire but are never delivered */
	VMIM_FAULT_IRQ_STORM,		/* every bound slot interrupts continuously */
	VMIM_FAULT_PAGE_OFFSET,		/* the shared page runs VMIM_PAGE_OFFSET_NS ahead */
	VMIM_FAULT_SLOW_REAL,		/* with the page on, REAL answers VMIM_SLOW_REAL_NS late */
	VMIM_FAULT_NUM
};

struct vmim_alarm {
	bool armed;
	bool periodic;
	uint64_t expiry;		/* cycles of its counter */
	uint64_t period;
};

struct vmim_slot {
	struct vmim_alarm alarm[VMI_ALARM_COUNTERS];
	uint64_t stage_expiry;
	uint64_t stage_period;
	uint64_t stolen;		/* cycles, injected */
	uint64_t latch_stolen;
	uint64_t latch_real;
	bool latched;
	uint32_t result;
	uint32_t fired;			/* VMI_STATE_FIRED bits not acked */
	uint32_t msix_entry;
	uint32_t fire_count;
	uint32_t apic_id;
	uint64_t last_fire_real;
	uint64_t last_expiry;
	uint64_t hi_latch;		/* 32-bit reads: LO latches HI */
};

struct vmim_stats {
	uint64_t deliveries;		/* MSI-X messages sent */
	uint64_t dropped;		/* fired with alarm-lost, or no MSI-X entry */
	uint64_t sets;
	uint64_t cancels;
	uint64_t page_updates;
	uint64_t loose_pairs;	/* refreshes whose (TSC, REAL) pair was never tight */
	uint64_t resyncs;	/* line jumps to REAL */
	uint64_t stolen_injected_ns;
};

struct vmim {
	const struct vmim_ops *ops;
	void *opaque;

	/* Configuration. */
	uint32_t nr_slots;
	uint64_t freq;			/* cycles per second, <= UINT32_MAX */

	/* Registers. */
	uint32_t control;
	uint32_t status;
	uint64_t page_gpa;		/* with VMI_SHARED_PAGE_ENABLE */
	bool wall_updated;
	uint64_t hi_latch;

	/* REAL = ns_to_cycles(now_ns) + real_adjust, unless frozen. */
	int64_t real_adjust;
	bool frozen;
	uint64_t frozen_real;

	/* Shared page: the last published scale, kept continuous. */
	bool page_valid;
	uint64_t page_tsc;
	uint64_t page_real;
	uint32_t page_mul;
	int8_t page_shift;
	uint32_t page_version;

	enum vmim_fault fault;
	struct vmim_stats st;
	struct vmim_slot slot[VMIM_MAX_SLOTS];
};

void vmim_init(struct vmim *m, const struct vmim_ops *ops, void *opaque,
	       uint32_t nr_slots, uint64_t freq);
void vmim_reset(struct vmim *m);

uint64_t vmim_read(struct vmim *m, uint64_t addr, unsigned int size);
void vmim_write(struct vmim *m, uint64_t addr, uint64_t val, unsigned int size);

/* The slot's host timer expired: fire what is due, re-arm. */
void vmim_timer_expired(struct vmim *m, unsigned int slot);
/* Republish the shared page (periodic refresh, resume, fault changes). */
void vmim_refresh_page(struct vmim *m);

/* Counters as the guest sees them. */
uint64_t vmim_real(struct vmim *m);
uint64_t vmim_counter(struct vmim *m, unsigned int slot, unsigned int which);

/* Test controls. */
int vmim_inject_steal(struct vmim *m, unsigned int slot, uint64_t ns);
void vmim_set_fault(struct vmim *m, enum vmim_fault f);
const char *vmim_fault_name(enum vmim_fault f);
int vmim_fault_parse(const char *name);
void vmim_wallclock_stepped(struct vmim *m);

/* pvclock-style scale: cycles = ((tsc_delta shifted by shift) * mul) >> 32. */
void vmim_calc_scale(uint64_t from_hz, uint64_t to_hz, uint32_t *mul, int8_t *shift);
uint64_t vmim_scale_delta(uint64_t delta, uint32_t mul, int8_t shift);

/* The option ROM image (API 3.0 header, §1.3/§1.4); @len >= 512, power of two. */
void vmim_build_rom(uint8_t *rom, size_t len);

#endif /* PVTOOLS_HOST_VMI_TIMER_H */
