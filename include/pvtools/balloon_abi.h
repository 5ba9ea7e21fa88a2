/* SPDX-License-Identifier: GPL-2.0 OR GPL-2.0-or-later */
/*
 * VMware memory balloon ("vmmemctl") port protocol, shared by the guest
 * driver and the emulated host model. One definition of every constant;
 * usable from kernel code and from userspace C via <linux/types.h>.
 *
 * Facts from docs/protocol/balloon.md §1-§4.
 */
#ifndef PVTOOLS_BALLOON_ABI_H
#define PVTOOLS_BALLOON_ABI_H

#include <linux/types.h>

/* One command = one 32-bit IN from this port with the magic in EAX. */
#define VMBALLOON_PORT			0x5670u
#define VMBALLOON_MAGIC			0x456C6D6Fu

/* Commands, decoded from CX[15:0]. 5 was never shipped; 11 is one past the last. */
#define VMBALLOON_CMD_START		0u
#define VMBALLOON_CMD_GET_TARGET	1u
#define VMBALLOON_CMD_LOCK		2u
#define VMBALLOON_CMD_UNLOCK		3u
#define VMBALLOON_CMD_GUEST_ID		4u
#define VMBALLOON_CMD_RESERVED5		5u
#define VMBALLOON_CMD_BATCHED_LOCK	6u
#define VMBALLOON_CMD_BATCHED_UNLOCK	7u
#define VMBALLOON_CMD_BATCHED_2M_LOCK	8u
#define VMBALLOON_CMD_BATCHED_2M_UNLOCK	9u
#define VMBALLOON_CMD_DOORBELL_SET	10u
#define VMBALLOON_CMD_NUM		11u
#define VMBALLOON_CMD_MASK		0xFFFFu

/* A command as a bit of a command set. */
#define VMBALLOON_CMD_BIT(cmd)		(1u << (cmd))
/* Commands whose reply carries the current target in EBX. */
#define VMBALLOON_CMD_WITH_TARGET_MASK					\
	(VMBALLOON_CMD_BIT(VMBALLOON_CMD_GET_TARGET) |			\
	 VMBALLOON_CMD_BIT(VMBALLOON_CMD_LOCK) |			\
	 VMBALLOON_CMD_BIT(VMBALLOON_CMD_UNLOCK) |			\
	 VMBALLOON_CMD_BIT(VMBALLOON_CMD_BATCHED_LOCK) |		\
	 VMBALLOON_CMD_BIT(VMBALLOON_CMD_BATCHED_UNLOCK) |		\
	 VMBALLOON_CMD_BIT(VMBALLOON_CMD_BATCHED_2M_LOCK) |		\
	 VMBALLOON_CMD_BIT(VMBALLOON_CMD_BATCHED_2M_UNLOCK))

/* Capability bits: START argument (requested) and START ECX reply (granted). */
#define VMBALLOON_CAP_BASIC		0x02u	/* LOCK, UNLOCK */
#define VMBALLOON_CAP_BATCHED		0x04u	/* BATCHED_LOCK, BATCHED_UNLOCK */
#define VMBALLOON_CAP_BATCHED_2M	0x08u	/* BATCHED_2M_LOCK, BATCHED_2M_UNLOCK */
#define VMBALLOON_CAP_DOORBELL		0x10u	/* DOORBELL_SET */
#define VMBALLOON_CAP_64BIT_TARGET	0x20u	/* target/limit wider than 32 bits */
/* Bit 0 is reserved so the withdrawn protocol v3 request (3) masks down to BASIC. */
#define VMBALLOON_CAPS_ALL		(VMBALLOON_CAP_BASIC | VMBALLOON_CAP_BATCHED |	\
					 VMBALLOON_CAP_BATCHED_2M | VMBALLOON_CAP_DOORBELL | \
					 VMBALLOON_CAP_64BIT_TARGET)
/* The protocol v2 START argument, answered with plain SUCCESS. */
#define VMBALLOON_PROTOCOL_V2		VMBALLOON_CAP_BASIC

/* Status: EAX for a command, the low 5 bits of a batch entry for a page. */
#define VMBALLOON_SUCCESS		0u
#define VMBALLOON_ERROR_CMD_INVALID	1u
#define VMBALLOON_ERROR_PPN_INVALID	2u
#define VMBALLOON_ERROR_PPN_LOCKED	3u
#define VMBALLOON_ERROR_PPN_UNLOCKED	4u
#define VMBALLOON_ERROR_PPN_PINNED	5u
#define VMBALLOON_ERROR_PPN_NOTNEEDED	6u
#define VMBALLOON_ERROR_RESET		7u
#define VMBALLOON_ERROR_BUSY		8u
/* START only: ECX holds the granted capability mask. */
#define VMBALLOON_SUCCESS_WITH_CAPS	0x03000000u
/* What an unclaimed port (wrong magic) reads as. */
#define VMBALLOON_UNCLAIMED		0xFFFFFFFFu

/* GUEST_ID argument values. */
#define VMBALLOON_GUEST_UNKNOWN		0u
#define VMBALLOON_GUEST_LINUX		1u

/* GET_TARGET limit meaning "size the balloon from the host's configuration". */
#define VMBALLOON_LIMIT_USE_CONFIG	0u
/* DOORBELL_SET context and resource IDs that unregister the doorbell. */
#define VMBALLOON_DOORBELL_INVALID_ID	0xFFFFFFFFu

/* Frames are 4 KiB; a 2M page is an aligned block of 512 frames (order 9). */
#define VMBALLOON_FRAME_SHIFT		12
#define VMBALLOON_2M_ORDER		9
#define VMBALLOON_2M_FRAMES		(1u << VMBALLOON_2M_ORDER)

/*
 * Batch page: up to 512 little-endian u64 entries, entry = PFN << 12 | status.
 * The host keeps bits 63..12, clears the reserved bits 11..5 and writes the
 * status into bits 4..0.
 */
#define VMBALLOON_BATCH_MAX_ENTRIES	512u
#define VMBALLOON_ENTRY_STATUS_MASK	0x1Full
#define VMBALLOON_ENTRY_LOW_MASK	0xFFFull
#define VMBALLOON_ENTRY_PFN_BITS	52

static inline __u64 vmballoon_entry_make(__u64 pfn)
{
	return pfn << VMBALLOON_FRAME_SHIFT;
}

static inline __u64 vmballoon_entry_pfn(__u64 entry)
{
	return entry >> VMBALLOON_FRAME_SHIFT;
}

static inline __u32 vmballoon_entry_status(__u64 entry)
{
	return (__u32)(entry & VMBALLOON_ENTRY_STATUS_MASK);
}

static inline __u64 vmballoon_entry_set_status(__u64 entry, __u32 status)
{
	return (entry & ~VMBALLOON_ENTRY_LOW_MASK) |
	       (status & VMBALLOON_ENTRY_STATUS_MASK);
}

#endif /* PVTOOLS_BALLOON_ABI_H */
