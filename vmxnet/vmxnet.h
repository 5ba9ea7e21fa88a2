/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmxnet: private state of the Enhanced vmxnet (15ad:0720) guest driver,
 * shared by the PCI/netdev glue (main.c), the rings (ring.c, tx.c, rx.c),
 * the Flexible adapter (flexible.c) and ethtool (ethtool.c).
 */
#ifndef VMXNET_H
#define VMXNET_H

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
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
 * Tx low water: a packet posted with fewer free entries than this left
 * behind it carries VMXNET2_TX_RING_LOW, asking the host to send at once.
 */
#define VMXNET_TX_LOW_WATER	5
/*
 * Smallest rings, whoever asks (ethtool or a host hint): the tx ring holds
 * one packet of the largest shape plus the low-water margin the queue
 * wakes at, so a stopped queue can always wake.
 */
#define VMXNET_RX_RING_MIN	8u
#define VMXNET_TX_RING_MIN	(2 * VMXNET_TX_MAX_ENTRIES + VMXNET_TX_LOW_WATER)
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

/**
 * struct vmxnet_modes - what the device and the driver do together.
 * @tx_csum: IPv4 TCP/UDP checksum insertion.
 * @tx_csum6: IPv6 TCP/UDP checksum insertion.
 * @zero_copy: multi-element scatter-gather.
 * @chain_tx: a packet may span several tx entries.
 * @chain_rx: ring 2 may carry fragments.
 * @jumbo: frames beyond the standard MTU.
 * @tso: IPv4 TCP segmentation offload.
 * @tso6: IPv6 TCP segmentation offload.
 * @lpd: the host aggregates rx TCP segments (docs/protocol/vmxnet.md A6.6).
 * @high_dma: buffers may sit above 4 GiB.
 * @enhanced: the larger default and maximum ring sizes apply.
 *
 * Derived once at probe from the feature and capability words
 * (docs/protocol/vmxnet.md A3.3); never changes afterwards.
 */
struct vmxnet_modes {
	bool tx_csum;
	bool tx_csum6;
	bool zero_copy;
	bool chain_tx;
	bool chain_rx;
	bool jumbo;
	bool tso;
	bool tso6;
	bool lpd;
	bool high_dma;
	bool enhanced;
};

/**
 * struct vmxnet_tx_buf - driver-side record of one tx ring entry.
 * @skb: the packet, in the first entry of a packet only.
 * @dma: the mapped address of each scatter-gather element.
 * @len: the length of each element.
 * @page_map: bit i set: @dma[i] was mapped as a page, else single.
 * @nr_sg: elements used in this entry.
 * @nr_entries: in the first entry of a packet: the entries it spans.
 * @posted: the entry was handed to the host.
 *
 * The ring itself is never read back for these values. Protected by
 * &vmxnet.tx_lock.
 */
struct vmxnet_tx_buf {
	struct sk_buff *skb;
	dma_addr_t dma[VMXNET2_SG_DEFAULT_LENGTH];
	u16 len[VMXNET2_SG_DEFAULT_LENGTH];
	u8 page_map;
	u8 nr_sg;
	u8 nr_entries;
	bool posted;
};

/**
 * struct vmxnet_rx_buf - driver-side record of one rx buffer.
 * @skb: ring 1: the skb the entry points into.
 * @page: ring 2: the page-pool page the entry points to.
 * @dma: the address given to the host.
 *
 * Only the NAPI poll and the (NAPI-disabled) attach and detach paths touch it.
 */
struct vmxnet_rx_buf {
	struct sk_buff *skb;
	struct page *page;
	dma_addr_t dma;
};

/**
 * struct vmxnet_tx_stats - ethtool -S tx counters.
 * @syncp: the writers' sequence count; they all hold &vmxnet.tx_lock.
 * @packets: packets the host returned as sent.
 * @bytes: their bytes.
 * @tso: packets sent with segmentation offload.
 * @csum: packets sent with checksum offload.
 * @kicks: reads of the tx register that make the host send.
 * @linearized: packets copied into one buffer to fit the entries.
 * @ring_full: times the queue stopped for lack of entries.
 * @map_errors: packets dropped because DMA mapping failed.
 * @dropped: packets dropped for any reason.
 * @bad_ownership: entries the host handed back with an invalid owner.
 */
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

/**
 * struct vmxnet_rx_stats - ethtool -S rx counters.
 * @syncp: the writer's sequence count; the NAPI poll is the only writer.
 * @packets: packets given to the stack.
 * @bytes: their bytes.
 * @csum_ok: packets the host had verified the checksum of.
 * @frags: ring-2 fragments received.
 * @alloc_errors: buffers that could not be replaced (packet dropped).
 * @zero_length: completed entries of length 0.
 * @runts: packets shorter than an Ethernet header.
 * @oversize: packets longer than the MTU allows.
 * @bad_length: ring-1 lengths beyond the buffer.
 * @bad_frag: fragment chains that do not add up.
 * @bad_ownership: ring-1 entries with an invalid owner.
 * @frag_bad_length: ring-2 lengths beyond the page.
 * @frag_bad_ownership: ring-2 entries with an invalid owner.
 * @frag_no_eop: fragment chains without an end-of-packet mark.
 * @dropped: packets dropped for any reason.
 * @lro_packets: LPD aggregates beyond the MTU.
 * @lro_bytes: their bytes.
 * @lro_segs: the segments they stand for (gso_segs).
 * @lro_bad: packets beyond the MTU that are not a TCP aggregate.
 */
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
	u64 lro_packets;
	u64 lro_bytes;
	u64 lro_segs;
	u64 lro_bad;
};

/**
 * struct vmxnet_misc_stats - ethtool -S counters of any context.
 * @interrupts: interrupts that found work.
 * @spurious_interrupts: interrupts that found none.
 * @resets: ring resets (host misbehaviour or stall).
 * @tx_timeouts: resets because the host returned no tx packet.
 * @reset_failures: resets whose re-attach failed (retried).
 * @link_changes: link state changes seen.
 * @attach_refused: attaches the device refused.
 */
struct vmxnet_misc_stats {
	atomic64_t interrupts;
	atomic64_t spurious_interrupts;
	atomic64_t resets;
	atomic64_t tx_timeouts;
	atomic64_t reset_failures;
	atomic64_t link_changes;
	atomic64_t attach_refused;
};

/**
 * struct vmxnet - one Enhanced vmxnet (or switched Flexible) adapter.
 * @netdev: its net device; this struct is its private area.
 * @pdev: the PCI device.
 * @io: the vmxnet registers (docs/protocol/vmxnet.md A1.1).
 * @morph: Flexible adapter: its morph port; else NULL.
 * @napi: the one NAPI context (rx and tx completions).
 * @features: the feature word, probed once (docs/protocol/vmxnet.md A3).
 * @caps: the capability word, probed once.
 * @modes: what @features and @caps allow together.
 * @rx_max: the largest ring 1 the device takes.
 * @tx_max: the largest tx ring the device takes.
 * @rx_len: ring-1 length in use (or next attach, as ethtool -G asked).
 * @rx2_len: ring-2 length in use (1: the dummy entry only).
 * @tx_len: tx ring length in use.
 * @rx2_active: ring 2 holds pages for this MTU or LPD.
 * @lro_wanted: NETIF_F_LRO, as the next attach should see it.
 * @lpd_active: featureCtl LPD in the attached block.
 * @dd: the shared block, allocated at its largest size once at probe so
 *	the rx-mode path can always write to it; its lengths change per attach.
 * @dd_dma: its bus address.
 * @dd_len: its length in the current layout.
 * @rx_ring: ring 1 inside @dd.
 * @rx2_ring: ring 2 inside @dd.
 * @tx_ring: the tx ring inside @dd.
 * @attached: the device has the block.
 * @up: rings attached and NAPI enabled.
 * @rx_broken: rx protocol error: stop until the reset.
 * @rx_next: ring-1 index the poll looks at next (shadow; @dd's copy is
 *	write-only).
 * @rx2_next: ring-2 index the poll looks at next.
 * @rx_bufs: one record per ring-1 entry.
 * @rx2_bufs: one record per ring-2 entry.
 * @rx2_pool: ring-2 pages: mapped once, back in the pool when the stack
 *	frees the skb, without the page allocator.
 * @rx_buf_len: ring-1 buffer size.
 * @max_frags: fragments one packet may use in ring 2.
 * @tx_lock: the tx shadows below, @tx_bufs and the tx counters; xmit
 *	against reclaim.
 * @tx_next: next tx entry to fill.
 * @tx_cur: oldest entry not yet reclaimed.
 * @tx_used: entries between @tx_cur and @tx_next.
 * @tx_deferred: packets posted since the last kick.
 * @tx_enabled: xmit may post and reclaim may wake the queue.
 * @tx_broken: invalid tx ownership: wait for the reset.
 * @tx_stall_ticks: poll ticks without a tx completion.
 * @tx_last_packets: @tx_stats.packets at the last tick.
 * @tx_bufs: one record per tx entry.
 * @cmd_lock: a command write and, for GET commands, its result read.
 * @ifflags: rx filter flags, written to @dd on every attach and change.
 * @ladrf: multicast filter, likewise.
 * @poll_timer: link status and missed-interrupt net, once a second.
 * @reset_work: detaches and re-attaches the rings after a host error.
 * @irq_requested: the interrupt handler is installed.
 * @tx_stats: tx counters.
 * @rx_stats: rx counters.
 * @misc: counters of any context.
 *
 * Locking: configuration (open, close, ethtool, reset work) runs under
 * RTNL. Lock order: RTNL, then @tx_lock or the net device's address lock;
 * @cmd_lock is innermost (taken with either held, nothing taken under it).
 * The rx side needs no lock: only the NAPI poll touches it while @up, and
 * attach and detach run with NAPI disabled.
 */
struct vmxnet {
	struct net_device *netdev;
	struct pci_dev *pdev;
	void __iomem *io;
	void __iomem *morph;
	struct napi_struct napi;

	u32 features;
	u32 caps;
	struct vmxnet_modes modes;
	u32 rx_max, tx_max;

	u32 rx_len, rx2_len, tx_len;
	bool rx2_active;
	bool lro_wanted;
	bool lpd_active;

	struct vmxnet2_driver_data *dd;
	dma_addr_t dd_dma;
	u32 dd_len;
	struct vmxnet2_rx_ring_entry *rx_ring, *rx2_ring;
	struct vmxnet2_tx_ring_entry *tx_ring;
	bool attached;
	bool up;
	bool rx_broken;

	u32 rx_next, rx2_next;
	struct vmxnet_rx_buf *rx_bufs, *rx2_bufs;
	struct page_pool *rx2_pool;
	u32 rx_buf_len;
	u16 max_frags;

	spinlock_t tx_lock;		/* tx shadows; xmit vs reclaim */
	u32 tx_next, tx_cur, tx_used;
	u32 tx_deferred;
	bool tx_enabled;
	bool tx_broken;
	unsigned int tx_stall_ticks;
	u64 tx_last_packets;
	struct vmxnet_tx_buf *tx_bufs;

	spinlock_t cmd_lock;		/* a command and its result */

	u32 ifflags;
	u32 ladrf[VMXNET_LADRF_WORDS];

	struct timer_list poll_timer;
	struct delayed_work reset_work;
	bool irq_requested;

	struct vmxnet_tx_stats tx_stats;
	struct vmxnet_rx_stats rx_stats;
	struct vmxnet_misc_stats misc;
};

/* Ring indices and ownership words, shared by ring.c, tx.c and rx.c. */
static inline u32 vmxnet_ring_next(u32 idx, u32 len)
{
	return idx + 1 == len ? 0 : idx + 1;
}

static inline u16 vmxnet_entry_owner(const __le16 *ownership)
{
	return le16_to_cpu(READ_ONCE(*ownership));
}

static inline void vmxnet_entry_give(__le16 *ownership, u16 owner)
{
	WRITE_ONCE(*ownership, cpu_to_le16(owner));
}

/*
 * Values an entry may legitimately hold (docs/protocol/vmxnet.md A4.6); anything
 * else is a host bug. Ring 1 only moves between NIC and DRIVER: a "pending"
 * value there would hold the ring forever, as nothing ever completes it.
 */
static inline bool vmxnet_owner_valid_ring1(u16 owner)
{
	return owner == VMXNET2_OWNERSHIP_NIC || owner == VMXNET2_OWNERSHIP_DRIVER;
}

/* The host may keep a tx entry in flight as NIC_PENDING; the watchdog bounds it. */
static inline bool vmxnet_owner_valid_tx(u16 owner)
{
	return owner == VMXNET2_OWNERSHIP_NIC || owner == VMXNET2_OWNERSHIP_DRIVER ||
	       owner == VMXNET2_OWNERSHIP_NIC_PENDING;
}

static inline bool vmxnet_owner_valid_ring2(u16 owner)
{
	return owner == VMXNET2_OWNERSHIP_NIC_FRAG ||
	       owner == VMXNET2_OWNERSHIP_DRIVER_FRAG;
}

static inline u32 vmxnet_max_frame(const struct vmxnet *vp)
{
	return vp->netdev->mtu + VMXNET_FRAME_OVERHEAD;
}

/* main.c */
void vmxnet_cmd(struct vmxnet *vp, u32 cmd);
void vmxnet_schedule_reset(struct vmxnet *vp, const char *why);
bool vmxnet_check_link(struct vmxnet *vp);
int vmxnet_reconfigure(struct vmxnet *vp, u32 rx_len, u32 tx_len, int mtu, bool lro);
void vmxnet_write_rx_filter(struct vmxnet *vp);

/* ring.c */
int vmxnet_rings_up(struct vmxnet *vp);
void vmxnet_rings_down(struct vmxnet *vp, bool drain_tx);
int vmxnet_poll(struct napi_struct *napi, int budget);
irqreturn_t vmxnet_interrupt(int irq, void *data);
bool vmxnet_has_work(struct vmxnet *vp);
void vmxnet_layout(struct vmxnet *vp);

/* tx.c */
netdev_tx_t vmxnet_start_xmit(struct sk_buff *skb, struct net_device *dev);
void vmxnet_tx_reclaim(struct vmxnet *vp, int budget);
bool vmxnet_tx_has_work(struct vmxnet *vp);
void vmxnet_tx_check_stall(struct vmxnet *vp);
void vmxnet_tx_drain(struct vmxnet *vp);
void vmxnet_tx_free_all(struct vmxnet *vp);

/* rx.c */
int vmxnet_rx(struct vmxnet *vp, int budget);
int vmxnet_rx2_pool_create(struct vmxnet *vp);
int vmxnet_rx_fill(struct vmxnet *vp);
void vmxnet_rx_free_bufs(struct vmxnet *vp);

/* flexible.c */
int vmxnet_flex_map(struct vmxnet *vp);
void vmxnet_flex_unmap(struct vmxnet *vp);
int vmxnet_flex_switch(struct vmxnet *vp, bool reset);
void vmxnet_flex_unswitch(struct vmxnet *vp);

/* ethtool.c */
void vmxnet_set_ethtool_ops(struct net_device *dev);

#endif /* VMXNET_H */
