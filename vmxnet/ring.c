// SPDX-License-Identifier: GPL-2.0
/*
 * vmxnet: the shared block and its rings as a whole. Layout, attaching
 * and detaching the block (allocating and freeing every buffer), the
 * NAPI poll and the interrupt handler. Transmit lives in tx.c, receive in
 * rx.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/interrupt.h>
#include <linux/slab.h>

#include "compat_generated.h"
#ifdef PVTOOLS_HAVE_PAGE_POOL_HELPERS_H
#include <net/page_pool/helpers.h>
#else
#include <net/page_pool.h>
#endif

#include "vmxnet.h"

/**
 * vmxnet_layout() - lay out the rings back to back after the driver data.
 * @vp: the adapter; its ring lengths are set.
 *
 * Clears the whole shared block and writes its header for the current ring
 * lengths (docs/protocol/vmxnet.md A4.1); points @vp's ring pointers into it.
 */
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

/**
 * vmxnet_poll() - the NAPI poll: tx completions, then received packets.
 * @napi: &vmxnet.napi.
 * @budget: packets the stack lets this poll deliver.
 *
 * Return: packets delivered; below @budget the interrupt is enabled again.
 */
int vmxnet_poll(struct napi_struct *napi, int budget)
{
	struct vmxnet *vp = container_of(napi, struct vmxnet, napi);
	int done;

	spin_lock(&vp->tx_lock);
	vmxnet_tx_reclaim(vp, budget);
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

/**
 * vmxnet_has_work() - whether the rings hold anything a poll can act on.
 * @vp: the adapter.
 *
 * There is no cause register. Reporting what a poll cannot consume would
 * reschedule NAPI forever from its own completion: a softirq livelock on a
 * one-CPU guest.
 *
 * Return: true if a poll would deliver, reclaim or reset something.
 */
bool vmxnet_has_work(struct vmxnet *vp)
{
	u32 idx;

	if (!vp->attached || READ_ONCE(vp->rx_broken))
		return false;
	idx = READ_ONCE(vp->rx_next);
	/* A completed entry, or an invalid value the poll reports and resets on. */
	if (vmxnet_entry_owner(&vp->rx_ring[idx].ownership) != VMXNET2_OWNERSHIP_NIC)
		return true;
	return vmxnet_tx_has_work(vp);
}

/**
 * vmxnet_interrupt() - the (possibly shared) INTx handler.
 * @irq: the interrupt.
 * @data: the adapter.
 *
 * Return: IRQ_HANDLED when the rings had work and NAPI was scheduled.
 */
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

static void rings_free(struct vmxnet *vp)
{
	vmxnet_rx_free_bufs(vp);
	vmxnet_tx_free_all(vp);
	kfree(vp->rx_bufs);
	kfree(vp->rx2_bufs);
	kfree(vp->tx_bufs);
	vp->rx_bufs = NULL;
	vp->rx2_bufs = NULL;
	vp->tx_bufs = NULL;
}

/**
 * vmxnet_rings_up() - allocate and fill the rings, then attach the block.
 * @vp: the adapter, detached, with NAPI disabled.
 *
 * Attaching follows docs/protocol/vmxnet.md A5.2.
 *
 * Return: 0, -ENOMEM, or -EIO when the device refused the block.
 */
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

	if (vp->rx2_active && vmxnet_rx2_pool_create(vp))
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
	if (vmxnet_rx_fill(vp))
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

/**
 * vmxnet_rings_down() - detach the block and free every buffer.
 * @vp: the adapter; NAPI must already be disabled.
 * @drain_tx: first give the host about two seconds to send what it holds.
 *
 * Detaching is the only way to quiesce a vmxnet2 device
 * (docs/protocol/vmxnet.md A5.8). No-op when not attached.
 */
void vmxnet_rings_down(struct vmxnet *vp, bool drain_tx)
{
	if (!vp->attached)
		return;
	if (drain_tx)
		vmxnet_tx_drain(vp);
	vmxnet_cmd(vp, VMXNET_CMD_INTR_DISABLE);
	iowrite32(0, vp->io + VMXNET_INIT_ADDR);
	vp->attached = false;
	synchronize_irq(vp->pdev->irq);
	rings_free(vp);
	netdev_reset_queue(vp->netdev);
}
