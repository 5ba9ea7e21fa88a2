/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host side of the Enhanced vmxnet NIC (vmxnet2, PCI 15ad:0720): a plain-C
 * model of the I/O registers, the driver-data handshake, the rx and tx rings,
 * offloads, filtering and interrupts, shared by the QEMU glue and the unit
 * tests. Guest memory, the wire and the interrupt line are callbacks.
 */
#ifndef PVTOOLS_HOST_VMXNET2_H
#define PVTOOLS_HOST_VMXNET2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pvtools/vmxnet_abi.h>

#include "netpkt.h"

struct vmx2_ops {
	/* Guest-physical reads/writes; false if the range is not all RAM. */
	bool (*read_guest)(void *opaque, uint64_t gpa, void *buf, size_t len);
	bool (*write_guest)(void *opaque, uint64_t gpa, const void *buf, size_t len);
	/* One frame for the wire (already segmented and checksummed). */
	void (*send)(void *opaque, const uint8_t *frame, size_t len);
	/* The INTx level. */
	void (*set_irq)(void *opaque, bool level);
	/*
	 * Optional: the guest kicked the tx ring; arrange for vmx2_tx_run() to
	 * be called soon from the host's own context. NULL: the kick transmits
	 * synchronously.
	 */
	void (*tx_kick)(void *opaque);
	/*
	 * Optional: a transmit run stopped at its frame budget with packets
	 * left; arrange for another vmx2_tx_run() from the host's own context
	 * (never from inside this call). NULL: the guest's next kick sends them.
	 */
	void (*tx_resume)(void *opaque);
};

/*
 * Frames one transmit run may put on the wire, for a ring of @len entries:
 * a ring of 64 KiB TSO packets at a 1448-byte MSS fits (45 frames each),
 * a guest-chosen tiny MSS does not make one run send millions. The packet
 * that crosses the budget is still sent whole.
 */
#define VMX2_TX_RUN_FRAMES(len)	((uint64_t)(len) * 64)

/* Hostile-device switches for tests; one at a time, settable at any time. */
enum vmx2_fault {
	VMX2_FAULT_NONE,
	VMX2_FAULT_RX_BAD_INDEX,	/* rx: out-of-range indices into driver data */
	VMX2_FAULT_TX_BAD_INDEX,	/* tx completion: same for the tx indices */
	VMX2_FAULT_RX_BAD_LENGTH,	/* rx: actual_length beyond the buffer, or 0 */
	VMX2_FAULT_BAD_OWNER,		/* every 2nd rx/tx return: wrong ownership */
	VMX2_FAULT_TX_STUCK,		/* the kick and CHECK_TX_DONE do nothing */
	VMX2_FAULT_RX_FRAG_NO_EOP,	/* every 2nd ring-2 packet: no FRAG_EOP */
	VMX2_FAULT_INIT_REFUSE_ONCE,	/* the next INIT is refused, then none */
	VMX2_FAULT_LRO_BAD_LENGTH,	/* every 2nd LPD aggregate: IP length 100 below its size */
	VMX2_FAULT_NUM
};

/* The "full Enhanced vmxnet" profile (docs/protocol/vmxnet.md A3.3) plus what this model adds. */
#define VMX2_DEFAULT_FEATURES	(VMXNET_FEATURE_ZERO_COPY_TX | VMXNET_FEATURE_TSO | \
				 VMXNET_FEATURE_JUMBO_FRAME | VMXNET_FEATURE_LPD)
#define VMX2_DEFAULT_CAPS	(VMNET_CAP_SG | VMNET_CAP_IP4_CSUM | VMNET_CAP_TSO | \
				 VMNET_CAP_VMXNET_APROM | VMNET_CAP_ENABLE_HEADER_COPY | \
				 VMNET_CAP_TX_CHAIN | VMNET_CAP_RX_CHAIN | \
				 VMNET_CAP_IP6_CSUM | VMNET_CAP_TSO6 | VMNET_CAP_LPD)
/* What GET_NUM_RX_BUFFERS / GET_NUM_TX_BUFFERS suggest. */
#define VMX2_DEFAULT_RX_HINT	VMXNET2_DEFAULT_NUM_RX_BUFFERS_ENHANCED
#define VMX2_DEFAULT_TX_HINT	VMXNET2_DEFAULT_NUM_TX_BUFFERS_TSO

struct vmx2_stats {
	uint64_t tx_kicks;		/* TX_ADDR reads and CHECK_TX_DONE */
	uint64_t tx_guest_packets;	/* packets taken from the tx ring */
	uint64_t tx_packets;		/* frames put on the wire (segments count) */
	uint64_t tx_bytes;
	uint64_t tx_tso_packets;	/* TSO packets segmented */
	uint64_t tx_tso_segments;	/* frames they became */
	uint64_t tx_csum;		/* checksums inserted (non-TSO) */
	uint64_t tx_csum_skipped;	/* HW_XSUM on a frame we cannot parse */
	uint64_t tx_errors;		/* malformed packets: dropped, completed */
	uint64_t tx_dropped;		/* link down or TSO refused */
	uint64_t tx_resumes;		/* runs stopped at the frame budget with work left */
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t rx_jumbo;		/* delivered through ring 2 */
	uint64_t rx_csum_ok;		/* delivered with RX_HW_XSUM_OK */
	uint64_t rx_filtered;		/* failed the station/multicast filter */
	uint64_t rx_dropped;		/* no ring 2 space, too long, detached */
	uint64_t rx_busy;		/* ring 1 full: left to the caller to queue */
	uint64_t rx_errors;		/* buffer outside RAM: returned with length 0 */
	uint64_t rx_lro_aggregates;	/* LPD packets built from 2 or more segments */
	uint64_t rx_lro_segments;	/* the segments in them */
	uint64_t rx_lro_singles;	/* held segments that went alone */
	uint64_t rx_lro_flushes;	/* held data sent on at the end of a burst */
	uint64_t interrupts;		/* INTx rising edges */
	uint64_t resets;		/* successful INITs (each restarts the rings) */
	uint64_t init_refused;
	uint64_t detaches;
	uint64_t faults_injected;
};

struct vmx2_ring {
	uint64_t base;			/* guest-physical address of entry 0 */
	uint32_t len;
	uint32_t next;			/* the host's nicNext */
};

enum vmx2_rx_result {
	VMX2_RX_CONSUMED,		/* delivered, filtered or dropped */
	VMX2_RX_BUSY,			/* ring 1 full: try again later */
};

/* The TCP packet LPD is building (docs/protocol/vmxnet.md A6.6); nothing held while len is 0. */
struct vmx2_lro {
	size_t len;			/* bytes in lrobuf */
	size_t cap;			/* what ring 1 + ring 2 can take in one packet */
	size_t hdr_len;			/* headers before the TCP payload */
	size_t mss;			/* payload of the first segment */
	uint32_t next_seq;
	uint32_t segs;
	struct np_info pi;
};

struct vmx2 {
	const struct vmx2_ops *ops;
	void *opaque;

	/* Host configuration. */
	uint32_t features;
	uint32_t caps;
	uint32_t rx_hint;
	uint32_t tx_hint;
	bool tx_irq_always;		/* interrupt after every tx completion */
	uint8_t aprom[VMXNET_MAC_LEN];
	bool link_up;

	/* Registers. */
	uint8_t mac[VMXNET_MAC_LEN];
	uint32_t init_addr;
	uint32_t init_length;		/* attached length, 0 = refused/detached */
	uint32_t cmd_result;
	bool tx_pinned;

	/* Attachment: everything below is latched at INIT, never re-read. */
	bool attached;
	uint64_t dd;
	uint32_t dd_len;
	struct vmx2_ring rx1, rx2, tx;
	uint16_t max_frags;
	bool lpd;			/* offered and turned on in featureCtl */
	uint32_t ifflags;
	uint32_t ladrf[VMXNET_LADRF_WORDS];

	bool intr_enabled;
	bool intr_pending;		/* work since the last INTR_ACK */
	bool irq_level;

	enum vmx2_fault fault;
	uint32_t fault_seq;

	struct vmx2_stats st;

	uint8_t txbuf[VMXNET2_MAX_TSO_FRAME];
	uint8_t segbuf[VMXNET2_MAX_FRAME];
	uint8_t rxpad[VMXNET2_MIN_FRAME_LEN];
	struct vmx2_lro lro;
	uint8_t lrobuf[VMXNET2_LPD_MAX_FRAME];
};

/* @mac: the permanent address (APROM), also the initial station address. */
void vmx2_init(struct vmx2 *m, const struct vmx2_ops *ops, void *opaque,
	       const uint8_t *mac);
/* PCI reset: detach, registers to their reset values. Keeps configuration. */
void vmx2_reset(struct vmx2 *m);

/* BAR0 accesses of 1, 2 or 4 bytes at @addr < VMXNET_CHIP_IO_RESV_SIZE. */
uint32_t vmx2_io_read(struct vmx2 *m, uint32_t addr, unsigned int size);
void vmx2_io_write(struct vmx2 *m, uint32_t addr, uint32_t val, unsigned int size);
/*
 * Transmits what the guest handed over (the work of a kick). Called by the
 * host after ops->tx_kick; any time is safe (detached: nothing happens).
 */
void vmx2_tx_run(struct vmx2 *m);

/* Room for a frame now (or the frame would be dropped anyway). */
bool vmx2_can_receive(struct vmx2 *m);
/*
 * With LPD on, vmx2_receive() may hold in-order TCP segments to deliver them
 * as one packet. The caller must call vmx2_rx_flush() at the end of every
 * burst of frames (before the guest can observe the delay) while
 * vmx2_rx_held() says something is held.
 */
enum vmx2_rx_result vmx2_receive(struct vmx2 *m, const uint8_t *frame, size_t len);
bool vmx2_rx_held(const struct vmx2 *m);
void vmx2_rx_flush(struct vmx2 *m);

void vmx2_set_link(struct vmx2 *m, bool up);
void vmx2_set_fault(struct vmx2 *m, enum vmx2_fault fault);
const char *vmx2_fault_name(enum vmx2_fault fault);
/* The fault named @name, or -1. */
int vmx2_fault_parse(const char *name);

/* The filter decision for a frame with destination @dst (tests, tracing). */
bool vmx2_rx_accept(const struct vmx2 *m, const uint8_t *dst);

#endif /* PVTOOLS_HOST_VMXNET2_H */
