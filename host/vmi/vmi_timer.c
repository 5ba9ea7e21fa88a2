// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VMI paravirtual timer host model (see vmi_timer.h). Protocol facts are in
 * docs/protocol/vmi.md; section numbers below refer to it.
 */
#include <string.h>

#include "vmi_timer.h"

#define NSEC_PER_SEC	1000000000ull

static uint64_t ns_to_cycles(const struct vmim *m, uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * m->freq / NSEC_PER_SEC);
}

/* Rounded up, so a timer armed at the result finds the counter there. */
static uint64_t cycles_to_ns(const struct vmim *m, uint64_t c)
{
	unsigned __int128 n = (unsigned __int128)c * NSEC_PER_SEC + m->freq - 1;

	n /= m->freq;
	return n > UINT64_MAX / 2 ? UINT64_MAX / 2 : (uint64_t)n;
}

void vmim_calc_scale(uint64_t from_hz, uint64_t to_hz, uint32_t *mul, int8_t *shift)
{
	unsigned __int128 f = from_hz ? from_hz : 1, t = to_hz;
	int s = 0;

	/* Normalise so that t < f <= 2t: the multiplier then uses all 32 bits. */
	while (f <= t && s < 31) {
		f <<= 1;
		s++;
	}
	while (f > 2 * t && t && s > -31) {
		t <<= 1;
		s--;
	}
	*mul = t ? (uint32_t)((t << 32) / f) : 0;
	*shift = (int8_t)s;
}

uint64_t vmim_scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

uint64_t vmim_real(struct vmim *m)
{
	int64_t r;

	if (m->frozen)
		return m->frozen_real;
	r = (int64_t)ns_to_cycles(m, m->ops->now_ns(m->opaque)) + m->real_adjust;
	return r < 0 ? 0 : (uint64_t)r;
}

/* §2.1: AVAILABLE = REAL - STOLEN for every vCPU at every instant. */
uint64_t vmim_counter(struct vmim *m, unsigned int slot, unsigned int which)
{
	uint64_t real = vmim_real(m);
	uint64_t stolen = m->slot[slot].stolen;

	switch (which) {
	case VMI_CYCLES_REAL:
		return real;
	case VMI_CYCLES_AVAILABLE:
		return stolen > real ? 0 : real - stolen;
	case VMI_CYCLES_STOLEN:
		return stolen;
	default:
		return 0;	/* §2.2: any other index reads 0 */
	}
}

static bool slot_bound(const struct vmim *m, const struct vmim_slot *sl)
{
	return sl->msix_entry != VMI_MSIX_NONE && (m->control & VMI_CONTROL_ENABLE);
}

static void rearm(struct vmim *m, unsigned int s)
{
	struct vmim_slot *sl = &m->slot[s];
	uint64_t now = m->ops->now_ns(m->opaque);
	uint64_t best = UINT64_MAX;
	unsigned int c;

	for (c = 0; c < VMI_ALARM_COUNTERS; c++) {
		uint64_t v, at;

		if (!sl->alarm[c].armed)
			continue;
		v = vmim_counter(m, s, c);
		at = sl->alarm[c].expiry <= v ? now :
		     now + cycles_to_ns(m, sl->alarm[c].expiry - v);
		if (at < best)
			best = at;
	}
	if (m->fault == VMIM_FAULT_IRQ_STORM && slot_bound(m, sl) && now + VMIM_STORM_NS < best)
		best = now + VMIM_STORM_NS;
	m->ops->arm(m->opaque, s, best);
}

static void deliver(struct vmim *m, struct vmim_slot *sl)
{
	if (m->fault == VMIM_FAULT_ALARM_LOST || !slot_bound(m, sl)) {
		m->st.dropped++;
		return;
	}
	m->ops->notify(m->opaque, sl->msix_entry);
	m->st.deliveries++;
}

void vmim_timer_expired(struct vmim *m, unsigned int s)
{
	struct vmim_slot *sl;
	bool any = false;
	unsigned int c;

	if (s >= m->nr_slots)
		return;
	sl = &m->slot[s];
	for (c = 0; c < VMI_ALARM_COUNTERS; c++) {
		struct vmim_alarm *a = &sl->alarm[c];
		uint64_t v;

		if (!a->armed)
			continue;
		v = vmim_counter(m, s, c);
		if (v < a->expiry)
			continue;
		sl->last_expiry = a->expiry;
		if (a->periodic) {
			/* §2.4 rule 8: the first E(i) beyond now; no catch-up burst. */
			a->expiry += ((v - a->expiry) / a->period + 1) * a->period;
		} else {
			a->armed = false;	/* rule 7 */
		}
		sl->fired |= VMI_STATE_FIRED(c);
		any = true;
	}
	if (any || (m->fault == VMIM_FAULT_IRQ_STORM && slot_bound(m, sl))) {
		sl->fire_count++;
		sl->last_fire_real = vmim_real(m);
		deliver(m, sl);
	}
	rearm(m, s);
}

static void cancel_all(struct vmim *m)
{
	unsigned int s;

	for (s = 0; s < m->nr_slots; s++) {
		memset(m->slot[s].alarm, 0, sizeof(m->slot[s].alarm));
		rearm(m, s);
	}
}

/* §2.4 and the ALARM_CMD decoding of §5.2. */
static void alarm_cmd(struct vmim *m, unsigned int s, uint32_t cmd)
{
	struct vmim_slot *sl = &m->slot[s];
	unsigned int c = cmd & VMI_ALARM_COUNTER_MASK;

	if (cmd & VMI_ALARM_CMD_CANCEL) {
		m->st.cancels++;
		if (c < VMI_ALARM_COUNTERS) {
			sl->result = sl->alarm[c].armed;
			sl->alarm[c].armed = false;
		} else {
			sl->result = 0;
		}
	} else if (c >= VMI_ALARM_COUNTERS) {
		sl->result = VMI_SET_NOT_CAPABLE;	/* rule 5: a no-op */
	} else {
		struct vmim_alarm *a = &sl->alarm[c];

		m->st.sets++;
		/* Rule 4: set on an armed alarm = cancel + set; rule 3: period 0 = one-shot. */
		a->armed = true;
		a->expiry = sl->stage_expiry;
		a->period = sl->stage_period;
		a->periodic = (cmd & VMI_ALARM_IS_PERIODIC) && a->period;
		sl->result = VMI_SET_OK;
	}
	/* Even an expiry in the past is delivered from the host timer, not here. */
	rearm(m, s);
}

static bool page_on(const struct vmim *m)
{
	return (m->page_gpa & VMI_SHARED_PAGE_ENABLE) && (m->control & VMI_CONTROL_ENABLE);
}

static void publish(struct vmim *m)
{
	uint64_t base = m->page_gpa & ~0xFFFull;
	struct vmi_shared_rec rec;
	uint32_t odd = m->page_version | 1;
	unsigned int s;

	m->page_version = odd + 1;
	for (s = 0; s < m->nr_slots && s < VMI_SHARED_PAGE_SIZE / VMI_SHARED_REC_SIZE; s++) {
		uint64_t gpa = base + (uint64_t)s * VMI_SHARED_REC_SIZE;

		memset(&rec, 0, sizeof(rec));
		rec.version = odd;
		/* Odd first, body, then even: a reader retries meanwhile (§5.3). */
		if (!m->ops->write_guest(m->opaque, gpa, &rec.version, sizeof(rec.version)))
			return;
		rec.flags = VMI_SHARED_TSC_STABLE;
		rec.tsc_timestamp = m->page_tsc;
		rec.real_at_tsc = m->page_real;
		if (m->fault == VMIM_FAULT_PAGE_OFFSET)
			rec.real_at_tsc += ns_to_cycles(m, VMIM_PAGE_OFFSET_NS);
		rec.tsc_to_cycles_mul = m->page_mul;
		rec.tsc_shift = m->page_shift;
		rec.stolen_cycles = m->slot[s].stolen;
		m->ops->write_guest(m->opaque, gpa + 4, (uint8_t *)&rec + 4, sizeof(rec) - 4);
		if (m->fault == VMIM_FAULT_TORN_VERSION)
			continue;	/* left odd: a torn update that never ends */
		rec.version = m->page_version;
		m->ops->write_guest(m->opaque, gpa, &rec.version, sizeof(rec.version));
	}
	m->st.page_updates++;
}

/*
 * One (TSC, REAL) pair for the page's line, taken as REAL, TSC, REAL. The host
 * thread may be preempted between two reads (a loaded machine; the TSC read
 * can also wait on QEMU's clock lock), and a pair that is milliseconds apart
 * would put that error into the line. A pair whose REAL reads are more than
 * VMIM_PAIR_NS apart is retried; if none of the tries is that tight, false
 * (the caller keeps the line as it is), unless @must: then the tightest.
 */
static bool sample_pair(struct vmim *m, uint64_t *tsc, uint64_t *real, bool must)
{
	uint64_t best = UINT64_MAX, r0, r1, t;
	unsigned int i;

	for (i = 0; i < (must ? VMIM_PAIR_TRIES_MUST : VMIM_PAIR_TRIES); i++) {
		r0 = vmim_real(m);
		t = m->ops->tsc_now(m->opaque);
		r1 = vmim_real(m);
		if (r1 < r0 || r1 - r0 >= best)
			continue;
		best = r1 - r0;
		*tsc = t;
		*real = r0 + best / 2;
		if (best <= ns_to_cycles(m, VMIM_PAIR_NS))
			return true;
	}
	if (best == UINT64_MAX) {
		/* REAL stepped back inside every try (a fault just set): any pair. */
		*tsc = m->ops->tsc_now(m->opaque);
		*real = vmim_real(m);
	}
	m->st.loose_pairs++;
	return must;
}

/*
 * The page's line stays continuous across refreshes. Its difference to the
 * true REAL is slewed out by the rate, at most VMIM_SLEW_PPM of it, so that a
 * refresh that comes late (the host's timer starved) overshoots by little;
 * above VMIM_RESYNC_NS the line jumps to REAL (a resync). Called about once a
 * second.
 */
void vmim_refresh_page(struct vmim *m)
{
	uint64_t tsc_hz, tsc = 0, real = 0;

	if (!page_on(m))
		return;
	tsc_hz = m->ops->tsc_hz(m->opaque);
	if (!sample_pair(m, &tsc, &real, !m->page_valid || m->frozen))
		return;
	if (m->frozen) {
		m->page_mul = 0;
		m->page_shift = 0;
		m->page_real = real;
	} else if (!m->page_valid || tsc < m->page_tsc || !tsc_hz) {
		vmim_calc_scale(tsc_hz, m->freq, &m->page_mul, &m->page_shift);
		m->page_real = real;
	} else {
		uint64_t line = m->page_real +
			vmim_scale_delta(tsc - m->page_tsc, m->page_mul, m->page_shift);
		int64_t err = (int64_t)(real - line);
		int64_t lim = (int64_t)ns_to_cycles(m, VMIM_RESYNC_NS);
		int64_t slew = (int64_t)(m->freq / 1000000 * VMIM_SLEW_PPM);

		if (err > lim || err < -lim) {
			line = real;
			err = 0;
			m->st.resyncs++;
		}
		if (err > slew)
			err = slew;
		else if (err < -slew)
			err = -slew;
		vmim_calc_scale(tsc_hz, (uint64_t)((int64_t)m->freq + err), &m->page_mul,
				&m->page_shift);
		m->page_real = line;
	}
	m->page_tsc = tsc;
	m->page_valid = true;
	publish(m);
}

static void resync_page(struct vmim *m)
{
	m->page_valid = false;
	vmim_refresh_page(m);
}

static bool reg_is_u64(uint64_t off)
{
	if (off < VMI_GLOBAL_SIZE)
		return off == VMI_REG_CYCLE_FREQUENCY || off == VMI_REG_REAL_COUNTER ||
		       off == VMI_REG_WALLCLOCK_NS || off == VMI_REG_SHARED_PAGE_GPA;
	off = (off - VMI_GLOBAL_SIZE) % VMI_SLOT_SIZE;
	return off <= VMI_SLOT_ALARM_PERIOD || off == VMI_SLOT_LAST_FIRE_REAL ||
	       off == VMI_SLOT_LAST_EXPIRY;
}

/* Whether the access [lo, hi) of a word covers its byte b. */
#define COVERS(b)	(lo <= (b) && (b) < hi)

/* The 8-byte word at @off (aligned), with the side effects of reading [lo, hi). */
static uint64_t word_read(struct vmim *m, uint64_t off, unsigned int lo, unsigned int hi)
{
	if (off < VMI_GLOBAL_SIZE) {
		uint64_t v;

		switch (off) {
		case VMI_REG_MAGIC:
			return VMI_SIGNATURE | (uint64_t)VMI_API_REV_MINOR << 32 |
			       (uint64_t)VMI_API_REV_MAJOR << 40 | (uint64_t)VMI_ABI_REV << 48;
		case VMI_REG_FEATURES:
			return (VMI_FEAT_COUNTER_REAL | VMI_FEAT_COUNTER_AVAILABLE |
				VMI_FEAT_COUNTER_STOLEN | VMI_FEAT_ALARM_REAL |
				VMI_FEAT_ALARM_AVAILABLE | VMI_FEAT_ALARM_PERIODIC |
				VMI_FEAT_WALLCLOCK | VMI_FEAT_WALLCLOCK_UPDATED |
				VMI_FEAT_MSIX_PER_SLOT | VMI_FEAT_SHARED_PAGE |
				VMI_FEAT_ATOMIC_64BIT_READS) | (uint64_t)m->nr_slots << 32;
		case VMI_REG_CYCLE_FREQUENCY:
			return m->fault == VMIM_FAULT_FREQ_ZERO ? 0 : m->freq;
		case VMI_REG_REAL_COUNTER:
			v = vmim_real(m);
			if (m->fault == VMIM_FAULT_SLOW_REAL && page_on(m) && m->ops->stall)
				m->ops->stall(m->opaque, VMIM_SLOW_REAL_NS);
			return v;
		case VMI_REG_WALLCLOCK_NS:
			return m->ops->wall_ns(m->opaque);
		case VMI_REG_WALLCLOCK_UPDATED:
			v = m->wall_updated | (uint64_t)VMIM_MIN_DELTA << 32;
			if (COVERS(0))
				m->wall_updated = false;
			return v;
		case VMI_REG_CONTROL:
			return m->control | (uint64_t)m->status << 32;
		case VMI_REG_SHARED_PAGE_GPA:
			return m->page_gpa;
		default:
			return 0;
		}
	} else {
		unsigned int s = (off - VMI_GLOBAL_SIZE) / VMI_SLOT_SIZE;
		struct vmim_slot *sl = &m->slot[s];
		uint64_t v;
		unsigned int c;

		switch ((off - VMI_GLOBAL_SIZE) % VMI_SLOT_SIZE) {
		case VMI_SLOT_AVAILABLE_COUNTER:
			v = vmim_counter(m, s, VMI_CYCLES_AVAILABLE);
			if (COVERS(0)) {
				/* Latch STOLEN and REAL of the same instant. */
				sl->latch_stolen = sl->stolen;
				sl->latch_real = v + sl->stolen;
				sl->latched = true;
			}
			return v;
		case VMI_SLOT_STOLEN_COUNTER:
			return sl->latched ? sl->latch_stolen : sl->stolen;
		case VMI_SLOT_REAL_COUNTER:
			v = sl->latched ? sl->latch_real : vmim_real(m);
			if (COVERS(0))
				sl->latched = false;
			return v;
		case VMI_SLOT_ALARM_EXPIRY:
			return sl->stage_expiry;
		case VMI_SLOT_ALARM_PERIOD:
			return sl->stage_period;
		case VMI_SLOT_ALARM_CMD:
			return (uint64_t)sl->result << 32;
		case VMI_SLOT_ALARM_STATE:
			v = sl->fired;
			for (c = 0; c < VMI_ALARM_COUNTERS; c++) {
				if (sl->alarm[c].armed)
					v |= VMI_STATE_ARMED(c);
				if (sl->alarm[c].armed && sl->alarm[c].periodic)
					v |= VMI_STATE_PERIODIC(c);
			}
			return v | (uint64_t)sl->msix_entry << 32;
		case VMI_SLOT_FIRE_COUNT:
			return sl->fire_count;
		case VMI_SLOT_LAST_FIRE_REAL:
			return sl->last_fire_real;
		case VMI_SLOT_LAST_EXPIRY:
			return sl->last_expiry;
		case VMI_SLOT_APIC_ID:
			return sl->apic_id;
		default:
			return 0;
		}
	}
}

static bool addr_ok(const struct vmim *m, uint64_t addr, unsigned int size)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return false;
	if (addr & (size - 1))
		return false;
	return addr + size <= VMI_SLOT_BASE(m->nr_slots);
}

uint64_t vmim_read(struct vmim *m, uint64_t addr, unsigned int size)
{
	uint64_t off = addr & ~7ull, word;
	unsigned int lo = addr & 7;
	uint64_t *latch;

	if (!addr_ok(m, addr, size))
		return 0;	/* unused offsets read 0 */
	latch = off < VMI_GLOBAL_SIZE ? &m->hi_latch :
		&m->slot[(off - VMI_GLOBAL_SIZE) / VMI_SLOT_SIZE].hi_latch;
	/* A 32-bit read of the high half of a 64-bit register: the latched HI. */
	if (size == 4 && lo == 4 && reg_is_u64(off))
		return *latch;
	word = word_read(m, off, lo, lo + size);
	if (size == 4 && lo == 0 && reg_is_u64(off))
		*latch = word >> 32;
	if (size == 8)
		return word;
	return (word >> (8 * lo)) & ((1ull << (8 * size)) - 1);
}

static uint64_t merge(uint64_t old, unsigned int lo, unsigned int size, uint64_t val)
{
	uint64_t mask = size == 8 ? ~0ull : ((1ull << (8 * size)) - 1) << (8 * lo);

	return (old & ~mask) | ((val << (8 * lo)) & mask);
}

static void global_write(struct vmim *m, uint64_t off, unsigned int lo, unsigned int size,
			 uint64_t val)
{
	uint64_t w;

	switch (off) {
	case VMI_REG_CONTROL:
		if (lo != 0)
			return;
		w = merge(m->control, 0, size > 4 ? 4 : size, val);
		if (w & VMI_CONTROL_RESET_ALARMS)
			cancel_all(m);
		w &= VMI_CONTROL_ENABLE | VMI_CONTROL_WALLCLOCK_IRQ_EN;
		if (!(w & VMI_CONTROL_ENABLE) && (m->control & VMI_CONTROL_ENABLE)) {
			m->control = w;
			cancel_all(m);
		}
		m->control = (uint32_t)w;
		resync_page(m);
		return;
	case VMI_REG_SHARED_PAGE_GPA:
		m->page_gpa = merge(m->page_gpa, lo, size, val);
		resync_page(m);
		return;
	default:
		return;		/* RO or reserved: ignored */
	}
}

static void slot_write(struct vmim *m, unsigned int s, uint64_t off, unsigned int lo,
		       unsigned int size, uint64_t val)
{
	struct vmim_slot *sl = &m->slot[s];

	switch (off) {
	case VMI_SLOT_ALARM_EXPIRY:
		sl->stage_expiry = merge(sl->stage_expiry, lo, size, val);
		return;
	case VMI_SLOT_ALARM_PERIOD:
		sl->stage_period = merge(sl->stage_period, lo, size, val);
		return;
	case VMI_SLOT_ALARM_CMD:
		if (lo == 0 && size >= 4)
			alarm_cmd(m, s, (uint32_t)val);
		return;
	case VMI_SLOT_ALARM_STATE:
		if (lo == 4 && size == 4)
			sl->msix_entry = (uint32_t)val;
		else if (lo == 0 && size == 8)
			sl->msix_entry = (uint32_t)(val >> 32);
		else
			return;
		rearm(m, s);
		return;
	case VMI_SLOT_FIRE_COUNT:
		if (lo == 4 && size == 4)
			sl->fired &= ~((uint32_t)val & (VMI_STATE_FIRED(0) | VMI_STATE_FIRED(1)));
		return;
	case VMI_SLOT_APIC_ID:
		if (lo == 0 && size >= 4)
			sl->apic_id = (uint32_t)val;
		return;
	default:
		return;
	}
}

void vmim_write(struct vmim *m, uint64_t addr, uint64_t val, unsigned int size)
{
	uint64_t off = addr & ~7ull;

	if (!addr_ok(m, addr, size))
		return;
	if (off < VMI_GLOBAL_SIZE)
		global_write(m, off, addr & 7, size, val);
	else
		slot_write(m, (off - VMI_GLOBAL_SIZE) / VMI_SLOT_SIZE,
			   (off - VMI_GLOBAL_SIZE) % VMI_SLOT_SIZE, addr & 7, size, val);
}

int vmim_inject_steal(struct vmim *m, unsigned int slot, uint64_t ns)
{
	struct vmim_slot *sl;
	uint64_t c, room;

	if (slot >= m->nr_slots)
		return -1;
	sl = &m->slot[slot];
	c = ns_to_cycles(m, ns);
	/* STOLEN never exceeds REAL: AVAILABLE stays >= 0. */
	room = vmim_real(m) - sl->stolen;
	if (c > room)
		c = room;
	sl->stolen += c;
	m->st.stolen_injected_ns += ns;
	/* AVAILABLE alarms move out by the stolen amount. */
	rearm(m, slot);
	vmim_refresh_page(m);
	return 0;
}

static const char *const fault_names[VMIM_FAULT_NUM] = {
	[VMIM_FAULT_NONE] = "none",
	[VMIM_FAULT_FREQ_ZERO] = "freq-zero",
	[VMIM_FAULT_BACKWARDS] = "backwards",
	[VMIM_FAULT_FROZEN] = "frozen",
	[VMIM_FAULT_TORN_VERSION] = "torn-version",
	[VMIM_FAULT_ALARM_LOST] = "alarm-lost",
	[VMIM_FAULT_IRQ_STORM] = "irq-storm",
	[VMIM_FAULT_PAGE_OFFSET] = "page-offset",
	[VMIM_FAULT_SLOW_REAL] = "slow-real",
};

const char *vmim_fault_name(enum vmim_fault f)
{
	return (unsigned int)f < VMIM_FAULT_NUM ? fault_names[f] : "?";
}

int vmim_fault_parse(const char *name)
{
	int i;

	for (i = 0; i < VMIM_FAULT_NUM; i++)
		if (!strcmp(name, fault_names[i]))
			return i;
	return -1;
}

void vmim_set_fault(struct vmim *m, enum vmim_fault f)
{
	unsigned int s;

	if ((unsigned int)f >= VMIM_FAULT_NUM)
		return;
	if (m->frozen && f != VMIM_FAULT_FROZEN) {
		/* Thawed: REAL continues from where it stood. */
		m->real_adjust = (int64_t)m->frozen_real -
				 (int64_t)ns_to_cycles(m, m->ops->now_ns(m->opaque));
		m->frozen = false;
	}
	m->fault = f;
	if (f == VMIM_FAULT_FROZEN && !m->frozen) {
		m->frozen_real = vmim_real(m);
		m->frozen = true;
	}
	if (f == VMIM_FAULT_BACKWARDS)
		m->real_adjust -= (int64_t)ns_to_cycles(m, VMIM_BACK_STEP_NS);
	resync_page(m);
	for (s = 0; s < m->nr_slots; s++)
		rearm(m, s);
}

void vmim_wallclock_stepped(struct vmim *m)
{
	m->wall_updated = true;
}

void vmim_init(struct vmim *m, const struct vmim_ops *ops, void *opaque,
	       uint32_t nr_slots, uint64_t freq)
{
	memset(m, 0, sizeof(*m));
	m->ops = ops;
	m->opaque = opaque;
	m->nr_slots = nr_slots ? (nr_slots > VMIM_MAX_SLOTS ? VMIM_MAX_SLOTS : nr_slots) : 1;
	m->freq = freq ? freq : VMIM_DEFAULT_FREQ;
	vmim_reset(m);
}

void vmim_reset(struct vmim *m)
{
	unsigned int s;

	m->control = 0;
	m->status = VMI_STATUS_READY;
	m->page_gpa = 0;
	m->page_valid = false;
	m->wall_updated = false;
	for (s = 0; s < m->nr_slots; s++) {
		memset(&m->slot[s], 0, sizeof(m->slot[s]));
		m->slot[s].msix_entry = VMI_MSIX_NONE;
		m->ops->arm(m->opaque, s, UINT64_MAX);
	}
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xFF;
	p[1] = v >> 8;
}

/*
 * §1.3/§1.4. The BIOS init entry is a far return, so firmware that runs
 * option ROMs finds nothing to do; the two VMI stubs return 0 (success /
 * VMI_RELOCATION_NONE) and are never called by a 64-bit guest.
 */
void vmim_build_rom(uint8_t *rom, size_t len)
{
	static const char lic[] = "GPL";
	static const char maker[] = "VMware, Inc.";
	static const char product[] = "Virtual Machine Interface";
	const unsigned int lic_off = 0xA0, pcir = 0xB0, pnp = 0xD0;
	const unsigned int maker_off = 0xF0, product_off = 0x100;
	uint8_t sum = 0;
	size_t i;

	memset(rom, 0, len);
	put16(rom, VMI_ROM_SIGNATURE);
	rom[VMI_ROM_OFF_LENGTH] = (uint8_t)(len / 512);
	rom[VMI_ROM_OFF_ENTRY] = 0xCB;			/* retf */
	rom[VMI_ROM_OFF_VSIG + 0] = VMI_SIGNATURE & 0xFF;
	rom[VMI_ROM_OFF_VSIG + 1] = (VMI_SIGNATURE >> 8) & 0xFF;
	rom[VMI_ROM_OFF_VSIG + 2] = (VMI_SIGNATURE >> 16) & 0xFF;
	rom[VMI_ROM_OFF_VSIG + 3] = VMI_SIGNATURE >> 24;
	rom[VMI_ROM_OFF_API_MIN] = VMI_API_REV_MINOR;
	rom[VMI_ROM_OFF_API_MAJ] = VMI_API_REV_MAJOR;
	put16(rom + VMI_ROM_OFF_LICENSE, lic_off);
	put16(rom + VMI_ROM_OFF_PCIR, pcir);
	put16(rom + VMI_ROM_OFF_PNP, pnp);
	memcpy(rom + VMI_ROM_OFF_INIT, "\x31\xC0\xC3", 3);		/* xor eax,eax; ret */
	memcpy(rom + VMI_ROM_OFF_GET_RELOC, "\x31\xC0\x31\xD2\xC3", 5);
	memcpy(rom + lic_off, lic, sizeof(lic));

	memcpy(rom + pcir, "PCIR", 4);
	put16(rom + pcir + 0x04, VMI_PCI_VENDOR_ID);
	put16(rom + pcir + 0x06, VMI_PCI_DEVICE_ID);
	put16(rom + pcir + 0x0A, 0x18);			/* structure length */
	rom[pcir + 0x0D] = 0x00;			/* prog-if, sub-class, base */
	rom[pcir + 0x0E] = VMI_PCI_CLASS & 0xFF;
	rom[pcir + 0x0F] = VMI_PCI_CLASS >> 8;
	put16(rom + pcir + 0x10, (uint16_t)(len / 512));
	rom[pcir + 0x12] = VMI_API_REV_MINOR;		/* ROM version minor, major */
	rom[pcir + 0x13] = VMI_API_REV_MAJOR;
	rom[pcir + 0x14] = 0x00;			/* x86 code */
	rom[pcir + 0x15] = 0x80;			/* last image */

	memcpy(rom + pnp, "$PnP", 4);
	rom[pnp + 0x04] = 1;				/* revision */
	rom[pnp + 0x05] = 2;				/* 32 bytes */
	put16(rom + pnp + 0x0E, maker_off);
	put16(rom + pnp + 0x10, product_off);
	for (i = 0; i < 32; i++)
		sum += rom[pnp + i];
	rom[pnp + 0x09] = (uint8_t)-sum;		/* PnP header checksum */
	memcpy(rom + maker_off, maker, sizeof(maker));
	memcpy(rom + product_off, product, sizeof(product));

	sum = 0;
	for (i = 0; i < len - 1; i++)
		sum += rom[i];
	rom[len - 1] = (uint8_t)-sum;			/* whole-image checksum */
}
