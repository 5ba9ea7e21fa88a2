// SPDX-License-Identifier: GPL-2.0
/*
 * vmxnet: transmit. Mapping a packet into one or more chained tx entries
 * (scatter-gather, checksum offload, TSO), kicking the host, reclaiming
 * completed entries, and the stall watchdog. Entries read back from shared
 * memory are checked against the driver's shadow copies before use.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>

#include "vmxnet.h"

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

/**
 * vmxnet_tx_free_all() - unmap and free every packet still in the tx ring.
 * @vp: the adapter, detached.
 */
void vmxnet_tx_free_all(struct vmxnet *vp)
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

/**
 * vmxnet_tx_reclaim() - return the completed packets from &vmxnet.tx_cur on.
 * @vp: the adapter.
 * @budget: NAPI budget for napi_consume_skb(); 0 outside the poll.
 *
 * A packet is done only when every entry the driver posted for it is back
 * in DRIVER hands (docs/protocol/vmxnet.md A5.7); completions of anything
 * else are ignored. An invalid ownership value schedules a reset. Wakes the
 * queue when there is room again.
 *
 * Context: &vmxnet.tx_lock held.
 */
void vmxnet_tx_reclaim(struct vmxnet *vp, int budget)
{
	unsigned int pkts = 0, bytes = 0;

	lockdep_assert_held(&vp->tx_lock);
	if (vp->tx_broken)
		return;
	while (vp->tx_used) {
		struct vmxnet_tx_buf *first = &vp->tx_bufs[vp->tx_cur];
		u32 idx = vp->tx_cur;
		unsigned int n, k;

		if (WARN_ON_ONCE(!first->posted || !first->skb || !first->nr_entries))
			break;
		n = first->nr_entries;
		for (k = 0; k < n; k++, idx = vmxnet_ring_next(idx, vp->tx_len)) {
			u16 owner = vmxnet_entry_owner(&vp->tx_ring[idx].ownership);

			if (owner == VMXNET2_OWNERSHIP_DRIVER)
				continue;
			if (!vmxnet_owner_valid_tx(owner)) {
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
		for (k = 0, idx = vp->tx_cur; k < n; k++, idx = vmxnet_ring_next(idx, vp->tx_len)) {
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
		c->idx = vmxnet_ring_next(c->idx, vp->tx_len);
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

	for (i = 0; i < entries; i++, idx = vmxnet_ring_next(idx, vp->tx_len))
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
	for (i = 0, idx = vp->tx_next; i < entries; i++, idx = vmxnet_ring_next(idx, vp->tx_len)) {
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

	for (e = 0; e < entries; e++, idx = vmxnet_ring_next(idx, vp->tx_len)) {
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
			vmxnet_entry_give(&te->ownership, VMXNET2_OWNERSHIP_NIC);
		}
	}
	vp->tx_bufs[first].skb = skb;
	vp->tx_bufs[first].nr_entries = entries;
	vp->tx_ring[first].flags |= cpu_to_le16(flags);
	vp->tx_ring[first].tso_mss = cpu_to_le32(mss);
	dma_wmb();
	vmxnet_entry_give(&vp->tx_ring[first].ownership, VMXNET2_OWNERSHIP_NIC);

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

/**
 * vmxnet_start_xmit() - the ndo_start_xmit of the adapter.
 * @skb: the packet.
 * @dev: the net device.
 *
 * Return: NETDEV_TX_OK (sent or dropped), NETDEV_TX_BUSY when the ring
 * is full and the queue was stopped.
 */
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
		vmxnet_tx_reclaim(vp, 0);
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
	if (vp->tx_used + entries > vp->tx_len - VMXNET_TX_LOW_WATER)
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
	vmxnet_tx_reclaim(vp, 0);
	spin_unlock(&vp->tx_lock);
	return NETDEV_TX_OK;

drop:
	tx_stat_inc(vp, &vp->tx_stats.dropped);
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

/**
 * vmxnet_tx_has_work() - whether vmxnet_tx_reclaim() would act now.
 * @vp: the adapter.
 *
 * The oldest packet can be reclaimed, or holds a value that makes reclaim
 * reset the rings. An entry the host keeps as NIC_PENDING is no work; the
 * stall check bounds it. Reads without &vmxnet.tx_lock.
 *
 * Return: true if a poll would reclaim or reset.
 */
bool vmxnet_tx_has_work(struct vmxnet *vp)
{
	u32 idx = READ_ONCE(vp->tx_cur);
	unsigned int n, k;

	if (!READ_ONCE(vp->tx_used) || READ_ONCE(vp->tx_broken) || idx >= vp->tx_len)
		return false;
	/* Read without tx_lock: a stale answer costs one poll or waits a tick. */
	n = min_t(unsigned int, READ_ONCE(vp->tx_bufs[idx].nr_entries), vp->tx_len);
	for (k = 0; k < n; k++, idx = vmxnet_ring_next(idx, vp->tx_len)) {
		u16 owner = vmxnet_entry_owner(&vp->tx_ring[idx].ownership);

		if (owner == VMXNET2_OWNERSHIP_DRIVER)
			continue;
		return !vmxnet_owner_valid_tx(owner);
	}
	return n != 0;
}

/**
 * vmxnet_tx_check_stall() - the tx watchdog, called every poll interval.
 * @vp: the adapter.
 *
 * A tx ring that holds packets but returned none since the last tick is
 * kicked again; after %VMXNET_TX_STALL_TICKS such ticks the host is taken to
 * be stuck and the rings are reset, sooner and more predictably than the
 * stack's watchdog.
 */
void vmxnet_tx_check_stall(struct vmxnet *vp)
{
	bool stuck = false;
	u64 done;

	spin_lock(&vp->tx_lock);
	vmxnet_tx_reclaim(vp, 0);
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

/**
 * vmxnet_tx_drain() - ask the host to send what it holds, for about two seconds.
 * @vp: the adapter, with the queue stopped.
 */
void vmxnet_tx_drain(struct vmxnet *vp)
{
	unsigned int tries;

	for (tries = 0; tries < VMXNET_CLOSE_TX_TRIES; tries++) {
		spin_lock_bh(&vp->tx_lock);
		vmxnet_tx_reclaim(vp, 0);
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
