/* SPDX-License-Identifier: GPL-2.0 OR GPL-2.0-or-later */
/*
 * Enhanced vmxnet ("vmxnet2", PCI 15ad:0720) device interface, shared by the
 * guest driver, the emulated host model and the test tools. All shared memory
 * is little-endian; usable from kernel code and from userspace C via
 * <linux/types.h>.
 *
 * Facts from docs/protocol/vmxnet.md A1-A6 and C1-C10.
 */
#ifndef PVTOOLS_VMXNET_ABI_H
#define PVTOOLS_VMXNET_ABI_H

#include <linux/types.h>

/* docs/protocol/vmxnet.md A1: PCI identity and the single I/O BAR. */
#define VMXNET_PCI_VENDOR_ID		0x15ADu
#define VMXNET_PCI_DEVICE_ID		0x0720u
#define VMXNET_PCI_CLASS		0x020000u	/* assumed: docs/protocol/vmxnet.md D1 */
#define VMXNET_CHIP_IO_RESV_SIZE	0x40u		/* minimum BAR0 size */

/*
 * docs/protocol/vmxnet.md A1.3: the Flexible adapter, an AMD PCnet32
 * ("vlance", 1022:2000) whose BAR0 also holds a 16-bit morph port and a
 * vmxnet register block: LANCE ports at +0x00, the morph port at +0x20, the
 * registers of A1.1 at +0x24. Writing VMXNET_CHIP to the morph port switches
 * the device to vmxnet, LANCE_CHIP back; each switch resets the device. A read
 * says which mode it is in.
 */
#define VMXNET_VLANCE_VENDOR_ID		0x1022u		/* AMD */
#define VMXNET_VLANCE_DEVICE_ID		0x2000u		/* 79c970 PCnet32 LANCE */
#define VMXNET_VLANCE_REVISION		0x10u
#define LANCE_CHIP_IO_RESV_SIZE		0x20u
#define VMXNET_MORPH_PORT		LANCE_CHIP_IO_RESV_SIZE
#define VMXNET_MORPH_PORT_SIZE		4u
#define VMXNET_MORPH_REGS		(VMXNET_MORPH_PORT + VMXNET_MORPH_PORT_SIZE)
#define VMXNET_MORPH_IO_MIN_SIZE	(VMXNET_MORPH_REGS + VMXNET_CHIP_IO_RESV_SIZE)
#define LANCE_CHIP			0x2934u
#define VMXNET_CHIP			0x4392u

/* docs/protocol/vmxnet.md A1.1: registers, offsets from BAR0. */
#define VMXNET_INIT_ADDR		0x00u	/* W: DD address (low 32), 0 detaches */
#define VMXNET_INIT_LENGTH		0x04u	/* W: attach; R: length, 0 = refused */
#define VMXNET_TX_ADDR			0x08u	/* R: transmit kick */
#define VMXNET_COMMAND_ADDR		0x0Cu	/* W: command; R: GET result */
#define VMXNET_MAC_ADDR			0x10u	/* 6 bytes, byte access */
#define VMXNET_LOW_VERSION		0x18u
#define VMXNET_HIGH_VERSION		0x1Cu
#define VMXNET_STATUS_ADDR		0x20u
#define VMXNET_TOE_INIT_ADDR		0x24u	/* unused by every driver */
#define VMXNET_APROM_ADDR		0x28u	/* 6 bytes, permanent MAC */
#define VMXNET_INT_ENABLE_ADDR		0x30u	/* unused by every driver */
#define VMXNET_WAKE_PKT_PATTERNS	0x34u
#define VMXNET_MAC_LEN			6u
#define VMXNET_APROM_SIZE		6u

/* docs/protocol/vmxnet.md A1.2: protocol magic and the version gate. */
#define VMXNET2_MAGIC			0xBABE864Fu
#define VMXNET_VERSION_MASK		0xFFFF0000u
#define VMXNET_VERSION_FAMILY		0xBABE0000u

static inline int vmxnet_version_ok(__u32 low, __u32 high)
{
	return (low & VMXNET_VERSION_MASK) == VMXNET_VERSION_FAMILY &&
	       low <= VMXNET2_MAGIC && VMXNET2_MAGIC <= high;
}

/* docs/protocol/vmxnet.md A2.1: commands, one bit per write to VMXNET_COMMAND_ADDR. */
#define VMXNET_CMD_INTR_ACK		0x0001u
#define VMXNET_CMD_UPDATE_LADRF		0x0002u
#define VMXNET_CMD_UPDATE_IFF		0x0004u
#define VMXNET_CMD_UNUSED		0x0008u
#define VMXNET_CMD_UNUSED_2		0x0010u
#define VMXNET_CMD_INTR_DISABLE		0x0020u
#define VMXNET_CMD_INTR_ENABLE		0x0040u
#define VMXNET_CMD_UNUSED_3		0x0080u
#define VMXNET_CMD_CHECK_TX_DONE	0x0100u
#define VMXNET_CMD_GET_NUM_RX_BUFFERS	0x0200u
#define VMXNET_CMD_GET_NUM_TX_BUFFERS	0x0400u
#define VMXNET_CMD_PIN_TX_BUFFERS	0x0800u
#define VMXNET_CMD_GET_CAPABILITIES	0x1000u
#define VMXNET_CMD_GET_FEATURES		0x2000u
#define VMXNET_CMD_SET_POWER_FULL	0x4000u
#define VMXNET_CMD_SET_POWER_LOW	0x8000u

/* docs/protocol/vmxnet.md A2.2: status register. */
#define VMXNET_STATUS_CONNECTED		0x1u
#define VMXNET_STATUS_ENABLED		0x2u
#define VMXNET_STATUS_TX_PINNED		0x4u

/* docs/protocol/vmxnet.md A2.3: driver_data.ifflags; the host ignores the undefined bits. */
#define VMXNET_IFF_PROMISC		0x01u
#define VMXNET_IFF_BROADCAST		0x02u
#define VMXNET_IFF_MULTICAST		0x04u
#define VMXNET_IFF_DIRECTED		0x08u

/* docs/protocol/vmxnet.md A3.1: GET_FEATURES word; also driver_data.feature_ctl (LPD only). */
#define VMXNET_FEATURE_ZERO_COPY_TX	0x01u
#define VMXNET_FEATURE_TSO		0x02u
#define VMXNET_FEATURE_JUMBO_FRAME	0x04u
#define VMXNET_FEATURE_LPD		0x08u

/* docs/protocol/vmxnet.md A3.2: GET_CAPABILITIES word (the low 32 bits of VMNET_CAP_*). */
#define VMNET_CAP_SG			0x00000001u
#define VMNET_CAP_IP4_CSUM		0x00000002u
#define VMNET_CAP_HW_CSUM		0x00000004u
#define VMNET_CAP_HIGH_DMA		0x00000008u
#define VMNET_CAP_TOE			0x00000010u
#define VMNET_CAP_TSO			0x00000020u
#define VMNET_CAP_SW_TSO		0x00000040u
#define VMNET_CAP_VMXNET_APROM		0x00000080u
#define VMNET_CAP_HW_TX_VLAN		0x00000100u
#define VMNET_CAP_HW_RX_VLAN		0x00000200u
#define VMNET_CAP_SW_VLAN		0x00000400u
#define VMNET_CAP_WAKE_PCKT_RCV		0x00000800u
#define VMNET_CAP_ENABLE_INT_INLINE	0x00001000u
#define VMNET_CAP_ENABLE_HEADER_COPY	0x00002000u
#define VMNET_CAP_TX_CHAIN		0x00004000u
#define VMNET_CAP_RX_CHAIN		0x00008000u
#define VMNET_CAP_LPD			0x00010000u
#define VMNET_CAP_BPF			0x00020000u
#define VMNET_CAP_SG_SPAN_PAGES		0x00040000u
#define VMNET_CAP_IP6_CSUM		0x00080000u
#define VMNET_CAP_TSO6			0x00100000u
#define VMNET_CAP_TSO256K		0x00200000u
#define VMNET_CAP_UPT			0x00400000u
#define VMNET_CAP_RDONLY_INETHDRS	0x00800000u

/* docs/protocol/vmxnet.md A3.4: ring lengths (entries). Ring lengths need not be powers of two. */
#define VMXNET2_DEFAULT_NUM_RX_BUFFERS		100u
#define VMXNET2_MAX_NUM_RX_BUFFERS		128u
#define VMXNET2_DEFAULT_NUM_RX_BUFFERS_ENHANCED	150u
#define VMXNET2_MAX_NUM_RX_BUFFERS_ENHANCED	512u
#define VMXNET2_DEFAULT_NUM_RX_BUFFERS2		512u	/* defined, unused by Linux */
#define VMXNET2_MAX_NUM_RX_BUFFERS2		2048u
#define VMXNET2_DEFAULT_NUM_TX_BUFFERS		100u
#define VMXNET2_MAX_NUM_TX_BUFFERS		128u
#define VMXNET2_DEFAULT_NUM_TX_BUFFERS_TSO	256u
#define VMXNET2_MAX_NUM_TX_BUFFERS_TSO		512u

/* docs/protocol/vmxnet.md A4.6: ownership values of rx and tx ring entries. */
#define VMXNET2_OWNERSHIP_DRIVER		0u
#define VMXNET2_OWNERSHIP_DRIVER_PENDING	1u
#define VMXNET2_OWNERSHIP_NIC			2u
#define VMXNET2_OWNERSHIP_NIC_PENDING		3u
#define VMXNET2_OWNERSHIP_NIC_FRAG		4u
#define VMXNET2_OWNERSHIP_DRIVER_FRAG		5u

/* docs/protocol/vmxnet.md A4.4: rx entry flags, written by the host. */
#define VMXNET2_RX_HW_XSUM_OK		0x01u
#define VMXNET2_RX_WITH_FRAG		0x02u	/* ring 1: continues in ring 2 */
#define VMXNET2_RX_FRAG_EOP		0x04u	/* ring 2: last fragment */

/* docs/protocol/vmxnet.md A4.5: tx entry flags; only TX_MORE counts in continuation entries. */
#define VMXNET2_TX_CAN_KEEP		0x0001u
#define VMXNET2_TX_RING_LOW		0x0002u
#define VMXNET2_TX_HW_XSUM		0x0004u
#define VMXNET2_TX_TSO			0x0008u
#define VMXNET2_TX_PINNED_BUFFER	0x0010u
#define VMXNET2_TX_MORE			0x0020u

/* docs/protocol/vmxnet.md A4.5: scatter-gather element address types; drivers use PHYS. */
#define NET_SG_MACH_ADDR		0u
#define NET_SG_PHYS_ADDR		1u
#define NET_SG_VIRT_ADDR		2u
#define VMXNET2_SG_DEFAULT_LENGTH	6u
#define VMXNET2_SG_ELEM_MAX_LEN		0xFFFFu

/* docs/protocol/vmxnet.md A5.3: 64-bit LANCE-style logical address (multicast hash) filter. */
#define VMXNET_LADRF_WORDS		2u
#define VMXNET_LADRF_ALL		0xFFFFFFFFu

/*
 * Hash index (0..63) of a multicast address: the top 6 bits of the reflected
 * CRC-32 (poly 0xEDB88320, init ~0, no final inversion) over the 6 bytes.
 * The filter bit is (index & 31) of ladrf[index >> 5].
 */
static inline unsigned int vmxnet_ladrf_index(const __u8 *mac)
{
	__u32 crc = 0xFFFFFFFFu;
	unsigned int i, bit;

	for (i = 0; i < VMXNET_MAC_LEN; i++) {
		crc ^= mac[i];
		for (bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ ((crc & 1u) ? 0xEDB88320u : 0u);
	}
	return crc >> 26;
}

/* docs/protocol/vmxnet.md A6: sizes. */
#define VMXNET2_PKT_BUF_SZ		1536u	/* Linux ring-1 buffer length */
#define VMXNET2_TX_PKT_HEADER_SIZE	256u	/* header-copy slot size */
#define VMXNET2_MIN_FRAME_LEN		60u	/* host pads rx frames to this */
#define VMXNET2_MIN_RX_LEN		56u	/* runt limit (60 - 4 for VLAN) */
#define VMXNET2_MIN_MTU			46u
#define VMXNET2_MAX_MTU			16366u	/* 16 KiB - 18 */
#define VMXNET2_MAX_FRAME		16384u	/* non-TSO frame, model rule */
#define VMXNET2_MAX_TSO_FRAME		(65536u + 256u)	/* 64 KiB + headers */
/*
 * docs/protocol/vmxnet.md A6.6: an LPD aggregate is one IP datagram (<= 64 KiB)
 * behind Ethernet + one tag.
 */
#define VMXNET2_LPD_MAX_FRAME		(65535u + 18u)

/* docs/protocol/vmxnet.md A4.5: one scatter-gather element; address = addr_hi << 32 | addr_low. */
struct vmxnet2_sg_elem {
	__le32 addr_low;
	__le16 addr_hi;
	__le16 length;
};

struct vmxnet2_sg_array {
	__le16 addr_type;		/* NET_SG_*_ADDR */
	__le16 length;			/* valid elements, 0..6 */
	struct vmxnet2_sg_elem sg[VMXNET2_SG_DEFAULT_LENGTH];
};

/* docs/protocol/vmxnet.md A4.5: tx ring entry (64 bytes). */
struct vmxnet2_tx_ring_entry {
	__le16 flags;			/* VMXNET2_TX_* */
	__le16 ownership;		/* VMXNET2_OWNERSHIP_* */
	__le32 extra;			/* driver-private */
	__le32 tso_mss;			/* TCP payload per segment with TX_TSO */
	struct vmxnet2_sg_array sg;
};

/* docs/protocol/vmxnet.md A4.4: rx ring entry (24 bytes), ring 1 and ring 2. */
struct vmxnet2_rx_ring_entry {
	__le64 paddr;
	__le32 buffer_length;		/* driver: buffer size */
	__le32 actual_length;		/* host: bytes placed in this buffer */
	__le16 ownership;		/* VMXNET2_OWNERSHIP_* */
	__le16 flags;			/* VMXNET2_RX_* */
	__le32 index;			/* driver-private */
};

/* docs/protocol/vmxnet.md A4.3: driver statistics (40 bytes), written by the driver only. */
struct vmxnet2_driver_stats {
	__le32 transmits;
	__le32 pkts_transmitted;
	__le32 no_copy_transmits;
	__le32 copy_transmits;
	__le32 max_txs_pending;
	__le32 tx_stopped;
	__le32 tx_ring_overflow;
	__le32 interrupts;
	__le32 pkts_received;
	__le32 rx_buffers_low;
};

/*
 * docs/protocol/vmxnet.md A4.2: driver data (176 bytes) at the start of the shared
 * block; the rings follow at the offsets given here. "host" marks fields the host writes.
 */
struct vmxnet2_driver_data {
	__le32 magic;			/* VMXNET2_MAGIC */
	__le32 rx_ring_length;
	__le32 rx_driver_next;
	__le32 rx_ring_length2;		/* >= 1 (a dummy entry without jumbo) */
	__le32 rx_driver_next2;
	__le32 not_used1;
	__le32 ifflags;			/* VMXNET_IFF_*, read on UPDATE_IFF */
	__le32 ladrf[VMXNET_LADRF_WORDS];	/* read on UPDATE_LADRF */
	__le32 tx_dont_cluster_size;	/* host hint */
	__le32 tx_ring_length;
	__le32 tx_driver_cur;
	__le32 tx_driver_next;
	__le32 tx_stopped;
	__le32 tx_cluster_length;	/* host hint, 0 = kick every packet */
	__le32 tx_num_deferred;
	__le32 not_used3;
	__le32 total_rx_buffers;
	__le64 rx_buffer_phys_start;
	__le32 extra[2];
	__le16 max_frags;		/* ring-2 fragments per rx packet */
	__le16 feature_ctl;		/* VMXNET_FEATURE_LPD */
	__le32 saved_rx_nic_next;	/* host */
	__le32 saved_rx_nic_next2;	/* host */
	__le32 saved_tx_nic_next;	/* host */
	__le32 length;			/* whole block, = INIT_LENGTH */
	__le32 rx_ring_offset;
	__le32 rx_ring_offset2;
	__le32 tx_ring_offset;
	__le32 debug_level;
	__le32 tx_buffer_phys_start;	/* header-copy area, 32-bit */
	__le32 tx_buffer_phys_length;
	__le32 tx_pkt_max_size;
	struct vmxnet2_driver_stats stats;
};

/*
 * Layout from docs/protocol/vmxnet.md C1. A constant expression, so the driver can also
 * write BUILD_BUG_ON(!VMXNET2_ABI_LAYOUT_OK); the file-scope asserts below
 * already fail any compile (kernel gnu11 or userspace C11) with a bad layout.
 */
#define VMXNET2_OFF(type, field)	__builtin_offsetof(struct type, field)
#define VMXNET2_ABI_LAYOUT_OK						\
	(sizeof(struct vmxnet2_driver_data) == 176 &&			\
	 sizeof(struct vmxnet2_driver_stats) == 40 &&			\
	 sizeof(struct vmxnet2_rx_ring_entry) == 24 &&			\
	 sizeof(struct vmxnet2_tx_ring_entry) == 64 &&			\
	 sizeof(struct vmxnet2_sg_elem) == 8 &&				\
	 sizeof(struct vmxnet2_sg_array) == 52 &&			\
	 VMXNET2_OFF(vmxnet2_driver_data, ladrf) == 28 &&		\
	 VMXNET2_OFF(vmxnet2_driver_data, tx_cluster_length) == 56 &&	\
	 VMXNET2_OFF(vmxnet2_driver_data, rx_buffer_phys_start) == 72 && \
	 VMXNET2_OFF(vmxnet2_driver_data, max_frags) == 88 &&		\
	 VMXNET2_OFF(vmxnet2_driver_data, feature_ctl) == 90 &&		\
	 VMXNET2_OFF(vmxnet2_driver_data, saved_rx_nic_next) == 92 &&	\
	 VMXNET2_OFF(vmxnet2_driver_data, length) == 104 &&		\
	 VMXNET2_OFF(vmxnet2_driver_data, tx_pkt_max_size) == 132 &&	\
	 VMXNET2_OFF(vmxnet2_driver_data, stats) == 136 &&		\
	 VMXNET2_OFF(vmxnet2_tx_ring_entry, tso_mss) == 8 &&		\
	 VMXNET2_OFF(vmxnet2_tx_ring_entry, sg.length) == 14 &&		\
	 VMXNET2_OFF(vmxnet2_tx_ring_entry, sg.sg[0]) == 16 &&		\
	 VMXNET2_OFF(vmxnet2_tx_ring_entry, sg.sg[5]) == 56 &&		\
	 VMXNET2_OFF(vmxnet2_rx_ring_entry, ownership) == 16 &&		\
	 VMXNET2_OFF(vmxnet2_rx_ring_entry, flags) == 18)

_Static_assert(VMXNET2_ABI_LAYOUT_OK, "vmxnet2 shared-memory layout");

/* docs/protocol/vmxnet.md A4.1 and C3: the largest block a driver may describe. */
#define VMXNET2_DD_MAX_LENGTH						\
	(sizeof(struct vmxnet2_driver_data) +				\
	 (VMXNET2_MAX_NUM_RX_BUFFERS_ENHANCED +				\
	  VMXNET2_MAX_NUM_RX_BUFFERS2) * sizeof(struct vmxnet2_rx_ring_entry) + \
	 VMXNET2_MAX_NUM_TX_BUFFERS_TSO * sizeof(struct vmxnet2_tx_ring_entry))

#endif /* PVTOOLS_VMXNET_ABI_H */
