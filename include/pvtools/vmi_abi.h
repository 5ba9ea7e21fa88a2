/* SPDX-License-Identifier: GPL-2.0 OR GPL-2.0-or-later */
/*
 * VMI paravirtual timer (PCI 15ad:0801) device interface, shared by the guest
 * driver (vmi/), the emulated host model (host/vmi) and the tests. All
 * registers and shared memory are little-endian; usable from kernel code and
 * from userspace C via <linux/types.h>.
 *
 * Facts: docs/protocol/vmi.md §1 (PCI identity, option ROM header), §2 (VMI
 * time domains, counters, alarm flags and semantics), §5.2 (BAR0 register
 * map), §5.3 (shared page).
 */
#ifndef PVTOOLS_VMI_ABI_H
#define PVTOOLS_VMI_ABI_H

#include <linux/types.h>

/* docs/protocol/vmi.md §1.1: PCI identity. */
#define VMI_PCI_VENDOR_ID		0x15ADu
#define VMI_PCI_DEVICE_ID		0x0801u
#define VMI_PCI_SUBSYS_ID		0x0800u	/* "Hypervisor ROM Interface" */
#define VMI_PCI_CLASS			0x0580u	/* memory controller, other */
#define VMI_PCI_REVISION		0x01u

/* docs/protocol/vmi.md §1.3/§1.4: the option ROM header (API 3.x layout). */
#define VMI_ROM_SIGNATURE		0xAA55u		/* bytes 55 AA at 0x00 */
#define VMI_SIGNATURE			0x696D5663u	/* "cVmi" */
#define VMI_ROM_OFF_LENGTH		0x02u	/* u8, 512-byte units */
#define VMI_ROM_OFF_ENTRY		0x03u	/* 16-bit BIOS init entry */
#define VMI_ROM_OFF_VSIG		0x08u	/* u32 VMI_SIGNATURE */
#define VMI_ROM_OFF_API_MIN		0x0Cu	/* minor before major */
#define VMI_ROM_OFF_API_MAJ		0x0Du
#define VMI_ROM_OFF_LICENSE		0x16u	/* u16 offset of "GPL" */
#define VMI_ROM_OFF_PCIR		0x18u	/* u16 offset of "PCIR" */
#define VMI_ROM_OFF_PNP			0x1Au	/* u16 offset of "$PnP" */
#define VMI_ROM_OFF_INIT		0x80u	/* vmi_init stub */
#define VMI_ROM_OFF_GET_RELOC		0x88u	/* get_reloc stub */
#define VMI_API_REV_MAJOR		3u
#define VMI_API_REV_MINOR		0u

/* docs/protocol/vmi.md §2.1: counter kinds. */
#define VMI_CYCLES_REAL			0u
#define VMI_CYCLES_AVAILABLE		1u
#define VMI_CYCLES_STOLEN		2u
#define VMI_ALARM_COUNTERS		2u

/* docs/protocol/vmi.md §2.3 and §5.2: the alarm flags / ALARM_CMD word. */
#define VMI_ALARM_COUNTER_MASK		0x000000FFu
#define VMI_ALARM_IS_ONESHOT		0x00000000u
#define VMI_ALARM_IS_PERIODIC		0x00000100u
#define VMI_ALARM_WIRED_IRQ0		0x00000000u
#define VMI_ALARM_WIRED_LVTT		0x00010000u
#define VMI_ALARM_CMD_CANCEL		0x80000000u

/* docs/protocol/vmi.md §5.2: BAR0 global block. */
#define VMI_REG_MAGIC			0x000u	/* u32 VMI_SIGNATURE */
#define VMI_REG_API_MINOR		0x004u	/* u8 */
#define VMI_REG_API_MAJOR		0x005u	/* u8, 3 */
#define VMI_REG_ABI_REV			0x006u	/* u16, 1 */
#define VMI_REG_FEATURES		0x008u
#define VMI_REG_NR_SLOTS		0x00Cu
#define VMI_REG_CYCLE_FREQUENCY		0x010u	/* u64 Hz, 0 = disabled */
#define VMI_REG_REAL_COUNTER		0x018u	/* u64 */
#define VMI_REG_WALLCLOCK_NS		0x020u	/* u64 */
#define VMI_REG_WALLCLOCK_UPDATED	0x028u	/* u32, read clears */
#define VMI_REG_MIN_DELTA		0x02Cu	/* u32 cycles */
#define VMI_REG_CONTROL			0x030u
#define VMI_REG_STATUS			0x034u
#define VMI_REG_SHARED_PAGE_GPA		0x038u	/* u64, bit0 = enable */
#define VMI_GLOBAL_SIZE			0x1000u

#define VMI_ABI_REV			1u

#define VMI_FEAT_COUNTER_REAL		(1u << 0)
#define VMI_FEAT_COUNTER_AVAILABLE	(1u << 1)
#define VMI_FEAT_COUNTER_STOLEN		(1u << 2)
#define VMI_FEAT_ALARM_REAL		(1u << 3)
#define VMI_FEAT_ALARM_AVAILABLE	(1u << 4)
#define VMI_FEAT_ALARM_PERIODIC		(1u << 5)
#define VMI_FEAT_WALLCLOCK		(1u << 6)
#define VMI_FEAT_WALLCLOCK_UPDATED	(1u << 7)
#define VMI_FEAT_MSIX_PER_SLOT		(1u << 8)
#define VMI_FEAT_SHARED_PAGE		(1u << 9)
#define VMI_FEAT_ATOMIC_64BIT_READS	(1u << 10)
#define VMI_FEAT_IS_MODEL		(1u << 31)

#define VMI_CONTROL_ENABLE		(1u << 0)
#define VMI_CONTROL_RESET_ALARMS	(1u << 1)
#define VMI_CONTROL_WALLCLOCK_IRQ_EN	(1u << 2)

#define VMI_STATUS_READY		(1u << 0)
#define VMI_STATUS_COUNTER_FAULT	(1u << 1)
#define VMI_STATUS_ALARM_FAULT		(1u << 2)

#define VMI_SHARED_PAGE_ENABLE		1ull

/* docs/protocol/vmi.md §5.2: per-vCPU slot s at VMI_SLOT_BASE(s). */
#define VMI_SLOT_BASE(s)		(0x1000u + 0x100u * (s))
#define VMI_SLOT_SIZE			0x100u
#define VMI_SLOT_AVAILABLE_COUNTER	0x00u	/* u64; reading latches +0x08/+0x10 */
#define VMI_SLOT_STOLEN_COUNTER		0x08u	/* u64 */
#define VMI_SLOT_REAL_COUNTER		0x10u	/* u64 */
#define VMI_SLOT_ALARM_EXPIRY		0x18u	/* u64 */
#define VMI_SLOT_ALARM_PERIOD		0x20u	/* u64, 0 = one-shot */
#define VMI_SLOT_ALARM_CMD		0x28u	/* u32, WO */
#define VMI_SLOT_ALARM_RESULT		0x2Cu	/* u32 */
#define VMI_SLOT_ALARM_STATE		0x30u	/* u32 */
#define VMI_SLOT_MSIX_ENTRY		0x34u	/* u32, ~0 = none */
#define VMI_SLOT_FIRE_COUNT		0x38u	/* u32 */
#define VMI_SLOT_ACK			0x3Cu	/* u32, W1C fired bits */
#define VMI_SLOT_LAST_FIRE_REAL		0x40u	/* u64 */
#define VMI_SLOT_LAST_EXPIRY		0x48u	/* u64 */
#define VMI_SLOT_APIC_ID		0x50u	/* u32 */

#define VMI_MSIX_NONE			0xFFFFFFFFu

/* ALARM_RESULT after a set. */
#define VMI_SET_OK			0u
#define VMI_SET_NOT_CAPABLE		1u
#define VMI_SET_MODE_UNSUPPORTED	2u

/* ALARM_STATE bits. */
#define VMI_STATE_ARMED(c)		(1u << (c))
#define VMI_STATE_PERIODIC(c)		(1u << (4 + (c)))
#define VMI_STATE_FIRED(c)		(1u << (8 + (c)))

/*
 * docs/protocol/vmi.md §5.3: one 64-byte record per slot in the shared page.
 * REAL = real_at_tsc + ((tsc - tsc_timestamp) shifted by tsc_shift
 * (left if positive) * tsc_to_cycles_mul) >> 32, read pvclock-style: retry
 * while version is odd or changed.
 */
struct vmi_shared_rec {
	__u32 version;
	__u32 flags;
	__u64 tsc_timestamp;
	__u64 real_at_tsc;
	__u32 tsc_to_cycles_mul;
	__s8 tsc_shift;
	__u8 pad[3];
	__u64 stolen_cycles;
	__u8 reserved[24];
};

#define VMI_SHARED_TSC_STABLE		(1u << 0)
#define VMI_SHARED_GUEST_STOPPED	(1u << 1)
#define VMI_SHARED_REC_SIZE		64u
#define VMI_SHARED_PAGE_SIZE		4096u

#endif /* PVTOOLS_VMI_ABI_H */
