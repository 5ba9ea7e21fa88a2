// SPDX-License-Identifier: GPL-2.0
/*
 * vmxnet: the shared rings. Attaching the driver-data block, transmit with
 * scatter-gather/TSO, receive through ring 1 and the jumbo ring 2, and the
 * NAPI poll. Everything read back from shared memory is checked against the
 * driver's own shadow copies before it is used.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/if_vlan.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "compat_generated.h"
#ifdef PVTOOLS_HAVE_PAGE_POOL_HELPERS_H
#include <net/page_pool/helpers.h>
#else
#include <net/page_pool.h>
#endif

#include "vmxnet.h"

static bool rx_zero_buffers = true;
module_param(rx_zero_buffers, bool, 0444);
MODULE_PARM_DESC(rx_zero_buffers,
		 "Zero receive buffers before the host may fill them, so a host that reports more bytes than it wrote cannot expose old guest memory (default on)");

static inline u32 ring_next(u32 idx, u32 len)
{
	return idx + 1 == len ? 0 : idx + 1;
}

static inline u16 entry_owner(const __le16 *ownership)
{
	return le16_to_cpu(READ_ONCE(*ownership));
}

static inline void entry_give(__le16 *ownership, u16 owner)
{
	WRITE_ONCE(*ownership, cpu_to_le16(owner));
}

/*
 * Values an entry may legitimately hold (docs/protocol/vmxnet.md A4.6); anything
 * else is a host bug. Ring 1 only moves between NIC and DRIVER: a "pending"
 * value there would hold the ring forever, as nothing ever completes it.
 */
static inline bool owner_valid_ring1(u16 owner)
{
	return owner == VMXNET2_OWNERSHIP_NIC || owner == VMXNET2_OWNERSHIP_DRIVER;
}

/* The host may keep a tx entry in flight as NIC_PENDING; the watchdog bounds it. */
static inline bool owner_valid_tx(u16 owner)
{
	return owner == VMXNET2_OWNERSHIP_NIC || owner == VMXNET2_OWNERSHIP_DRIVER ||
	       owner == VMXNET2_OWNERSHIP_NIC_PENDING;
}

static inline bool owner_valid_ring2(u16 owner)
{
	return owner == VMXNET2_OWNERSHIP_NIC_FRAG ||
	       owner == VMXNET2_OWNERSHIP_DRIVER_FRAG;
}

static inline u32 vmxnet_max_frame(const struct vmxnet *vp)
{
	return vp->netdev->mtu + VMXNET_FRAME_OVERHEAD;
}

/* ---------------------------------------------------------------- layout */

/* Lays out the rings back to back after the driver data (docs/protocol/vmxnet.md A4.1). */
void vmxnet_layout(struct vmxnet *vp)
{
	struct vmxnet2_driver_data *dd = vp->dd;
	u32 rx_off = sizeof(*dd);
	u32 rx2_off = rx_off + vp->rx_len * sizeof(struct vmxnet2_rx_ring_entry);
	u32 tx_off = rx2_off + vp->rx2_len * sizeof(struct vmxnet2_rx_ring_entry);

	vp->dd_len = tx_off + vp->tx_len * sizeof(struct vmxnet2_tx_ring_entry);
	memset(dd, 0, VMXNET2_DD_MAX_LENGTH);

	dd->magic = cpu_to_le32(VMXNET2_MAGIC);
	dd->length = cpu_to_le32(vp->dd_len);
	dd->rx_ring_length = cpu_to_le32(vp->rx_len);
	dd->rx_ring_length2 = cpu_to_le32(vp->rx2_len);
	dd->tx_ring_length = cpu_to_le32(vp->tx_len);
	dd->rx_ring_offset = cpu_to_le32(rx_off);
	dd->rx_ring_offset2 = cpu_to_le32(rx2_off);
	dd->tx_ring_offset = cpu_to_le32(tx_off);
	dd->max_frags = cpu_to_le16(vp->max_frags);
	if (vp->lpd_active)
		dd->feature_ctl = cpu_to_le16(VMXNET_FEATURE_LPD);

	vp->rx_ring = (void *)dd + rx_off;
	vp->rx2_ring = (void *)dd + rx2_off;
	vp->tx_ring = (void *)dd + tx_off;
}

/* --------------------------------------------------------------- rx bufs */

static void rx_arm(struct vmxnet2_rx_ring_entry *e, dma_addr_t dma, u32 len,
		   u16 owner)
{
	e->paddr = cpu_to_le64(dma);
	e->buffer_length = cpu_to_le32(len);
	e->actual_length = 0;
	e->flags = 0;
	dma_wmb();
	entry_give(&e->ownership, owner);
}

static int rx_alloc_skb(struct vmxnet *vp, struct vmxnet_rx_buf *buf, gfp_t gfp)
{
	struct device *dev = &vp->pdev->dev;
	struct sk_buff *skb;
	dma_addr_t dma;

	skb = __netdev_alloc_skb_ip_align(vp->netdev, vp->rx_buf_len, gfp);
	if (!skb)
		return -ENOMEM;
	if (rx_zero_buffers)
		memset(skb->data, 0, vp->rx_buf_len);
	dma = dma_map_single(dev, skb->data, vp->rx_buf_len, DMA_FROM_DEVICE);
	if (dma_mapping_error(dev, dma)) {
		dev_kfree_skb_any(skb);
		return -ENOMEM;
	}
	buf->skb = skb;
	buf->dma = dma;
	return 0;
}

/*
 * A ring-2 page, mapped by the pool. A recycled page still holds what the
 * host put there for an earlier packet (and what the stack did with it in
 * place): with rx_zero_buffers it is cleared like a new one.
 */
static int rx_alloc_page(struct vmxnet *vp, struct vmxnet_rx_buf *buf, gfp_t gfp)
{
	struct page *page;

	page = page_pool_alloc_pages(vp->rx2_pool, gfp | __GFP_NOWARN);
	if (!page)
		return -ENOMEM;
	buf->page = page;
	buf->dma = page_pool_get_dma_addr(page);
	if (rx_zero_buffers) {
		memset(page_address(page), 0, VMXNET_RX2_BUF_LEN);
		dma_sync_single_for_device(&vp->pdev->dev, buf->dma, VMXNET_RX2_BUF_LEN,
					   DMA_FROM_DEVICE);
	}
	return 0;
}

static void rx_put_page(struct vmxnet *vp, struct vmxnet_rx_buf *buf)
{
	page_pool_put_full_page(vp->rx2_pool, buf->page, false);
	buf->page = NULL;
}

static int rx2_pool_create(struct vmxnet *vp)
{
	struct page_pool_params pp = {
		.flags = PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV,
		.order = 0,
		.pool_size = vp->rx2_len,
		.nid = dev_to_node(&vp->pdev->dev),
		.dev = &vp->pdev->dev,
		.dma_dir = DMA_FROM_DEVICE,
		.max_len = VMXNET_RX2_BUF_LEN,
		.offset = 0,
	};
	struct page_pool *pool = page_pool_create(&pp);

	if (IS_ERR(pool))
		return PTR_ERR(pool);
	vp->rx2_pool = pool;
	return 0;
}

static void rx_free_bufs(struct vmxnet *vp)
{
	struct device *dev = &vp->pdev->dev;
	u32 i;

	for (i = 0; vp->rx_bufs && i < vp->rx_len; i++) {
		struct vmxnet_rx_buf *buf = &vp->rx_bufs[i];

		if (!buf->skb)
			continue;
		dma_unmap_single(dev, buf->dma, vp->rx_buf_len, DMA_FROM_DEVICE);
		dev_kfree_skb_any(buf->skb);
		buf->skb = NULL;
	}
	for (i = 0; vp->rx2_bufs && i < vp->rx2_len; i++) {
		struct vmxnet_rx_buf *buf = &vp->rx2_bufs[i];

		if (buf->page)
			rx_put_page(vp, buf);
	}
	/* Pages still in skbs come back to the pool, which then goes away. */
	if (vp->rx2_pool) {
		page_pool_destroy(vp->rx2_pool);
		vp->rx2_pool = NULL;
	}
}

static int rx_fill(struct vmxnet *vp)
{
	u32 i;

	for (i = 0; i < vp->rx_len; i++) {
		if (rx_alloc_skb(vp, &vp->rx_bufs[i], GFP_KERNEL))
			return -ENOMEM;
		rx_arm(&vp->rx_ring[i], vp->rx_bufs[i].dma, vp->rx_buf_len,
		       VMXNET2_OWNERSHIP_NIC);
	}
	if (!vp->rx2_active) {
		/* The dummy entry every driver supplies (docs/protocol/vmxnet.md A4.1). */
		rx_arm(&vp->rx2_ring[0], 0, 0, VMXNET2_OWNERSHIP_DRIVER);
		return 0;
	}
	for (i = 0; i < vp->rx2_len; i++) {
		if (rx_alloc_page(vp, &vp->rx2_bufs[i], GFP_KERNEL))
			return -ENOMEM;
		rx_arm(&vp->rx2_ring[i], vp->rx2_bufs[i].dma, VMXNET_RX2_BUF_LEN,
		       VMXNET2_OWNERSHIP_NIC_FRAG);
	}
	return 0;
}

/* --------------------------------------------------------------- tx bufs */

static void tx_unmap(struct vmxnet *vp, struct vmxnet_tx_buf *tb)
{
	struct device *dev = &vp->pdev->dev;
	unsigned int i;

	for (i = 0; i < tb->nr_sg; i++) {
		if (tb->page_map & BIT(i))
			dma_unmap_page(dev, tb->dma[i], tb->len[i], DMA_TO_DEVICE);
		else
			dma_unmap_single(dev, tb->dma[i], tb->len[i], DMA_TO_DEVICE);
	}
	tb->nr_sg = 0;
	tb->page_map = 0;
}

static void tx_free_all(struct vmxnet *vp)
{
	u32 i;

	for (i = 0; vp->tx_bufs && i < vp->tx_len; i++) {
		struct vmxnet_tx_buf *tb = &vp->tx_bufs[i];

		tx_unmap(vp, tb);
		if (tb->skb)
			dev_kfree_skb_any(tb->skb);
		memset(tb, 0, sizeof(*tb));
	}
	vp->tx_used = 0;
}

static u32 tx_free_entries(const struct vmxnet *vp)
{
	return vp->tx_len - vp->tx_used;
}

static void tx_stat_inc(struct vmxnet *vp, u64 *counter)
{
	u64_stats_update_begin(&vp->tx_stats.syncp);
	(*counter)++;
	u64_stats_update_end(&vp->tx_stats.syncp);
}

/*
 * Returns the completed packets from tx_cur onwards (docs/protocol/vmxnet.md A5.7).
 * A packet is done only when every entry the driver posted for it is back in
 * DRIVER hands; completions of anything else are ignored. Called with
 * tx_lock held.
 */
static void tx_reclaim(struct vmxnet *vp, int budget)
{
	unsigned int pkts = 0, bytes = 0;

	if (vp->tx_broken)
		return;
	while (vp->tx_used) {
		struct vmxnet_tx_buf *first = &vp->tx_bufs[vp->tx_cur];
		u32 idx = vp->tx_cur;
		unsigned int n, k;

		if (WARN_ON_ONCE(!first->posted || !first->skb || !first->nr_entries))
			break;
		n = first->nr_entries;
		for (k = 0; k < n; k++, idx = ring_next(idx, vp->tx_len)) {
			u16 owner = entry_owner(&vp->tx_ring[idx].ownership);

			if (owner == VMXNET2_OWNERSHIP_DRIVER)
				continue;
			if (!owner_valid_tx(owner)) {
				tx_stat_inc(vp, &vp->tx_stats.bad_ownership);
				vp->tx_broken = true;
				vmxnet_schedule_reset(vp, "tx entry with an invalid ownership value");
			}
			goto out;
		}
		bytes += first->skb->len;
		pkts++;
		napi_consume_skb(first->skb, budget);
		first->skb = NULL;
		for (k = 0, idx = vp->tx_cur; k < n; k++, idx = ring_next(idx, vp->tx_len)) {
			tx_unmap(vp, &vp->tx_bufs[idx]);
			vp->tx_bufs[idx].posted = false;
			vp->tx_bufs[idx].nr_entries = 0;
		}
		vp->tx_cur = idx;
		vp->tx_used -= n;
	}
out:
	if (!pkts)
		return;
	vp->dd->tx_driver_cur = cpu_to_le32(vp->tx_cur);
	u64_stats_update_begin(&vp->tx_stats.syncp);
	vp->tx_stats.packets += pkts;
	vp->tx_stats.bytes += bytes;
	u64_stats_update_end(&vp->tx_stats.syncp);
	netdev_completed_queue(vp->netdev, pkts, bytes);
	if (vp->tx_enabled && netif_queue_stopped(vp->netdev) &&
	    tx_free_entries(vp) >= VMXNET_TX_MAX_ENTRIES) {
		vp->dd->tx_stopped = 0;
		netif_wake_queue(vp->netdev);
	}
}

/* Number of scatter-gather elements the packet needs in our chunking. */
static unsigned int tx_count_sg(const struct sk_buff *skb)
{
	unsigned int n = DIV_ROUND_UP(skb_headlen(skb), VMXNET_TX_SG_CHUNK);
	unsigned int i;

	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++)
		n += DIV_ROUND_UP(skb_frag_size(&skb_shinfo(skb)->frags[i]),
				  VMXNET_TX_SG_CHUNK);
	return n;
}

static unsigned int tx_max_sg(const struct vmxnet *vp)
{
	if (!vp->modes.zero_copy)
		return 1;
	if (!vp->modes.chain_tx)
		return VMXNET2_SG_DEFAULT_LENGTH;
	return VMXNET_TX_MAX_SG;
}

struct tx_cursor {
	u32 idx;
	unsigned int slot;
};

static void tx_cursor_add(struct vmxnet *vp, struct tx_cursor *c, dma_addr_t dma,
			  u32 len, bool page)
{
	struct vmxnet_tx_buf *tb;

	if (c->slot == VMXNET2_SG_DEFAULT_LENGTH) {
		c->idx = ring_next(c->idx, vp->tx_len);
		c->slot = 0;
	}
	tb = &vp->tx_bufs[c->idx];
	tb->dma[c->slot] = dma;
	tb->len[c->slot] = len;
	if (page)
		tb->page_map |= BIT(c->slot);
	tb->posted = true;
	tb->nr_sg = ++c->slot;
}

/* DMA-maps the packet into the shadows of the next entries. */
static int tx_map(struct vmxnet *vp, struct sk_buff *skb, unsigned int entries)
{
	struct device *dev = &vp->pdev->dev;
	struct tx_cursor c = { .idx = vp->tx_next };
	unsigned int off, len, i;
	u32 idx = vp->tx_next;
	dma_addr_t dma;

	for (i = 0; i < entries; i++, idx = ring_next(idx, vp->tx_len))
		memset(&vp->tx_bufs[idx], 0, sizeof(vp->tx_bufs[idx]));

	for (off = 0; off < skb_headlen(skb); off += len) {
		len = min_t(unsigned int, skb_headlen(skb) - off, VMXNET_TX_SG_CHUNK);
		dma = dma_map_single(dev, skb->data + off, len, DMA_TO_DEVICE);
		if (dma_mapping_error(dev, dma))
			goto unwind;
		tx_cursor_add(vp, &c, dma, len, false);
	}
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		const skb_frag_t *frag = &skb_shinfo(skb)->frags[i];

		for (off = 0; off < skb_frag_size(frag); off += len) {
			len = min_t(unsigned int, skb_frag_size(frag) - off,
				    VMXNET_TX_SG_CHUNK);
			dma = skb_frag_dma_map(dev, frag, off, len, DMA_TO_DEVICE);
			if (dma_mapping_error(dev, dma))
				goto unwind;
			tx_cursor_add(vp, &c, dma, len, true);
		}
	}
	return 0;

unwind:
	for (i = 0, idx = vp->tx_next; i < entries; i++, idx = ring_next(idx, vp->tx_len)) {
		tx_unmap(vp, &vp->tx_bufs[idx]);
		vp->tx_bufs[idx].posted = false;
	}
	return -ENOMEM;
}

/*
 * Writes the mapped packet into the ring: continuation entries first, the
 * first entry's ownership last behind a barrier (docs/protocol/vmxnet.md A4.6).
 */
static void tx_post(struct vmxnet *vp, struct sk_buff *skb, unsigned int entries,
		    u16 flags, u32 mss)
{
	u32 first = vp->tx_next, idx = first;
	unsigned int e, s;

	for (e = 0; e < entries; e++, idx = ring_next(idx, vp->tx_len)) {
		struct vmxnet_tx_buf *tb = &vp->tx_bufs[idx];
		struct vmxnet2_tx_ring_entry *te = &vp->tx_ring[idx];

		for (s = 0; s < tb->nr_sg; s++) {
			te->sg.sg[s].addr_low = cpu_to_le32(lower_32_bits(tb->dma[s]));
			te->sg.sg[s].addr_hi = cpu_to_le16(upper_32_bits(tb->dma[s]));
			te->sg.sg[s].length = cpu_to_le16(tb->len[s]);
		}
		te->sg.addr_type = cpu_to_le16(NET_SG_PHYS_ADDR);
		te->sg.length = cpu_to_le16(tb->nr_sg);
		te->flags = cpu_to_le16(e + 1 < entries ? VMXNET2_TX_MORE : 0);
		te->tso_mss = 0;
		if (e) {
			dma_wmb();
			entry_give(&te->ownership, VMXNET2_OWNERSHIP_NIC);
		}
	}
	vp->tx_bufs[first].skb = skb;
	vp->tx_bufs[first].nr_entries = entries;
	vp->tx_ring[first].flags |= cpu_to_le16(flags);
	vp->tx_ring[first].tso_mss = cpu_to_le32(mss);
	dma_wmb();
	entry_give(&vp->tx_ring[first].ownership, VMXNET2_OWNERSHIP_NIC);

	vp->tx_next = idx;
	vp->tx_used += entries;
	vp->dd->tx_driver_next = cpu_to_le32(vp->tx_next);
}

/*
 * The device parses headers itself and only handles TCP/UDP over IPv4 (and
 * IPv6 when offered); anything else is checksummed here (docs/protocol/vmxnet.md A6.1).
 */
static int tx_csum_flags(struct vmxnet *vp, struct sk_buff *skb, u16 *flags)
{
	u8 l4 = 0;

	if (skb->ip_summed != CHECKSUM_PARTIAL)
		return 0;
	switch (vlan_get_protocol(skb)) {
	case htons(ETH_P_IP):
		if (vp->modes.tx_csum)
			l4 = ip_hdr(skb)->protocol;
		break;
	case htons(ETH_P_IPV6):
		if (vp->modes.tx_csum6 &&
		    skb_transport_offset(skb) ==
		    skb_network_offset(skb) + (int)sizeof(struct ipv6hdr))
			l4 = ipv6_hdr(skb)->nexthdr;
		break;
	}
	if ((l4 == IPPROTO_TCP || l4 == IPPROTO_UDP) &&
	    skb_checksum_start_offset(skb) == skb_transport_offset(skb)) {
		*flags |= VMXNET2_TX_HW_XSUM;
		tx_stat_inc(vp, &vp->tx_stats.csum);
		return 0;
	}
	return skb_checksum_help(skb);
}

static bool tx_gso_ok(const struct vmxnet *vp, const struct sk_buff *skb)
{
	unsigned int type = skb_shinfo(skb)->gso_type;

	if (type & ~(SKB_GSO_TCPV4 | SKB_GSO_TCPV6 | SKB_GSO_TCP_ECN | SKB_GSO_DODGY))
		return false;
	if ((type & SKB_GSO_TCPV4) && !vp->modes.tso)
		return false;
	if ((type & SKB_GSO_TCPV6) && !vp->modes.tso6)
		return false;
	return skb_shinfo(skb)->gso_size != 0;
}

static void tx_kick(struct vmxnet *vp)
{
	vp->tx_deferred = 0;
	vp->dd->tx_num_deferred = 0;
	ioread32(vp->io + VMXNET_TX_ADDR);
	tx_stat_inc(vp, &vp->tx_stats.kicks);
}

/*
 * The host's tx_cluster_length is a hint (docs/protocol/vmxnet.md A8.8): a batch the host asks for
 * is kicked even while the stack has more coming; 0 or a value beyond the
 * ring means no hint, and the stack's xmit_more alone decides.
 */
static bool tx_cluster_full(const struct vmxnet *vp)
{
	u32 cluster = le32_to_cpu(READ_ONCE(vp->dd->tx_cluster_length));

	if (!cluster || cluster > vp->tx_len)
		return false;
	return vp->tx_deferred >= cluster;
}

netdev_tx_t vmxnet_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct vmxnet *vp = netdev_priv(dev);
	u16 flags = VMXNET2_TX_CAN_KEEP;
	unsigned int nr_sg, entries, segs = 1;
	bool more;
	u32 mss = 0;

	if (skb_is_gso(skb)) {
		if (!tx_gso_ok(vp, skb))
			goto drop;
		mss = skb_shinfo(skb)->gso_size;
		segs = skb_shinfo(skb)->gso_segs;
		flags |= VMXNET2_TX_TSO | VMXNET2_TX_HW_XSUM;
	} else if (tx_csum_flags(vp, skb, &flags)) {
		goto drop;
	}

	nr_sg = tx_count_sg(skb);
	if (nr_sg > tx_max_sg(vp)) {
		if (skb_linearize(skb))
			goto drop;
		tx_stat_inc(vp, &vp->tx_stats.linearized);
		nr_sg = tx_count_sg(skb);
		if (nr_sg > tx_max_sg(vp) || !nr_sg)
			goto drop;
	}
	if (!nr_sg)
		goto drop;
	entries = DIV_ROUND_UP(nr_sg, VMXNET2_SG_DEFAULT_LENGTH);

	spin_lock(&vp->tx_lock);
	if (!vp->tx_enabled) {
		spin_unlock(&vp->tx_lock);
		goto drop;
	}
	if (tx_free_entries(vp) < entries)
		tx_reclaim(vp, 0);
	if (tx_free_entries(vp) < entries) {
		netif_stop_queue(dev);
		vp->dd->tx_stopped = cpu_to_le32(1);
		tx_stat_inc(vp, &vp->tx_stats.ring_full);
		spin_unlock(&vp->tx_lock);
		return NETDEV_TX_BUSY;
	}
	if (tx_map(vp, skb, entries)) {
		tx_stat_inc(vp, &vp->tx_stats.map_errors);
		spin_unlock(&vp->tx_lock);
		goto drop;
	}
	if (vp->tx_used + entries > vp->tx_len - 5)
		flags |= VMXNET2_TX_RING_LOW;
	if (flags & VMXNET2_TX_TSO)
		tx_stat_inc(vp, &vp->tx_stats.tso);

	skb_tx_timestamp(skb);
	tx_post(vp, skb, entries, flags, mss);
	vp->tx_deferred += segs;
	vp->dd->tx_num_deferred = cpu_to_le32(vp->tx_deferred);
	le32_add_cpu(&vp->dd->stats.pkts_transmitted, 1);

	if (tx_free_entries(vp) < VMXNET_TX_MAX_ENTRIES) {
		netif_stop_queue(dev);
		vp->dd->tx_stopped = cpu_to_le32(1);
		tx_stat_inc(vp, &vp->tx_stats.ring_full);
	}
	more = __netdev_tx_sent_queue(netdev_get_tx_queue(dev, 0), skb->len,
				      netdev_xmit_more());
	if (more || (flags & VMXNET2_TX_RING_LOW) || tx_cluster_full(vp))
		tx_kick(vp);
	/* Completion interrupts are not guaranteed (docs/protocol/vmxnet.md A5.6): reclaim. */
	tx_reclaim(vp, 0);
	spin_unlock(&vp->tx_lock);
	return NETDEV_TX_OK;

drop:
	tx_stat_inc(vp, &vp->tx_stats.dropped);
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

/* ------------------------------------------------------------------- rx */

struct rx_frag {
	u32 slot;
	u32 len;
};

static void rx_stat_inc(struct vmxnet *vp, u64 *counter)
{
	u64_stats_update_begin(&vp->rx_stats.syncp);
	(*counter)++;
	u64_stats_update_end(&vp->rx_stats.syncp);
}

/*
 * Collects the ring-2 fragments of the packet at rx2_next
 * (docs/protocol/vmxnet.md A6.4). Returns the number of ring-2 entries the packet
 * used, or -EPROTO when the ring cannot be followed any more (then only a
 * reset resynchronises it).
 */
static int rx_collect_frags(struct vmxnet *vp, struct rx_frag *frags)
{
	u32 slot = vp->rx2_next;
	unsigned int i;

	for (i = 0; i < vp->max_frags; i++, slot = ring_next(slot, vp->rx2_len)) {
		struct vmxnet2_rx_ring_entry *e = &vp->rx2_ring[slot];
		u16 owner = entry_owner(&e->ownership);

		if (owner != VMXNET2_OWNERSHIP_DRIVER_FRAG) {
			rx_stat_inc(vp, owner_valid_ring2(owner) ?
				    &vp->rx_stats.frag_no_eop :
				    &vp->rx_stats.frag_bad_ownership);
			return -EPROTO;
		}
		dma_rmb();
		frags[i].slot = slot;
		frags[i].len = le32_to_cpu(READ_ONCE(e->actual_length));
		if (le16_to_cpu(READ_ONCE(e->flags)) & VMXNET2_RX_FRAG_EOP)
			return i + 1;
	}
	rx_stat_inc(vp, &vp->rx_stats.frag_no_eop);
	return -EPROTO;
}

/* Hands the buffers of a dropped packet back to the host unchanged. */
static void rx_rearm(struct vmxnet *vp, const struct rx_frag *frags, int nfrags)
{
	int i;

	for (i = 0; i < nfrags; i++)
		rx_arm(&vp->rx2_ring[frags[i].slot], vp->rx2_bufs[frags[i].slot].dma,
		       VMXNET_RX2_BUF_LEN, VMXNET2_OWNERSHIP_NIC_FRAG);
	rx_arm(&vp->rx_ring[vp->rx_next], vp->rx_bufs[vp->rx_next].dma,
	       vp->rx_buf_len, VMXNET2_OWNERSHIP_NIC);
}

/*
 * Builds the skb from the ring-1 buffer and its fragments, replacing every
 * buffer it takes. Either all replacements are allocated or nothing changes.
 */
static struct sk_buff *rx_build(struct vmxnet *vp, u32 len,
				const struct rx_frag *frags, int nfrags)
{
	struct vmxnet_rx_buf fresh[MAX_SKB_FRAGS + 1] = {};
	struct device *dev = &vp->pdev->dev;
	struct vmxnet_rx_buf *buf = &vp->rx_bufs[vp->rx_next];
	struct sk_buff *skb;
	int i;

	if (rx_alloc_skb(vp, &fresh[0], GFP_ATOMIC))
		goto fail;
	for (i = 0; i < nfrags; i++)
		if (frags[i].len && rx_alloc_page(vp, &fresh[i + 1], GFP_ATOMIC))
			goto fail;

	skb = buf->skb;
	dma_unmap_single(dev, buf->dma, vp->rx_buf_len, DMA_FROM_DEVICE);
	skb_put(skb, len);
	*buf = fresh[0];
	for (i = 0; i < nfrags; i++) {
		struct vmxnet_rx_buf *fb = &vp->rx2_bufs[frags[i].slot];

		if (!frags[i].len)
			continue;
		dma_sync_single_for_cpu(dev, fb->dma, frags[i].len, DMA_FROM_DEVICE);
#ifndef PVTOOLS_HAVE_SKB_MARK_FOR_RECYCLE
		/* No recycling through skbs: the page leaves the pool for the stack. */
		page_pool_release_page(vp->rx2_pool, fb->page);
#endif
		skb_add_rx_frag(skb, skb_shinfo(skb)->nr_frags, fb->page, 0,
				frags[i].len, VMXNET_RX2_BUF_LEN);
		*fb = fresh[i + 1];
	}
#ifdef PVTOOLS_HAVE_SKB_MARK_FOR_RECYCLE
	if (skb_shinfo(skb)->nr_frags)
		skb_mark_for_recycle(skb);
#endif
	return skb;

fail:
	for (i = 0; i <= nfrags; i++) {
		if (fresh[i].skb) {
			dma_unmap_single(dev, fresh[i].dma, vp->rx_buf_len, DMA_FROM_DEVICE);
			dev_kfree_skb_any(fresh[i].skb);
		}
		if (fresh[i].page)
			rx_put_page(vp, &fresh[i]);
	}
	rx_stat_inc(vp, &vp->rx_stats.alloc_errors);
	return NULL;
}

/*
 * Small frames (ACKs, mostly) are copied out and their buffer goes straight
 * back to the host: cheaper than a fresh, zeroed and mapped buffer.
 */
static struct sk_buff *rx_copy_small(struct vmxnet *vp, u32 len)
{
	struct vmxnet_rx_buf *buf = &vp->rx_bufs[vp->rx_next];
	struct device *dev = &vp->pdev->dev;
	struct sk_buff *skb;

	skb = napi_alloc_skb(&vp->napi, len);
	if (!skb) {
		rx_stat_inc(vp, &vp->rx_stats.alloc_errors);
		return NULL;
	}
	dma_sync_single_for_cpu(dev, buf->dma, len, DMA_FROM_DEVICE);
	skb_put_data(skb, buf->skb->data, len);
	dma_sync_single_for_device(dev, buf->dma, len, DMA_FROM_DEVICE);
	return skb;
}

/* Checks one completed packet; returns its length, or 0 to drop it. */
static u32 rx_validate(struct vmxnet *vp, u32 len, const struct rx_frag *frags,
		       int nfrags)
{
	u32 total = len;
	int i;

	if (!len) {
		rx_stat_inc(vp, &vp->rx_stats.zero_length);
		return 0;
	}
	if (len > vp->rx_buf_len) {
		rx_stat_inc(vp, &vp->rx_stats.bad_length);
		return 0;
	}
	/* eth_type_trans() needs the Ethernet header in the linear part. */
	if (len < ETH_HLEN) {
		rx_stat_inc(vp, &vp->rx_stats.runts);
		return 0;
	}
	for (i = 0; i < nfrags; i++) {
		if (frags[i].len > VMXNET_RX2_BUF_LEN) {
			rx_stat_inc(vp, &vp->rx_stats.frag_bad_length);
			return 0;
		}
		total += frags[i].len;
	}
	if (total > vmxnet_max_frame(vp) &&
	    (!vp->lpd_active || total > VMXNET_LPD_MAX_FRAME)) {
		rx_stat_inc(vp, &vp->rx_stats.oversize);
		return 0;
	}
	if (total < VMXNET2_MIN_RX_LEN) {
		rx_stat_inc(vp, &vp->rx_stats.runts);
		return 0;
	}
	return total;
}

/* The IP + TCP header length of an IPv4/IPv6 TCP packet at @off, or 0. */
static unsigned int rx_tcp_hlen(struct sk_buff *skb, unsigned int off, int *gso_type)
{
	const struct tcphdr *th;
	unsigned int hlen;

	if (skb->protocol == htons(ETH_P_IP) || *gso_type == SKB_GSO_TCPV4) {
		const struct iphdr *iph;

		if (!pskb_may_pull(skb, off + sizeof(*iph)))
			return 0;
		iph = (const struct iphdr *)(skb->data + off);
		if (iph->version != 4 || iph->ihl < 5 || iph->protocol != IPPROTO_TCP ||
		    ip_is_fragment(iph))
			return 0;
		hlen = iph->ihl * 4;
		*gso_type = SKB_GSO_TCPV4;
	} else {
		const struct ipv6hdr *ip6;

		if (!pskb_may_pull(skb, off + sizeof(*ip6)))
			return 0;
		ip6 = (const struct ipv6hdr *)(skb->data + off);
		if (ip6->version != 6 || ip6->nexthdr != IPPROTO_TCP)
			return 0;
		hlen = sizeof(*ip6);
		*gso_type = SKB_GSO_TCPV6;
	}
	if (!pskb_may_pull(skb, off + hlen + sizeof(*th)))
		return 0;
	th = (const struct tcphdr *)(skb->data + off + hlen);
	if (th->doff < 5 || !pskb_may_pull(skb, off + hlen + th->doff * 4))
		return 0;
	return hlen + th->doff * 4;
}

/* What the IP header at @off says the datagram's length is. */
static unsigned int rx_ip_len(const struct sk_buff *skb, unsigned int off, int gso_type)
{
	if (gso_type == SKB_GSO_TCPV4)
		return ntohs(((const struct iphdr *)(skb->data + off))->tot_len);
	return sizeof(struct ipv6hdr) +
	       ntohs(((const struct ipv6hdr *)(skb->data + off))->payload_len);
}

/*
 * An LPD packet beyond the MTU must be a host-built TCP aggregate whose
 * checksum the host vouched for. It gets the GSO metadata the stack needs
 * to account, forward or re-segment it: segments of MTU minus the headers,
 * as vmxnet3 does without a host MSS. Returns false for anything else
 * beyond the MTU (dropped): GSO metadata on a packet without a verified
 * checksum would trip the stack's offload checks if it were forwarded.
 */
static bool rx_lpd_meta(struct vmxnet *vp, struct sk_buff *skb)
{
	unsigned int mtu = vp->netdev->mtu, off = 0, hlen, payload;
	int gso_type = 0;

	if (skb->protocol == htons(ETH_P_8021Q)) {
		const struct vlan_hdr *vh;

		if (!pskb_may_pull(skb, VLAN_HLEN))
			return false;
		vh = (const struct vlan_hdr *)skb->data;
		if (vh->h_vlan_encapsulated_proto == htons(ETH_P_IP))
			gso_type = SKB_GSO_TCPV4;
		else if (vh->h_vlan_encapsulated_proto == htons(ETH_P_IPV6))
			gso_type = SKB_GSO_TCPV6;
		else
			return skb->len - VLAN_HLEN <= mtu;
		off = VLAN_HLEN;
	} else if (skb->protocol != htons(ETH_P_IP) && skb->protocol != htons(ETH_P_IPV6)) {
		return skb->len <= mtu;
	}
	if (skb->len - off <= mtu)
		return true;
	if (skb->ip_summed != CHECKSUM_UNNECESSARY)
		return false;
	hlen = rx_tcp_hlen(skb, off, &gso_type);
	if (!hlen || hlen >= mtu)
		return false;
	/* The host wrote these headers: they must describe this very frame. */
	if (rx_ip_len(skb, off, gso_type) != skb->len - off)
		return false;
	payload = skb->len - off - hlen;
	skb_shinfo(skb)->gso_size = mtu - hlen;
	/* Host-made metadata: the stack re-checks it before it segments. */
	skb_shinfo(skb)->gso_type = gso_type | SKB_GSO_DODGY;
	skb_shinfo(skb)->gso_segs = DIV_ROUND_UP(payload, mtu - hlen);
	return true;
}

/* Handles the completed ring-1 entry at rx_next; -EPROTO stops the poll. */
static int rx_one(struct vmxnet *vp)
{
	struct vmxnet2_rx_ring_entry *e = &vp->rx_ring[vp->rx_next];
	struct rx_frag frags[MAX_SKB_FRAGS];
	u32 len = le32_to_cpu(READ_ONCE(e->actual_length));
	u16 flags = le16_to_cpu(READ_ONCE(e->flags));
	struct sk_buff *skb;
	int nfrags = 0;
	u32 total;

	if (flags & VMXNET2_RX_WITH_FRAG) {
		if (!vp->rx2_active) {
			/* Nothing of ring 2 belongs to this packet. */
			rx_stat_inc(vp, &vp->rx_stats.bad_frag);
			goto drop;
		}
		nfrags = rx_collect_frags(vp, frags);
		if (nfrags < 0)
			return nfrags;
		vp->rx2_next = (vp->rx2_next + nfrags) % vp->rx2_len;
	}

	total = rx_validate(vp, len, frags, nfrags);
	if (!total)
		goto drop;
	if (!nfrags && len <= VMXNET_RX_COPYBREAK)
		skb = rx_copy_small(vp, len);
	else
		skb = rx_build(vp, len, frags, nfrags);
	if (!skb)
		goto drop;
	rx_rearm(vp, frags, nfrags);

	if ((flags & VMXNET2_RX_HW_XSUM_OK) && (vp->netdev->features & NETIF_F_RXCSUM)) {
		skb->ip_summed = CHECKSUM_UNNECESSARY;
		rx_stat_inc(vp, &vp->rx_stats.csum_ok);
	}
	skb->protocol = eth_type_trans(skb, vp->netdev);
	if (vp->lpd_active && !rx_lpd_meta(vp, skb)) {
		if (net_ratelimit())
			netdev_warn(vp->netdev, "dropping a %u-byte LPD packet: not a consistent, checksummed TCP aggregate\n",
				    total);
		rx_stat_inc(vp, &vp->rx_stats.lro_bad);
		rx_stat_inc(vp, &vp->rx_stats.dropped);
		dev_kfree_skb_any(skb);
		return 0;
	}
	u64_stats_update_begin(&vp->rx_stats.syncp);
	vp->rx_stats.packets++;
	vp->rx_stats.bytes += total;
	vp->rx_stats.frags += skb_shinfo(skb)->nr_frags;
	if (skb_is_gso(skb)) {
		vp->rx_stats.lro_packets++;
		vp->rx_stats.lro_bytes += total;
		vp->rx_stats.lro_segs += skb_shinfo(skb)->gso_segs;
	}
	u64_stats_update_end(&vp->rx_stats.syncp);
	le32_add_cpu(&vp->dd->stats.pkts_received, 1);
	/*
	 * With LPD the host has aggregated already; GRO would only hold the
	 * large packets back (and may drop their GSO metadata), so like
	 * vmxnet3 with LRO every packet goes straight up, in ring order.
	 */
	if (vp->lpd_active)
		netif_receive_skb(skb);
	else
		napi_gro_receive(&vp->napi, skb);
	return 0;

drop:
	rx_stat_inc(vp, &vp->rx_stats.dropped);
	rx_rearm(vp, frags, nfrags);
	return 0;
}

static int vmxnet_rx(struct vmxnet *vp, int budget)
{
	int done = 0;

	while (done < budget && !vp->rx_broken) {
		u16 owner = entry_owner(&vp->rx_ring[vp->rx_next].ownership);

		if (owner != VMXNET2_OWNERSHIP_DRIVER) {
			if (!owner_valid_ring1(owner)) {
				rx_stat_inc(vp, &vp->rx_stats.bad_ownership);
				vp->rx_broken = true;
				vmxnet_schedule_reset(vp, "rx entry with an invalid ownership value");
			}
			break;
		}
		dma_rmb();
		if (rx_one(vp)) {
			vp->rx_broken = true;
			vmxnet_schedule_reset(vp, "rx fragment chain broken");
			break;
		}
		vp->rx_next = ring_next(vp->rx_next, vp->rx_len);
		done++;
	}
	vp->dd->rx_driver_next = cpu_to_le32(vp->rx_next);
	vp->dd->rx_driver_next2 = cpu_to_le32(vp->rx2_next);
	return done;
}

int vmxnet_poll(struct napi_struct *napi, int budget)
{
	struct vmxnet *vp = container_of(napi, struct vmxnet, napi);
	int done;

	spin_lock(&vp->tx_lock);
	tx_reclaim(vp, budget);
	spin_unlock(&vp->tx_lock);

	done = vmxnet_rx(vp, budget);
	if (done < budget && napi_complete_done(napi, done) && !vp->rx_broken) {
		/*
		 * Work that came in during the poll was handled by it: drop the
		 * interrupt it left pending, unmask, then look once more for what
		 * arrived in between, which no interrupt would announce.
		 */
		vmxnet_cmd(vp, VMXNET_CMD_INTR_ACK);
		vmxnet_cmd(vp, VMXNET_CMD_INTR_ENABLE);
		if (vmxnet_has_work(vp) && napi_schedule_prep(napi)) {
			vmxnet_cmd(vp, VMXNET_CMD_INTR_DISABLE);
			__napi_schedule(napi);
		}
	}
	return done;
}

/*
 * Whether the oldest tx packet can be reclaimed, or holds a value that makes
 * tx_reclaim() reset the rings: exactly when reclaim would act. An entry the
 * host keeps as NIC_PENDING is no work; the stall check bounds it.
 */
static bool tx_has_work(struct vmxnet *vp)
{
	u32 idx = READ_ONCE(vp->tx_cur);
	unsigned int n, k;

	if (!READ_ONCE(vp->tx_used) || READ_ONCE(vp->tx_broken) || idx >= vp->tx_len)
		return false;
	/* Read without tx_lock: a stale answer costs one poll or waits a tick. */
	n = min_t(unsigned int, READ_ONCE(vp->tx_bufs[idx].nr_entries), vp->tx_len);
	for (k = 0; k < n; k++, idx = ring_next(idx, vp->tx_len)) {
		u16 owner = entry_owner(&vp->tx_ring[idx].ownership);

		if (owner == VMXNET2_OWNERSHIP_DRIVER)
			continue;
		return !owner_valid_tx(owner);
	}
	return n != 0;
}

/*
 * Whether the rings hold anything a poll can act on (there is no cause
 * register). Reporting what a poll cannot consume would reschedule NAPI
 * forever from its own completion: a softirq livelock on a one-CPU guest.
 */
bool vmxnet_has_work(struct vmxnet *vp)
{
	u32 idx;

	if (!vp->attached || READ_ONCE(vp->rx_broken))
		return false;
	idx = READ_ONCE(vp->rx_next);
	/* A completed entry, or an invalid value the poll reports and resets on. */
	if (entry_owner(&vp->rx_ring[idx].ownership) != VMXNET2_OWNERSHIP_NIC)
		return true;
	return tx_has_work(vp);
}

irqreturn_t vmxnet_interrupt(int irq, void *data)
{
	struct vmxnet *vp = data;

	vmxnet_cmd(vp, VMXNET_CMD_INTR_ACK);
	if (vp->rx_broken || !vmxnet_has_work(vp)) {
		atomic64_inc(&vp->misc.spurious_interrupts);
		return IRQ_NONE;
	}
	atomic64_inc(&vp->misc.interrupts);
	le32_add_cpu(&vp->dd->stats.interrupts, 1);
	if (napi_schedule_prep(&vp->napi)) {
		vmxnet_cmd(vp, VMXNET_CMD_INTR_DISABLE);
		__napi_schedule_irqoff(&vp->napi);
	}
	return IRQ_HANDLED;
}

/*
 * Called every poll interval: a tx ring that holds packets but returned
 * none since the last tick is kicked again; after VMXNET_TX_STALL_TICKS such
 * ticks the host is taken to be stuck and the rings are reset, sooner and
 * more predictably than the stack's watchdog.
 */
void vmxnet_tx_check_stall(struct vmxnet *vp)
{
	bool stuck = false;
	u64 done;

	spin_lock(&vp->tx_lock);
	tx_reclaim(vp, 0);
	done = vp->tx_stats.packets;
	if (!vp->tx_used || done != vp->tx_last_packets) {
		vp->tx_stall_ticks = 0;
	} else if (++vp->tx_stall_ticks >= VMXNET_TX_STALL_TICKS) {
		vp->tx_stall_ticks = 0;
		stuck = true;
	} else {
		tx_kick(vp);
	}
	vp->tx_last_packets = done;
	spin_unlock(&vp->tx_lock);
	if (stuck) {
		atomic64_inc(&vp->misc.tx_timeouts);
		vmxnet_schedule_reset(vp, "host returned no transmitted packet for 3 s");
	}
}

/* ---------------------------------------------------------- attach/detach */

static void rings_free(struct vmxnet *vp)
{
	rx_free_bufs(vp);
	tx_free_all(vp);
	kfree(vp->rx_bufs);
	kfree(vp->rx2_bufs);
	kfree(vp->tx_bufs);
	vp->rx_bufs = NULL;
	vp->rx2_bufs = NULL;
	vp->tx_bufs = NULL;
}

/* Allocates and fills the rings, then attaches the block (docs/protocol/vmxnet.md A5.2). */
int vmxnet_rings_up(struct vmxnet *vp)
{
	struct net_device *dev = vp->netdev;
	u32 got;

	vp->rx_buf_len = VMXNET2_PKT_BUF_SZ;
	vp->lpd_active = vp->modes.lpd && vp->lro_wanted;
	/* LPD packets reach 64 KiB at any MTU: then ring 2 is always in use. */
	vp->rx2_active = (vp->modes.jumbo && vmxnet_max_frame(vp) > vp->rx_buf_len) ||
			 vp->lpd_active;
	vp->rx2_len = vp->rx2_active ?
		      min(4 * vp->rx_len, VMXNET2_MAX_NUM_RX_BUFFERS2) : 1;
	vp->max_frags = vp->rx2_active ? min_t(u32, MAX_SKB_FRAGS, vp->rx2_len) : 0;

	vp->rx_bufs = kcalloc(vp->rx_len, sizeof(*vp->rx_bufs), GFP_KERNEL);
	vp->rx2_bufs = kcalloc(vp->rx2_len, sizeof(*vp->rx2_bufs), GFP_KERNEL);
	vp->tx_bufs = kcalloc(vp->tx_len, sizeof(*vp->tx_bufs), GFP_KERNEL);
	if (!vp->rx_bufs || !vp->rx2_bufs || !vp->tx_bufs)
		goto nomem;

	if (vp->rx2_active && rx2_pool_create(vp))
		goto nomem;

	vmxnet_layout(vp);
	vp->rx_next = 0;
	vp->rx2_next = 0;
	vp->tx_next = 0;
	vp->tx_cur = 0;
	vp->tx_used = 0;
	vp->tx_deferred = 0;
	vp->tx_stall_ticks = 0;
	vp->tx_last_packets = 0;
	vp->rx_broken = false;
	vp->tx_broken = false;
	if (rx_fill(vp))
		goto nomem;
	for (got = 0; got < vp->tx_len; got++) {
		vp->tx_ring[got].sg.addr_type = cpu_to_le16(NET_SG_PHYS_ADDR);
		vp->tx_ring[got].ownership = cpu_to_le16(VMXNET2_OWNERSHIP_DRIVER);
	}
	netdev_reset_queue(dev);

	/* The block must be visible before the host reads it. */
	wmb();
	iowrite32(lower_32_bits(vp->dd_dma), vp->io + VMXNET_INIT_ADDR);
	iowrite32(vp->dd_len, vp->io + VMXNET_INIT_LENGTH);
	got = ioread32(vp->io + VMXNET_INIT_LENGTH);
	if (!got) {
		atomic64_inc(&vp->misc.attach_refused);
		netdev_err(dev, "device refused the shared block (%u bytes)\n", vp->dd_len);
		iowrite32(0, vp->io + VMXNET_INIT_ADDR);
		rings_free(vp);
		return -EIO;
	}
	vp->attached = true;
	return 0;

nomem:
	rings_free(vp);
	return -ENOMEM;
}

/* Asks the host to finish sending what it holds, for about two seconds. */
static void tx_drain(struct vmxnet *vp)
{
	unsigned int tries;

	for (tries = 0; tries < VMXNET_CLOSE_TX_TRIES; tries++) {
		spin_lock_bh(&vp->tx_lock);
		tx_reclaim(vp, 0);
		spin_unlock_bh(&vp->tx_lock);
		if (!vp->tx_used)
			return;
		vmxnet_cmd(vp, VMXNET_CMD_CHECK_TX_DONE);
		if (tries)
			usleep_range(10000, 20000);
	}
	netdev_warn(vp->netdev, "host did not return %u tx entries; freeing them\n",
		    vp->tx_used);
}

/*
 * Detaches the block (the only way to quiesce a vmxnet2 device, docs/protocol/vmxnet.md A5.8) and
 * frees every buffer. NAPI must already be disabled.
 */
void vmxnet_rings_down(struct vmxnet *vp, bool drain_tx)
{
	if (!vp->attached)
		return;
	if (drain_tx)
		tx_drain(vp);
	vmxnet_cmd(vp, VMXNET_CMD_INTR_DISABLE);
	iowrite32(0, vp->io + VMXNET_INIT_ADDR);
	vp->attached = false;
	synchronize_irq(vp->pdev->irq);
	rings_free(vp);
	netdev_reset_queue(vp->netdev);
}
