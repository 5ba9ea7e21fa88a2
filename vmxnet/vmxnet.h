/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmxnet: private state of the Enhanced vmxnet (15ad:0720) guest driver,
 * shared by the PCI/netdev glue, the ring code and the ethtool code.
 */
#ifndef VMXNET_H
#define VMXNET_H

#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>

#include <pvtools/vmxnet_abi.h>

#define VMXNET_DRV_NAME		"vmxnet"

/* What one packet may use: up to four chained entries of six elements. */
#define VMXNET_TX_MAX_ENTRIES	4
#define VMXNET_TX_MAX_SG	(VMXNET_TX_MAX_ENTRIES * VMXNET2_SG_DEFAULT_LENGTH)
/*
 * Smallest rings, whoever asks (ethtool or a host hint): the tx ring holds
 * one packet of the largest shape plus the low-water margin the queue
 * wakes at, so a stopped queue can always wake.
 */
#define VMXNET_RX_RING_MIN	8u
#define VMXNET_TX_RING_MIN	(2 * VMXNET_TX_MAX_ENTRIES + 5)
/* Split long linear areas at a page-friendly size below the 16-bit limit. */
#define VMXNET_TX_SG_CHUNK	32768u
/* Ring-2 buffers are whole pages. */
#define VMXNET_RX2_BUF_LEN	PAGE_SIZE
/* Frames up to this size are copied into a small skb (ACKs, mostly). */
#define VMXNET_RX_COPYBREAK	256
/* The largest frame on the wire for a given MTU: Ethernet plus one VLAN tag. */
#define VMXNET_FRAME_OVERHEAD	(ETH_HLEN + VLAN_HLEN)
/* The largest LPD packet we accept: one 64 KiB datagram plus Ethernet and a tag. */
#define VMXNET_LPD_MAX_FRAME	VMXNET2_LPD_MAX_FRAME
#define VMXNET_MAX_MTU		9000
#define VMXNET_LINK_SPEED	SPEED_1000
#define VMXNET_CLOSE_TX_TRIES	200
/* Poll ticks (1 s) with packets queued and none returned before a reset. */
#define VMXNET_TX_STALL_TICKS	3

/* The modes derived from the feature and capability words (docs/protocol/vmxnet.md A3.3). */
struct vmxnet_modes {
	bool tx_csum;		/* IPv4 TCP/UDP checksum insertion */
	bool tx_csum6;		/* IPv6 TCP/UDP checksum insertion */
	bool zero_copy;		/* multi-element scatter-gather */
	bool chain_tx;		/* a packet may span several tx entries */
	bool chain_rx;		/* ring 2 */
	bool jumbo;
	bool tso;
	bool tso6;
	bool lpd;		/* host aggregates rx TCP segments (docs/protocol/vmxnet.md A6.6) */
	bool high_dma;
	bool enhanced;
};

/* Driver-side record of a tx entry; the ring itself is never read back. */
struct vmxnet_tx_buf {
	struct sk_buff *skb;		/* first entry of a packet only */
	dma_addr_t dma[VMXNET2_SG_DEFAULT_LENGTH];
	u16 len[VMXNET2_SG_DEFAULT_LENGTH];
	u8 page_map;			/* bit i: dma[i] was mapped as a page */
	u8 nr_sg;
	u8 nr_entries;			/* first entry: entries of the packet */
	bool posted;
};

/* Driver-side record of an rx buffer (ring 1: skb, ring 2: page). */
struct vmxnet_rx_buf {
	struct sk_buff *skb;
	struct page *page;
	dma_addr_t dma;
};

/* ethtool -S counters; one u64_stats_sync per writer context. */
struct vmxnet_tx_stats {
	struct u64_stats_sync syncp;
	u64 packets;
	u64 bytes;
	u64 tso;
	u64 csum;
	u64 kicks;
	u64 linearized;
	u64 ring_full;
	u64 map_errors;
	u64 dropped;
	u64 bad_ownership;
};

struct vmxnet_rx_stats {
	struct u64_stats_sync syncp;
	u64 packets;
	u64 bytes;
	u64 csum_ok;
	u64 frags;
	u64 alloc_errors;
	u64 zero_length;
	u64 runts;
	u64 oversize;
	u64 bad_length;
	u64 bad_frag;
	u64 bad_ownership;
	u64 frag_bad_length;
	u64 frag_bad_ownership;
	u64 frag_no_eop;
	u64 dropped;
	u64 lro_packets;	/* LPD aggregates beyond the MTU */
	u64 lro_bytes;
	u64 lro_segs;		/* the segments they stand for (gso_segs) */
	u64 lro_bad;		/* beyond the MTU but not a TCP aggregate */
};

struct vmxnet_misc_stats {
	atomic64_t interrupts;
	atomic64_t spurious_interrupts;
	atomic64_t resets;
	atomic64_t tx_timeouts;
	atomic64_t reset_failures;
	atomic64_t link_changes;
	atomic64_t attach_refused;
};

struct vmxnet {
	struct net_device *netdev;
	struct pci_dev *pdev;
	void __iomem *io;		/* the vmxnet registers (A1.1) */
	void __iomem *morph;		/* Flexible adapter: its morph port; else NULL */
	struct napi_struct napi;

	/* Probed once (docs/protocol/vmxnet.md A3); fixed for the device's lifetime. */
	u32 features;
	u32 caps;
	struct vmxnet_modes modes;
	u32 rx_max, tx_max;

	/* Ring lengths in use and requested by ethtool -G. */
	u32 rx_len, rx2_len, tx_len;
	bool rx2_active;		/* ring 2 holds pages for this MTU or LPD */
	bool lro_wanted;		/* NETIF_F_LRO, as the next attach should see it */
	bool lpd_active;		/* featureCtl LPD in the attached block */

	/*
	 * The shared block, allocated at the largest size once at probe so the
	 * rx-mode path can always write to it; its lengths change per attach.
	 */
	struct vmxnet2_driver_data *dd;
	dma_addr_t dd_dma;
	u32 dd_len;
	struct vmxnet2_rx_ring_entry *rx_ring, *rx2_ring;
	struct vmxnet2_tx_ring_entry *tx_ring;
	bool attached;
	bool up;			/* rings attached and NAPI enabled */
	bool rx_broken;			/* rx protocol error: stop until reset */

	/* Shadows of every driver index; the copies in dd are write-only. */
	u32 rx_next, rx2_next;
	struct vmxnet_rx_buf *rx_bufs, *rx2_bufs;
	/*
	 * Ring-2 pages come from a page pool: mapped once, and back in the
	 * pool when the stack frees the skb, without the page allocator.
	 */
	struct page_pool *rx2_pool;
	u32 rx_buf_len;
	u16 max_frags;

	spinlock_t tx_lock;		/* tx ring shadows; xmit vs reclaim */
	u32 tx_next, tx_cur, tx_used;
	u32 tx_deferred;
	bool tx_enabled;		/* reclaim may wake the queue */
	bool tx_broken;			/* invalid tx ownership: wait for reset */
	unsigned int tx_stall_ticks;	/* poll ticks without a tx completion */
	u64 tx_last_packets;
	struct vmxnet_tx_buf *tx_bufs;

	spinlock_t cmd_lock;		/* a GET command and its result read */

	/* rx filter shadow, written to dd on every attach and change */
	u32 ifflags;
	u32 ladrf[VMXNET_LADRF_WORDS];

	struct timer_list poll_timer;	/* link status and missed-interrupt net */
	struct delayed_work reset_work;
	bool irq_requested;

	struct vmxnet_tx_stats tx_stats;
	struct vmxnet_rx_stats rx_stats;
	struct vmxnet_misc_stats misc;
};

/* main.c */
void vmxnet_cmd(struct vmxnet *vp, u32 cmd);
void vmxnet_schedule_reset(struct vmxnet *vp, const char *why);
bool vmxnet_check_link(struct vmxnet *vp);
int vmxnet_reconfigure(struct vmxnet *vp, u32 rx_len, u32 tx_len, int mtu, bool lro);
void vmxnet_write_rx_filter(struct vmxnet *vp);

/* ring.c */
int vmxnet_rings_up(struct vmxnet *vp);
void vmxnet_rings_down(struct vmxnet *vp, bool drain_tx);
netdev_tx_t vmxnet_start_xmit(struct sk_buff *skb, struct net_device *dev);
int vmxnet_poll(struct napi_struct *napi, int budget);
irqreturn_t vmxnet_interrupt(int irq, void *data);
bool vmxnet_has_work(struct vmxnet *vp);
void vmxnet_layout(struct vmxnet *vp);
void vmxnet_tx_check_stall(struct vmxnet *vp);

/* flexible.c */
int vmxnet_flex_map(struct vmxnet *vp);
void vmxnet_flex_unmap(struct vmxnet *vp);
int vmxnet_flex_switch(struct vmxnet *vp, bool reset);
void vmxnet_flex_unswitch(struct vmxnet *vp);

/* ethtool.c */
void vmxnet_set_ethtool_ops(struct net_device *dev);

#endif /* VMXNET_H */
