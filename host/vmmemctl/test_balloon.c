// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests and a random-command fuzz loop for the balloon host model,
 * run under ASan/UBSan; conformance vectors CV1-CV12 of
 * docs/protocol/balloon.md §9 (CV1-CV12). Prints KTAP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ktap.h"
#include "balloon.h"

#define RAM_FRAMES	0x40000ull		/* 1 GiB */
#define BATCH_PFN	0x1000ull
#define FRAME_SIZE	4096ull

struct fake_guest {
	unsigned char *mem;
	uint64_t *taken;		/* shadow of frames the host holds */
	uint64_t taken_frames;
	uint32_t rings;
	uint32_t ring_context, ring_resource;
	int errors;			/* callback contract violations */
};

static struct fake_guest guest;

static bool taken_test(uint64_t pfn)
{
	return guest.taken[pfn / 64] >> (pfn % 64) & 1;
}

static bool g_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	(void)opaque;
	if (gpa >= RAM_FRAMES * FRAME_SIZE || len > RAM_FRAMES * FRAME_SIZE - gpa)
		return false;
	memcpy(buf, guest.mem + gpa, len);
	return true;
}

static bool g_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
	(void)opaque;
	if (gpa >= RAM_FRAMES * FRAME_SIZE || len > RAM_FRAMES * FRAME_SIZE - gpa)
		return false;
	memcpy(guest.mem + gpa, buf, len);
	return true;
}

static void g_taken(void *opaque, uint64_t pfn, uint64_t count)
{
	uint64_t f;

	(void)opaque;
	for (f = pfn; f < pfn + count; f++) {
		if (f >= RAM_FRAMES || taken_test(f))
			guest.errors++;
		else
			guest.taken[f / 64] |= 1ull << (f % 64);
	}
	guest.taken_frames += count;
}

static void g_returned(void *opaque, uint64_t pfn, uint64_t count)
{
	uint64_t f;

	(void)opaque;
	for (f = pfn; f < pfn + count; f++) {
		if (f >= RAM_FRAMES || !taken_test(f))
			guest.errors++;
		else
			guest.taken[f / 64] &= ~(1ull << (f % 64));
	}
	guest.taken_frames -= count;
}

static void g_ring(void *opaque, uint32_t context, uint32_t resource)
{
	(void)opaque;
	guest.rings++;
	guest.ring_context = context;
	guest.ring_resource = resource;
}

static const struct vmb_ops ops = {
	.read_guest = g_read,
	.write_guest = g_write,
	.frames_taken = g_taken,
	.frames_returned = g_returned,
	.frames_forgotten = g_returned,
	.ring_doorbell = g_ring,
};

static uint64_t *batch(void)
{
	return (uint64_t *)(guest.mem + BATCH_PFN * FRAME_SIZE);
}

static void setup(struct vmb *m, uint32_t caps, uint64_t target)
{
	static const struct vmb_range ram = { 0, RAM_FRAMES };

	memset(guest.taken, 0, RAM_FRAMES / 8);
	guest.taken_frames = 0;
	guest.rings = 0;
	guest.errors = 0;
	if (vmb_init(m, &ram, 1, &ops, NULL)) {
		printf("Bail out! vmb_init\n");
		exit(1);
	}
	vmb_set_host_caps(m, caps);
	vmb_set_target(m, target);
}

/* One IN; checks the registers the host must not touch. */
static struct vmb_regs call(struct vmb *m, uint64_t rcx, uint64_t rbx, uint64_t rsi)
{
	struct vmb_regs r = {
		.rax = VMBALLOON_MAGIC, .rbx = rbx, .rcx = rcx,
		.rdx = VMBALLOON_PORT, .rsi = rsi, .rdi = 0xD1D1D1D1D1D1D1D1ull,
	};

	vmb_io(m, &r);
	if (r.rdx != VMBALLOON_PORT || r.rsi != rsi || r.rdi != 0xD1D1D1D1D1D1D1D1ull ||
	    r.rax > UINT32_MAX)
		guest.errors++;
	return r;
}

static bool consistent(const struct vmb *m)
{
	uint64_t f, n4 = 0, n2 = 0;

	for (f = 0; f < RAM_FRAMES; f++) {
		if (vmb_frame_locked(m, f) != taken_test(f))
			return false;
	}
	for (f = 0; f < RAM_FRAMES; f++)
		n4 += m->locked4k[f / 64] >> (f % 64) & 1;
	for (f = 0; f < RAM_FRAMES / 512; f++)
		n2 += m->locked2m[f / 64] >> (f % 64) & 1;
	return guest.errors == 0 && m->locked_frames == guest.taken_frames &&
	       m->locked_frames == n4 + 512 * n2 &&
	       n4 == m->locked_4k_pages && n2 == m->locked_2m_pages;
}

static struct vmb_regs start(struct vmb *m, uint32_t request)
{
	return call(m, VMBALLOON_CMD_START, request, 0);
}

static bool t_cv1_start_all(void)
{
	struct vmb m;
	struct vmb_regs r;

	setup(&m, 0x3E, 0x8000);
	r = start(&m, 0x3E);
	CHECK(r.rax == 0x03000000 && r.rcx == 0x3E && r.rbx == 0x8000);
	CHECK(m.state == VMB_RUNNING);
	vmb_destroy(&m);
	return true;
}

static bool t_cv2_partial_and_legacy(void)
{
	struct vmb m;
	struct vmb_regs r;

	setup(&m, 0x06, 0x8000);
	r = start(&m, 0x3E);
	CHECK(r.rax == 0x03000000 && r.rcx == 0x06);
	r = start(&m, 0x02);
	CHECK(r.rax == 0 && m.granted == 0x02);
	/* Bits the host never offers cannot be granted, nor reserved bit 0. */
	r = start(&m, 0xFFFFFFFF);
	CHECK(r.rax == 0x03000000 && r.rcx == 0x06);
	m.legacy = true;
	r = start(&m, 0x3E);
	CHECK(r.rax == 0 && m.granted == 0x02);
	vmb_destroy(&m);
	return true;
}

static bool t_cv3_guest_id_and_target(void)
{
	struct vmb m;
	struct vmb_regs r;

	setup(&m, 0x3E, 0x8000);
	start(&m, 0x3E);
	r = call(&m, VMBALLOON_CMD_GUEST_ID, 1, 0);
	CHECK(r.rax == 0 && m.guest_type == 1);
	r = call(&m, VMBALLOON_CMD_GET_TARGET, 0x40000, 0);
	CHECK(r.rax == 0 && r.rbx == 0x8000 && m.limit == 0x40000);
	/* The guest's limit bounds the target. */
	r = call(&m, VMBALLOON_CMD_GET_TARGET, 0x4000, 0);
	CHECK(r.rbx == 0x4000);
	/* Never more than guest RAM. */
	vmb_set_target(&m, 0x100000);
	r = call(&m, VMBALLOON_CMD_GET_TARGET, 0, 0);
	CHECK(r.rbx == RAM_FRAMES);
	vmb_destroy(&m);
	return true;
}

/* Lock 0x100 frames at 0x20000.. so later vectors start from CV4's state. */
static void prefill(struct vmb *m, uint64_t frames)
{
	uint64_t i;

	for (i = 0; i < frames; i++) {
		batch()[0] = vmballoon_entry_make(0x20000 + i);
		call(m, VMBALLOON_CMD_BATCHED_LOCK, BATCH_PFN, 1);
	}
}

static bool t_cv4_to_cv6_batches(void)
{
	struct vmb m;
	struct vmb_regs r;

	setup(&m, 0x3E, 0x8000);
	start(&m, 0x3E);
	prefill(&m, 0x100);
	CHECK(m.locked_frames == 0x100);
	vmb_pin(&m, 0x125);
	batch()[0] = 0x123000;
	batch()[1] = 0x124000;
	batch()[2] = 0x125000;
	r = call(&m, VMBALLOON_CMD_BATCHED_LOCK, BATCH_PFN, 3);
	CHECK(r.rax == 0 && r.rbx == 0x8000);
	CHECK(batch()[0] == 0x123000 && batch()[1] == 0x124000 && batch()[2] == 0x125005);
	CHECK(m.locked_frames == 0x102);

	batch()[0] = 0x123000;
	batch()[1] = 0x126000;
	r = call(&m, VMBALLOON_CMD_BATCHED_UNLOCK, BATCH_PFN, 2);
	CHECK(r.rax == 0 && r.rbx == 0x8000);
	CHECK(batch()[0] == 0x123000 && batch()[1] == 0x126004);
	CHECK(m.locked_frames == 0x101);

	batch()[0] = 0x130000;
	batch()[1] = 0x130000;
	batch()[2] = 0x40000000;
	r = call(&m, VMBALLOON_CMD_BATCHED_LOCK, BATCH_PFN, 3);
	CHECK(r.rax == 0);
	CHECK(batch()[0] == 0x130000 && batch()[1] == 0x130003 && batch()[2] == 0x40000002);
	CHECK(m.locked_frames == 0x102);
	/* The batch page itself cannot be ballooned. */
	batch()[0] = vmballoon_entry_make(BATCH_PFN);
	call(&m, VMBALLOON_CMD_BATCHED_LOCK, BATCH_PFN, 1);
	CHECK(vmballoon_entry_status(batch()[0]) == VMBALLOON_ERROR_PPN_PINNED);
	/* Reserved bits and a stale status are cleared, the PFN kept. */
	batch()[0] = 0x131000 | 0xFE0 | 0x1F;
	call(&m, VMBALLOON_CMD_BATCHED_LOCK, BATCH_PFN, 1);
	CHECK(batch()[0] == 0x131000);
	CHECK(consistent(&m));
	vmb_destroy(&m);
	return true;
}

static bool t_cv7_2m_across_target(void)
{
	struct vmb m;
	struct vmb_regs r;

	setup(&m, 0x3E, 0x8000);
	start(&m, 0x3E);
	/* 0x7F00 frames: 63 2M pages plus 0x100 4K pages, away from the test PFNs. */
	for (uint64_t i = 0; i < 63; i++) {
		batch()[i] = vmballoon_entry_make(0x10000 + i * 512);
	}
	r = call(&m, VMBALLOON_CMD_BATCHED_2M_LOCK, BATCH_PFN, 63);
	CHECK(r.rax == 0);
	prefill(&m, 0x100);
	CHECK(m.locked_frames == 0x7F00);
	batch()[0] = 0x200000;
	batch()[1] = 0x401000;
	batch()[2] = 0x600000;
	r = call(&m, VMBALLOON_CMD_BATCHED_2M_LOCK, BATCH_PFN, 3);
	CHECK(r.rax == 0 && r.rbx == 0x8000);
	CHECK(batch()[0] == 0x200000 && batch()[1] == 0x401002 && batch()[2] == 0x600006);
	CHECK(m.locked_frames == 0x8100);
	/* A 4K lock inside a locked 2M block, and a 2M over a locked 4K frame. */
	vmb_set_target(&m, 0x10000);
	batch()[0] = vmballoon_entry_make(0x201);
	call(&m, VMBALLOON_CMD_BATCHED_LOCK, BATCH_PFN, 1);
	CHECK(vmballoon_entry_status(batch()[0]) == VMBALLOON_ERROR_PPN_LOCKED);
	batch()[0] = vmballoon_entry_make(0x20000);
	call(&m, VMBALLOON_CMD_BATCHED_2M_LOCK, BATCH_PFN, 1);
	CHECK(vmballoon_entry_status(batch()[0]) == VMBALLOON_ERROR_PPN_LOCKED);
	/* A 2M block is not unlocked page by page, nor a 4K page as 2M. */
	batch()[0] = vmballoon_entry_make(0x200);
	call(&m, VMBALLOON_CMD_BATCHED_UNLOCK, BATCH_PFN, 1);
	CHECK(vmballoon_entry_status(batch()[0]) == VMBALLOON_ERROR_PPN_UNLOCKED);
	batch()[0] = vmballoon_entry_make(0x200);
	call(&m, VMBALLOON_CMD_BATCHED_2M_UNLOCK, BATCH_PFN, 1);
	CHECK(vmballoon_entry_status(batch()[0]) == 0 && m.locked_frames == 0x7F00);
	/* A 2M block reaching past the end of RAM. */
	batch()[0] = vmballoon_entry_make(RAM_FRAMES - 256);
	call(&m, VMBALLOON_CMD_BATCHED_2M_LOCK, BATCH_PFN, 1);
	CHECK(vmballoon_entry_status(batch()[0]) == VMBALLOON_ERROR_PPN_INVALID);
	CHECK(consistent(&m));
	vmb_destroy(&m);
	return true;
}

static bool t_cv8_single_page(void)
{
	struct vmb m;
	struct vmb_regs r;
	uint64_t i;

	setup(&m, 0x3E, 0x8000);
	r = start(&m, 0x02);
	CHECK(r.rax == 0);
	for (i = 0; i < 0x8000; i++) {
		r = call(&m, VMBALLOON_CMD_LOCK, 0x100 + i, 1);
		if (r.rax)
			break;
	}
	CHECK(i == 0x8000 && m.locked_frames == 0x8000);
	r = call(&m, VMBALLOON_CMD_LOCK, 0x150, 1);
	CHECK(r.rax == VMBALLOON_ERROR_PPN_LOCKED);
	r = call(&m, VMBALLOON_CMD_LOCK, 0x9000, 1);
	CHECK(r.rax == VMBALLOON_ERROR_PPN_NOTNEEDED && r.rbx == 0x8000);
	r = call(&m, VMBALLOON_CMD_UNLOCK, 0x150, 1);
	CHECK(r.rax == 0 && m.locked_frames == 0x7FFF);
	r = call(&m, VMBALLOON_CMD_UNLOCK, 0x150, 1);
	CHECK(r.rax == VMBALLOON_ERROR_PPN_UNLOCKED);
	r = call(&m, VMBALLOON_CMD_LOCK, RAM_FRAMES, 1);
	CHECK(r.rax == VMBALLOON_ERROR_PPN_INVALID);
	CHECK(consistent(&m));
	vmb_destroy(&m);
	return true;
}

static bool t_cv9_reset_recovery(void)
{
	struct vmb m;
	struct vmb_regs r;
	uint64_t i;

	setup(&m, 0x3E, 0x8000);
	start(&m, 0x3E);
	for (i = 0; i < 64; i++)
		batch()[i] = vmballoon_entry_make(0x10000 + 512 * i);
	call(&m, VMBALLOON_CMD_BATCHED_2M_LOCK, BATCH_PFN, 64);
	CHECK(m.locked_frames == 0x8000 && guest.taken_frames == 0x8000);
	vmb_host_reset(&m);
	CHECK(m.locked_frames == 0 && guest.taken_frames == 0 && m.state == VMB_NEED_START);
	r = call(&m, VMBALLOON_CMD_GET_TARGET, 0x40000, 0);
	CHECK(r.rax == VMBALLOON_ERROR_RESET && r.rbx == 0x8000);
	r = call(&m, VMBALLOON_CMD_DOORBELL_SET, ~0ull, ~0ull);
	CHECK(r.rax == VMBALLOON_ERROR_RESET);
	batch()[0] = vmballoon_entry_make(0x10000);
	r = call(&m, VMBALLOON_CMD_BATCHED_2M_UNLOCK, BATCH_PFN, 1);
	CHECK(r.rax == VMBALLOON_ERROR_RESET && batch()[0] == 0x10000000);
	r = start(&m, 0x3E);
	CHECK(r.rax == 0x03000000 && r.rcx == 0x3E);
	r = call(&m, VMBALLOON_CMD_GUEST_ID, 1, 0);
	CHECK(r.rax == 0);
	r = call(&m, VMBALLOON_CMD_GET_TARGET, 0x40000, 0);
	CHECK(r.rax == 0 && r.rbx == 0x8000);
	{
		struct vmb_log_entry log[8];
		unsigned int n = vmb_log_read(&m, log, 8);

		CHECK(n == 8 && log[7].cmd == 1 && log[7].status == 0);
		CHECK(log[5].cmd == 0 && log[5].status == 0x03000000);
		CHECK(log[4].cmd == 9 && log[4].status == 7);
		vmb_log_clear(&m);
		CHECK(vmb_log_read(&m, log, 8) == 0);
	}
	/* START also ends the old session: the unload path of Linux. */
	call(&m, VMBALLOON_CMD_BATCHED_2M_LOCK, BATCH_PFN, 1);
	CHECK(m.locked_frames == 512);
	r = start(&m, 0);
	CHECK(r.rax == VMBALLOON_ERROR_CMD_INVALID && m.locked_frames == 0);
	CHECK(m.state == VMB_NEED_START && r.rcx == 0);
	r = call(&m, VMBALLOON_CMD_GET_TARGET, 0x40000, 0);
	CHECK(r.rax == VMBALLOON_ERROR_RESET);
	m.legacy = true;
	r = start(&m, 0x01);
	CHECK(r.rax == VMBALLOON_ERROR_CMD_INVALID);
	CHECK(consistent(&m));
	vmb_destroy(&m);
	return true;
}

static bool t_cv10_gating(void)
{
	struct vmb m;
	struct vmb_regs r;

	setup(&m, 0x06, 0x8000);
	start(&m, 0x3E);
	r = call(&m, 5, 0, 0);
	CHECK(r.rax == VMBALLOON_ERROR_CMD_INVALID);
	batch()[0] = 0x200000;
	r = call(&m, VMBALLOON_CMD_BATCHED_2M_LOCK, BATCH_PFN, 1);
	CHECK(r.rax == VMBALLOON_ERROR_CMD_INVALID && batch()[0] == 0x200000);
	r = call(&m, VMBALLOON_CMD_DOORBELL_SET, 1, 2);
	CHECK(r.rax == VMBALLOON_ERROR_CMD_INVALID);
	r = call(&m, 0xB, 0, 0);
	CHECK(r.rax == VMBALLOON_ERROR_CMD_INVALID);
	r = call(&m, 0xFFFF, 0, 0);
	CHECK(r.rax == VMBALLOON_ERROR_CMD_INVALID);
	start(&m, 0x02);
	r = call(&m, VMBALLOON_CMD_BATCHED_LOCK, BATCH_PFN, 1);
	CHECK(r.rax == VMBALLOON_ERROR_CMD_INVALID);
	start(&m, 0x04);
	r = call(&m, VMBALLOON_CMD_LOCK, 0x300, 1);
	CHECK(r.rax == VMBALLOON_ERROR_CMD_INVALID);
	/* Batch sizes and batch page checks. */
	r = call(&m, VMBALLOON_CMD_BATCHED_LOCK, BATCH_PFN, 0);
	CHECK(r.rax == 0 && m.locked_frames == 0);
	r = call(&m, VMBALLOON_CMD_BATCHED_LOCK, BATCH_PFN, 513);
	CHECK(r.rax == VMBALLOON_ERROR_CMD_INVALID && m.locked_frames == 0);
	r = call(&m, VMBALLOON_CMD_BATCHED_LOCK, RAM_FRAMES, 1);
	CHECK(r.rax == VMBALLOON_ERROR_PPN_INVALID);
	batch()[0] = vmballoon_entry_make(0x400);
	call(&m, VMBALLOON_CMD_BATCHED_LOCK, BATCH_PFN, 1);
	r = call(&m, VMBALLOON_CMD_BATCHED_LOCK, 0x400, 1);
	CHECK(r.rax == VMBALLOON_ERROR_PPN_INVALID);
	CHECK(m.cnt.calls[VMB_CMD_SLOT_OTHER] == 3 && m.cnt.failed[VMBALLOON_CMD_BATCHED_2M_LOCK] == 1);
	CHECK(consistent(&m));
	vmb_destroy(&m);
	return true;
}

static bool t_cv11_doorbell(void)
{
	struct vmb m;
	struct vmb_regs r;

	setup(&m, 0x3E, 0x8000);
	start(&m, 0x3E);
	r = call(&m, VMBALLOON_CMD_DOORBELL_SET, 0x6E2A31F3, 0x400);
	CHECK(r.rax == 0);
	vmb_set_target(&m, 0x9000);
	CHECK(guest.rings == 1 && guest.ring_context == 0x6E2A31F3 && guest.ring_resource == 0x400);
	vmb_set_target(&m, 0x9000);
	CHECK(guest.rings == 1);
	r = call(&m, VMBALLOON_CMD_DOORBELL_SET, ~0ull, ~0ull);
	CHECK(r.rax == 0);
	vmb_set_target(&m, 0xA000);
	CHECK(guest.rings == 1);
	call(&m, VMBALLOON_CMD_DOORBELL_SET, 1, 2);
	r = call(&m, VMBALLOON_CMD_DOORBELL_SET, 0xFFFFFFFF, 0xFFFFFFFF);
	CHECK(r.rax == 0 && !m.doorbell_set);
	call(&m, VMBALLOON_CMD_DOORBELL_SET, 1, 2);
	vmb_host_reset(&m);
	vmb_set_target(&m, 0xB000);
	CHECK(guest.rings == 1);
	vmb_destroy(&m);
	return true;
}

static bool t_cv12_decoding(void)
{
	struct vmb m;
	struct vmb_regs r = {
		.rax = 0x11111111, .rbx = 0x40000, .rcx = 1, .rdx = 0x5670,
	};

	setup(&m, 0x3E, 0x8000);
	start(&m, 0x3E);
	r = call(&m, 0xDEADBEEF00000001ull, 0x40000, 0);
	CHECK(r.rax == 0 && r.rbx == 0x8000);
	r = (struct vmb_regs){ .rax = 0x11111111, .rbx = 0x40000, .rcx = 1, .rdx = 0x5670 };
	CHECK(!vmb_io(&m, &r));
	CHECK(r.rax == 0xFFFFFFFF && r.rbx == 0x40000 && r.rcx == 1 && m.cnt.bad_magic == 1);
	/* Upper half of RAX is not part of the magic. */
	r = (struct vmb_regs){ .rax = 0xFFFFFFFF00000000ull | VMBALLOON_MAGIC, .rbx = 0x40000,
			       .rcx = 1, .rdx = 0x5670 };
	CHECK(vmb_io(&m, &r) && r.rax == 0);
	CHECK(guest.errors == 0);
	vmb_destroy(&m);
	return true;
}

static bool t_64bit_target_clamp(void)
{
	static const struct vmb_range ram[2] = {
		{ 0, 0xC0000 }, { 0x100000, 0x40000 },
	};
	struct vmb m;
	struct vmb_regs r;

	setup(&m, 0x3E, 0x8000);
	vmb_destroy(&m);
	CHECK(vmb_init(&m, ram, 2, &ops, NULL) == 0);
	CHECK(m.ram_frames == 0x100000);
	vmb_set_fault(&m, VMB_FAULT_TARGET_OVER_RAM);
	start(&m, 0x1E);
	r = call(&m, VMBALLOON_CMD_GET_TARGET, 0x100000, 0);
	CHECK(r.rbx == 0xFFFFFFFF);
	start(&m, 0x3E);
	r = call(&m, VMBALLOON_CMD_GET_TARGET, 0x100000, 0);
	CHECK(r.rbx > 0xFFFFFFFF);
	vmb_set_fault(&m, VMB_FAULT_NONE);
	vmb_set_target(&m, 0x200000);
	r = call(&m, VMBALLOON_CMD_GET_TARGET, 0, 0);
	CHECK(r.rbx == 0x100000);
	/* The hole between the two RAM ranges. */
	r = call(&m, VMBALLOON_CMD_LOCK, 0xC0000, 1);
	CHECK(r.rax == VMBALLOON_ERROR_PPN_INVALID);
	r = call(&m, VMBALLOON_CMD_LOCK, 0x100000, 1);
	CHECK(r.rax == 0);
	vmb_host_reset(&m);
	vmb_destroy(&m);
	return true;
}

static bool t_faults(void)
{
	struct vmb m;
	struct vmb_regs r;

	setup(&m, 0x3E, 0x8000);
	start(&m, 0x3E);
	CHECK(vmb_fault_parse("refuse-all") == VMB_FAULT_REFUSE_ALL);
	CHECK(vmb_fault_parse("nonsense") == -1);

	vmb_set_fault(&m, VMB_FAULT_REFUSE_ALL);
	batch()[0] = 0x300000;
	call(&m, VMBALLOON_CMD_BATCHED_LOCK, BATCH_PFN, 1);
	CHECK(batch()[0] == 0x300005 && m.locked_frames == 0);

	vmb_set_fault(&m, VMB_FAULT_BAD_ENTRY_STATUS);
	batch()[0] = 0x300000;
	batch()[1] = 0x301000;
	r = call(&m, VMBALLOON_CMD_BATCHED_LOCK, BATCH_PFN, 2);
	CHECK(r.rax == 0 && m.locked_frames == 0);
	CHECK((batch()[0] & 0x1F) >= 9 && (batch()[0] & 0xFE0) && (batch()[0] >> 12) != 0x300);

	vmb_set_fault(&m, VMB_FAULT_BAD_CMD_STATUS);
	r = call(&m, VMBALLOON_CMD_GET_TARGET, 0, 0);
	CHECK(r.rax == VMB_BAD_CMD_STATUS);
	r = start(&m, 0x3E);
	CHECK(r.rax == 0x03000000);

	vmb_set_fault(&m, VMB_FAULT_BUSY);
	r = call(&m, VMBALLOON_CMD_LOCK, 0x300, 1);
	CHECK(r.rax == VMBALLOON_ERROR_BUSY);
	r = call(&m, VMBALLOON_CMD_GET_TARGET, 0, 0);
	CHECK(r.rax == 0);

	vmb_set_fault(&m, VMB_FAULT_NONE);
	batch()[0] = 0x300000;
	call(&m, VMBALLOON_CMD_BATCHED_LOCK, BATCH_PFN, 1);
	CHECK(m.locked_frames == 1);
	vmb_set_fault(&m, VMB_FAULT_RESET_ALWAYS);
	r = call(&m, VMBALLOON_CMD_GET_TARGET, 0, 0);
	CHECK(r.rax == VMBALLOON_ERROR_RESET && m.locked_frames == 0 && m.cnt.resets == 1);
	r = start(&m, 0x3E);
	CHECK(r.rax == 0x03000000);
	r = call(&m, VMBALLOON_CMD_GUEST_ID, 1, 0);
	CHECK(r.rax == VMBALLOON_ERROR_RESET);

	vmb_set_fault(&m, VMB_FAULT_NONE);
	start(&m, 0x3E);
	vmb_force_cmd_status(&m, VMBALLOON_CMD_GET_TARGET, VMBALLOON_ERROR_BUSY);
	r = call(&m, VMBALLOON_CMD_GET_TARGET, 0, 0);
	CHECK(r.rax == VMBALLOON_ERROR_BUSY);
	r = call(&m, VMBALLOON_CMD_GET_TARGET, 0, 0);
	CHECK(r.rax == 0);
	vmb_force_cmd_status_after(&m, VMBALLOON_CMD_GET_TARGET, VMBALLOON_ERROR_BUSY, 2);
	r = call(&m, VMBALLOON_CMD_GET_TARGET, 0, 0);
	CHECK(r.rax == 0);
	r = call(&m, VMBALLOON_CMD_GET_TARGET, 0, 0);
	CHECK(r.rax == 0);
	r = call(&m, VMBALLOON_CMD_GET_TARGET, 0, 0);
	CHECK(r.rax == VMBALLOON_ERROR_BUSY);
	r = call(&m, VMBALLOON_CMD_GET_TARGET, 0, 0);
	CHECK(r.rax == 0);
	vmb_force_entry_status(&m, 0x302, VMBALLOON_ERROR_BUSY);
	batch()[0] = 0x301000;
	batch()[1] = 0x302000;
	call(&m, VMBALLOON_CMD_BATCHED_LOCK, BATCH_PFN, 2);
	CHECK(batch()[0] == 0x301000 && batch()[1] == 0x302008 && m.locked_frames == 1);
	vmb_force_cmd_status(&m, VMBALLOON_CMD_BATCHED_LOCK, VMBALLOON_ERROR_RESET);
	r = call(&m, VMBALLOON_CMD_BATCHED_LOCK, BATCH_PFN, 2);
	CHECK(r.rax == VMBALLOON_ERROR_RESET && m.state == VMB_NEED_START && m.locked_frames == 0);
	CHECK(consistent(&m));
	vmb_destroy(&m);
	return true;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* A PFN that is interesting: mostly inside a small window so collisions happen. */
static uint64_t rnd_pfn(void)
{
	switch (rnd() % 8) {
	case 0:
		return rnd();
	case 1:
		return RAM_FRAMES - 1 - rnd() % 1024;
	case 2:
		return (rnd() % 64) * 512;
	default:
		return 0x2000 + rnd() % 0x4000;
	}
}

static bool t_fuzz(void)
{
	struct vmb m;
	unsigned long iter;

	setup(&m, 0x3E, 0x3000);
	for (iter = 0; iter < 200000; iter++) {
		uint64_t rcx = rnd() % 16 == 0 ? rnd() : rnd() % 12;
		uint64_t rbx = rnd_pfn(), rsi = rnd() % 600;
		uint32_t i;

		switch (rnd() % 64) {
		case 0:
			vmb_host_reset(&m);
			break;
		case 1:
			vmb_set_fault(&m, rnd() % VMB_FAULT_NUM);
			break;
		case 2:
			vmb_set_host_caps(&m, (uint32_t)rnd());
			break;
		case 3:
			vmb_set_target(&m, rnd() % 0x8000);
			break;
		case 4:
			vmb_force_cmd_status_after(&m, rnd() % 12, rnd() % 10, rnd() % 4);
			break;
		case 5:
			vmb_force_entry_status(&m, rnd_pfn(), rnd() % 32);
			break;
		case 6:
			m.legacy = !m.legacy;
			break;
		}
		if ((rcx & 0xFFFF) == 0)
			rbx = rnd() % 4 ? 0x3E : rnd();
		if (rnd() % 2)
			rbx = BATCH_PFN;
		for (i = 0; i < 512; i++) {
			uint64_t pfn = rnd_pfn();

			if (rnd() % 2)
				pfn &= ~511ull;
			batch()[i] = rnd() % 16 ? vmballoon_entry_make(pfn) : rnd();
		}
		call(&m, rcx, rbx, rsi);
		if (guest.errors || m.locked_frames != guest.taken_frames) {
			printf("# iteration %lu: cmd %#llx\n", iter, (unsigned long long)rcx);
			return false;
		}
		if (iter % 20000 == 0)
			CHECK(consistent(&m));
	}
	CHECK(consistent(&m));
	vmb_host_reset(&m);
	CHECK(guest.taken_frames == 0 && consistent(&m));
	CHECK(m.cnt.frames_taken == m.cnt.frames_returned + m.cnt.frames_forgotten);
	printf("# fuzz: 200000 commands, %llu frames taken, %llu unlocked, %llu forgotten\n",
	       (unsigned long long)m.cnt.frames_taken,
	       (unsigned long long)m.cnt.frames_returned,
	       (unsigned long long)m.cnt.frames_forgotten);
	vmb_destroy(&m);
	return true;
}

/* Frame runs: adjacent frames join at either end; nothing lost or doubled. */
static bool t_frame_runs(void)
{
	static int16_t seen[4096 + 8];
	struct vmb_run run = { 0 }, done;
	unsigned long i, inputs = 0, outputs = 0;
	uint64_t f;

	CHECK(!vmb_run_take(&run, &done));
	CHECK(!vmb_run_add(&run, 5, 0, &done) && !run.count);
	/* Ascending 4K frames, then a 2M block right after them. */
	CHECK(!vmb_run_add(&run, 10, 1, &done));
	CHECK(!vmb_run_add(&run, 11, 1, &done));
	CHECK(!vmb_run_add(&run, 12, 500, &done));
	CHECK(vmb_run_take(&run, &done) && done.pfn == 10 && done.count == 502);
	CHECK(!run.count);
	/* Descending, as a LIFO balloon list gives pages back. */
	CHECK(!vmb_run_add(&run, 1024, 512, &done));
	CHECK(!vmb_run_add(&run, 512, 512, &done));
	CHECK(!vmb_run_add(&run, 511, 1, &done));
	CHECK(vmb_run_take(&run, &done) && done.pfn == 511 && done.count == 1025);
	/* A gap (or an overlap) ends the run: the caller gets the old one. */
	CHECK(!vmb_run_add(&run, 5, 1, &done));
	CHECK(vmb_run_add(&run, 7, 1, &done) && done.pfn == 5 && done.count == 1);
	CHECK(vmb_run_add(&run, 7, 1, &done) && done.pfn == 7 && done.count == 1);
	CHECK(vmb_run_take(&run, &done) && done.pfn == 7 && done.count == 1);

	/* Random traffic: every frame put in comes out exactly once, in runs. */
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 100000; i++) {
		uint64_t pfn = rnd() % 4096, count = 1 + rnd() % 8;

		for (f = pfn; f < pfn + count; f++)
			seen[f]++;
		inputs++;
		if (vmb_run_add(&run, pfn, count, &done)) {
			CHECK(done.count && done.pfn + done.count <= 4096 + 8);
			for (f = done.pfn; f < done.pfn + done.count; f++)
				seen[f]--;
			outputs++;
		}
	}
	if (vmb_run_take(&run, &done)) {
		for (f = done.pfn; f < done.pfn + done.count; f++)
			seen[f]--;
		outputs++;
	}
	for (f = 0; f < 4096 + 8; f++)
		CHECK(seen[f] == 0);
	CHECK(outputs <= inputs && outputs > 0);
	return true;
}

int main(void)
{
	guest.mem = mmap(NULL, RAM_FRAMES * FRAME_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	guest.taken = calloc(RAM_FRAMES / 64, sizeof(uint64_t));
	if (guest.mem == MAP_FAILED || !guest.taken) {
		printf("Bail out! no memory\n");
		return 1;
	}
	printf("KTAP version 1\n1..14\n");
	ktap_run("cv1_start_all", t_cv1_start_all);
	ktap_run("cv2_partial_and_legacy", t_cv2_partial_and_legacy);
	ktap_run("cv3_guest_id_and_target", t_cv3_guest_id_and_target);
	ktap_run("cv4_to_cv6_batches", t_cv4_to_cv6_batches);
	ktap_run("cv7_2m_across_target", t_cv7_2m_across_target);
	ktap_run("cv8_single_page", t_cv8_single_page);
	ktap_run("cv9_reset_recovery", t_cv9_reset_recovery);
	ktap_run("cv10_gating", t_cv10_gating);
	ktap_run("cv11_doorbell", t_cv11_doorbell);
	ktap_run("cv12_decoding", t_cv12_decoding);
	ktap_run("target_clamps_and_ram_holes", t_64bit_target_clamp);
	ktap_run("fault_switches", t_faults);
	ktap_run("fuzz_random_commands", t_fuzz);
	ktap_run("frame_runs", t_frame_runs);
	free(guest.taken);
	munmap(guest.mem, RAM_FRAMES * FRAME_SIZE);
	return ktap_failures ? 1 : 0;
}
