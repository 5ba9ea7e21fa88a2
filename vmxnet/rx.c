// SPDX-License-Identifier: GPL-2.0
/*
 * vmxnet: receive. Ring-1 skbs and ring-2 pages (from a page pool), the
 * checks every completed entry passes before the stack sees it, LPD
 * aggregates, and the per-poll receive loop. Everything read back from
 * shared memory is checked against the driver's own shadow copies first.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/if_vlan.h>
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

static void rx_arm(struct vmxnet2_rx_ring_entry *e, dma_addr_t dma, u32 len,
		   u16 owner)
{
	e->paddr = cpu_to_le64(dma);
	e->buffer_length = cpu_to_le32(len);
	e->actual_length = 0;
	e->flags = 0;
	dma_wmb();
	vmxnet_entry_give(&e->ownership, owner);
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

/**
 * vmxnet_rx2_pool_create() - create the page pool of ring 2.
 * @vp: the adapter, with &vmxnet.rx2_len set.
 *
 * Return: 0 or a negative errno.
 */
int vmxnet_rx2_pool_create(struct vmxnet *vp)
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

/**
 * vmxnet_rx_free_bufs() - free every rx buffer and the ring-2 pool.
 * @vp: the adapter, detached.
 *
 * Pages still in skbs come back to the pool, which then goes away.
 */
void vmxnet_rx_free_bufs(struct vmxnet *vp)
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

/**
 * vmxnet_rx_fill() - give every ring-1 and ring-2 entry a fresh buffer.
 * @vp: the adapter, laid out but not attached.
 *
 * Return: 0 or -ENOMEM.
 */
int vmxnet_rx_fill(struct vmxnet *vp)
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

	for (i = 0; i < vp->max_frags; i++, slot = vmxnet_ring_next(slot, vp->rx2_len)) {
		struct vmxnet2_rx_ring_entry *e = &vp->rx2_ring[slot];
		u16 owner = vmxnet_entry_owner(&e->ownership);

		if (owner != VMXNET2_OWNERSHIP_DRIVER_FRAG) {
			rx_stat_inc(vp, vmxnet_owner_valid_ring2(owner) ?
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

/**
 * vmxnet_rx() - deliver the completed ring-1 packets, in ring order.
 * @vp: the adapter.
 * @budget: at most this many packets.
 *
 * A protocol error marks rx broken and schedules a reset.
 *
 * Context: the NAPI poll.
 * Return: packets handled (delivered or dropped).
 */
int vmxnet_rx(struct vmxnet *vp, int budget)
{
	int done = 0;

	while (done < budget && !vp->rx_broken) {
		u16 owner = vmxnet_entry_owner(&vp->rx_ring[vp->rx_next].ownership);

		if (owner != VMXNET2_OWNERSHIP_DRIVER) {
			if (!vmxnet_owner_valid_ring1(owner)) {
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
		vp->rx_next = vmxnet_ring_next(vp->rx_next, vp->rx_len);
		done++;
	}
	vp->dd->rx_driver_next = cpu_to_le32(vp->rx_next);
	vp->dd->rx_driver_next2 = cpu_to_le32(vp->rx2_next);
	return done;
}
