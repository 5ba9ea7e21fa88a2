// SPDX-License-Identifier: GPL-2.0
/*
 * vmxnet: driver for VMware's Enhanced vmxnet NIC (PCI 15ad:0720, the
 * "vmxnet2" protocol). PCI probe with the version gate and feature
 * discovery, the net_device operations, link polling and ring resets.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/crc32.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/rtnetlink.h>

#include "pvtools_compat.h"
#include "vmxnet.h"

/* Link is polled: the device has no link interrupt (docs/protocol/vmxnet.md A5.5). */
#define VMXNET_POLL_INTERVAL	HZ
#define VMXNET_TX_TIMEOUT	(5 * HZ)
#define VMXNET_RESET_RETRY	HZ

/* driver_data 1: a vlance that may be a Flexible adapter (flexible.c). */
static const struct pci_device_id vmxnet_pci_ids[] = {
	{ PCI_DEVICE(VMXNET_PCI_VENDOR_ID, VMXNET_PCI_DEVICE_ID) },
	{ PCI_DEVICE(VMXNET_VLANCE_VENDOR_ID, VMXNET_VLANCE_DEVICE_ID), .driver_data = 1 },
	{ }
};
MODULE_DEVICE_TABLE(pci, vmxnet_pci_ids);

/* ------------------------------------------------------------- commands */

void vmxnet_cmd(struct vmxnet *vp, u32 cmd)
{
	unsigned long flags;

	spin_lock_irqsave(&vp->cmd_lock, flags);
	iowrite32(cmd, vp->io + VMXNET_COMMAND_ADDR);
	spin_unlock_irqrestore(&vp->cmd_lock, flags);
}

static u32 vmxnet_get(struct vmxnet *vp, u32 cmd)
{
	unsigned long flags;
	u32 val;

	spin_lock_irqsave(&vp->cmd_lock, flags);
	iowrite32(cmd, vp->io + VMXNET_COMMAND_ADDR);
	val = ioread32(vp->io + VMXNET_COMMAND_ADDR);
	spin_unlock_irqrestore(&vp->cmd_lock, flags);
	return val;
}

/* ------------------------------------------------------------ discovery */

/*
 * The modes of docs/protocol/vmxnet.md A3.3, enabling only combinations that work
 * together (docs/protocol/vmxnet.md A8.9).
 */
static void vmxnet_derive_modes(struct vmxnet *vp)
{
	struct vmxnet_modes *m = &vp->modes;
	u32 f = vp->features, c = vp->caps;

	m->tx_csum = c & (VMNET_CAP_IP4_CSUM | VMNET_CAP_HW_CSUM);
	m->tx_csum6 = c & VMNET_CAP_IP6_CSUM;
	m->zero_copy = (c & VMNET_CAP_SG) && (f & VMXNET_FEATURE_ZERO_COPY_TX);
	m->chain_tx = m->zero_copy && (c & VMNET_CAP_TX_CHAIN);
	m->chain_rx = m->zero_copy && (c & VMNET_CAP_RX_CHAIN);
	m->jumbo = m->chain_tx && m->chain_rx && (f & VMXNET_FEATURE_JUMBO_FRAME);
	m->tso = (c & VMNET_CAP_TSO) && m->tx_csum && m->chain_tx &&
		 (f & VMXNET_FEATURE_TSO);
	m->tso6 = m->tso && m->tx_csum6 && (c & VMNET_CAP_TSO6);
	/* LPD packets arrive through ring 2, so it needs the chained rx mode. */
	m->lpd = m->chain_rx && (c & VMNET_CAP_LPD) && (f & VMXNET_FEATURE_LPD);
	m->high_dma = c & VMNET_CAP_HIGH_DMA;
	m->enhanced = (f & VMXNET_FEATURE_TSO) && (f & VMXNET_FEATURE_JUMBO_FRAME);
}

/*
 * A host suggestion of 0 or beyond the maximum means the default (docs/protocol/vmxnet.md A3.4);
 * one below what the queue needs to work is raised to that minimum.
 */
static u32 ring_len_hint(u32 hint, u32 def, u32 min, u32 max)
{
	return hint && hint <= max ? max(hint, min) : def;
}

static void vmxnet_size_rings(struct vmxnet *vp)
{
	bool big_tx = vp->modes.tso || vp->modes.jumbo;
	u32 rx_def = vp->modes.enhanced ? VMXNET2_DEFAULT_NUM_RX_BUFFERS_ENHANCED :
					  VMXNET2_DEFAULT_NUM_RX_BUFFERS;
	u32 tx_def = big_tx ? VMXNET2_DEFAULT_NUM_TX_BUFFERS_TSO :
			      VMXNET2_DEFAULT_NUM_TX_BUFFERS;

	vp->rx_max = vp->modes.enhanced ? VMXNET2_MAX_NUM_RX_BUFFERS_ENHANCED :
					  VMXNET2_MAX_NUM_RX_BUFFERS;
	vp->tx_max = big_tx ? VMXNET2_MAX_NUM_TX_BUFFERS_TSO :
			      VMXNET2_MAX_NUM_TX_BUFFERS;
	vp->rx_len = ring_len_hint(vmxnet_get(vp, VMXNET_CMD_GET_NUM_RX_BUFFERS),
				   rx_def, VMXNET_RX_RING_MIN, vp->rx_max);
	vp->tx_len = ring_len_hint(vmxnet_get(vp, VMXNET_CMD_GET_NUM_TX_BUFFERS),
				   tx_def, VMXNET_TX_RING_MIN, vp->tx_max);
}

static void vmxnet_write_mac(struct vmxnet *vp, const u8 *mac)
{
	unsigned int i;

	for (i = 0; i < VMXNET_MAC_LEN; i++)
		iowrite8(mac[i], vp->io + VMXNET_MAC_ADDR + i);
}

/* docs/protocol/vmxnet.md A5.1 step 6, refusing multicast or zero addresses (A8.10 there). */
static void vmxnet_read_mac(struct vmxnet *vp)
{
	struct net_device *dev = vp->netdev;
	unsigned int reg = (vp->caps & VMNET_CAP_VMXNET_APROM) ?
			   VMXNET_APROM_ADDR : VMXNET_MAC_ADDR;
	u8 mac[ETH_ALEN];
	unsigned int i;

	for (i = 0; i < ETH_ALEN; i++)
		mac[i] = ioread8(vp->io + reg + i);
	if (!is_valid_ether_addr(mac)) {
		dev_warn(&vp->pdev->dev, "device MAC %pM is not usable; using a random one\n",
			 mac);
		eth_hw_addr_random(dev);
		vmxnet_write_mac(vp, dev->dev_addr);
		return;
	}
	eth_hw_addr_set(dev, mac);
	ether_addr_copy(dev->perm_addr, mac);
	if (reg == VMXNET_APROM_ADDR)
		vmxnet_write_mac(vp, mac);
}

/* ---------------------------------------------------------- link, reset */

/* Follows the status register; returns whether the carrier changed. */
bool vmxnet_check_link(struct vmxnet *vp)
{
	struct net_device *dev = vp->netdev;
	bool up = ioread32(vp->io + VMXNET_STATUS_ADDR) & VMXNET_STATUS_CONNECTED;

	if (up == netif_carrier_ok(dev))
		return false;
	if (up)
		netif_carrier_on(dev);
	else
		netif_carrier_off(dev);
	return true;
}

static void vmxnet_poll_timer(struct timer_list *t)
{
	struct vmxnet *vp = timer_container_of(vp, t, poll_timer);

	if (vmxnet_check_link(vp)) {
		atomic64_inc(&vp->misc.link_changes);
		if (net_ratelimit())
			netdev_info(vp->netdev, "link %s\n",
				    netif_carrier_ok(vp->netdev) ? "up" : "down");
	}
	vmxnet_tx_check_stall(vp);
	/* A safety net for a host that completes work without interrupting. */
	if (!vp->rx_broken && vmxnet_has_work(vp))
		napi_schedule(&vp->napi);
	mod_timer(&vp->poll_timer, jiffies + VMXNET_POLL_INTERVAL);
}

void vmxnet_schedule_reset(struct vmxnet *vp, const char *why)
{
	if (net_ratelimit())
		netdev_warn(vp->netdev, "%s; resetting the rings\n", why);
	schedule_delayed_work(&vp->reset_work, 0);
}

/* ----------------------------------------------------------- rx filter */

/* Pushes the filter shadow to the device (docs/protocol/vmxnet.md A5.3); needs the addr lock. */
void vmxnet_write_rx_filter(struct vmxnet *vp)
{
	if (!vp->attached)
		return;
	vp->dd->ifflags = cpu_to_le32(vp->ifflags);
	vp->dd->ladrf[0] = cpu_to_le32(vp->ladrf[0]);
	vp->dd->ladrf[1] = cpu_to_le32(vp->ladrf[1]);
	/* The host reads the shared area on the command's port write: fields first. */
	wmb();
	vmxnet_cmd(vp, VMXNET_CMD_UPDATE_LADRF);
	vmxnet_cmd(vp, VMXNET_CMD_UPDATE_IFF);
}

static void vmxnet_set_rx_mode(struct net_device *dev)
{
	struct vmxnet *vp = netdev_priv(dev);
	struct netdev_hw_addr *ha;
	u32 ifflags = VMXNET_IFF_DIRECTED;

	vp->ladrf[0] = 0;
	vp->ladrf[1] = 0;
	if (dev->flags & IFF_BROADCAST)
		ifflags |= VMXNET_IFF_BROADCAST;
	if (dev->flags & IFF_PROMISC)
		ifflags |= VMXNET_IFF_PROMISC;
	if (dev->flags & (IFF_ALLMULTI | IFF_PROMISC)) {
		ifflags |= VMXNET_IFF_MULTICAST;
		vp->ladrf[0] = VMXNET_LADRF_ALL;
		vp->ladrf[1] = VMXNET_LADRF_ALL;
	} else if (!netdev_mc_empty(dev)) {
		ifflags |= VMXNET_IFF_MULTICAST;
		netdev_for_each_mc_addr(ha, dev) {
			unsigned int idx = vmxnet_ladrf_index(ha->addr);

			vp->ladrf[idx >> 5] |= BIT(idx & 31);
		}
	}
	vp->ifflags = ifflags;
	vmxnet_write_rx_filter(vp);
}

/* ------------------------------------------------------------- up/down */

static int vmxnet_up(struct vmxnet *vp)
{
	struct net_device *dev = vp->netdev;
	int err;

	err = vmxnet_rings_up(vp);
	if (err)
		return err;
	netif_addr_lock_bh(dev);
	vmxnet_write_rx_filter(vp);
	netif_addr_unlock_bh(dev);
	napi_enable(&vp->napi);
	spin_lock_bh(&vp->tx_lock);
	vp->tx_enabled = true;
	spin_unlock_bh(&vp->tx_lock);
	vp->up = true;
	netif_wake_queue(dev);
	/* Linux's reference driver relies on the default; FreeBSD enables. */
	vmxnet_cmd(vp, VMXNET_CMD_INTR_ENABLE);
	/* Frames that came before NAPI was enabled raised no usable interrupt. */
	if (vmxnet_has_work(vp)) {
		local_bh_disable();
		napi_schedule(&vp->napi);
		local_bh_enable();
	}
	vmxnet_check_link(vp);
	mod_timer(&vp->poll_timer, jiffies + VMXNET_POLL_INTERVAL);
	return 0;
}

static void vmxnet_down(struct vmxnet *vp, bool drain_tx)
{
	struct net_device *dev = vp->netdev;

	if (!vp->up)
		return;
	vp->up = false;
	timer_delete_sync(&vp->poll_timer);
	spin_lock_bh(&vp->tx_lock);
	vp->tx_enabled = false;
	spin_unlock_bh(&vp->tx_lock);
	netif_tx_disable(dev);
	napi_disable(&vp->napi);
	vmxnet_rings_down(vp, drain_tx);
	netif_carrier_off(dev);
}

static void vmxnet_reset_work(struct work_struct *work)
{
	struct vmxnet *vp = container_of(to_delayed_work(work), struct vmxnet,
					 reset_work);
	int err;

	rtnl_lock();
	if (!netif_running(vp->netdev))
		goto out;
	atomic64_inc(&vp->misc.resets);
	vmxnet_down(vp, false);
	err = vmxnet_up(vp);
	if (err) {
		atomic64_inc(&vp->misc.reset_failures);
		if (net_ratelimit())
			netdev_err(vp->netdev, "reset failed (%d); retrying\n", err);
		schedule_delayed_work(&vp->reset_work, VMXNET_RESET_RETRY);
	}
out:
	rtnl_unlock();
}

/*
 * Applies new ring lengths, MTU or LRO; while the interface is up the rings
 * are detached and rebuilt, and all the old settings come back if that
 * fails, so what the stack shows is what the host was given.
 */
int vmxnet_reconfigure(struct vmxnet *vp, u32 rx_len, u32 tx_len, int mtu, bool lro)
{
	struct net_device *dev = vp->netdev;
	u32 old_rx = vp->rx_len, old_tx = vp->tx_len;
	bool old_lro = vp->lro_wanted;
	int old_mtu = dev->mtu;
	bool running = netif_running(dev) && vp->up;
	int err;

	ASSERT_RTNL();
	if (running)
		vmxnet_down(vp, true);
	vp->rx_len = rx_len;
	vp->tx_len = tx_len;
	vp->lro_wanted = lro;
	WRITE_ONCE(dev->mtu, mtu);
	if (!running)
		return 0;
	err = vmxnet_up(vp);
	if (!err)
		return 0;
	vp->rx_len = old_rx;
	vp->tx_len = old_tx;
	vp->lro_wanted = old_lro;
	WRITE_ONCE(dev->mtu, old_mtu);
	if (vmxnet_up(vp))
		schedule_delayed_work(&vp->reset_work, VMXNET_RESET_RETRY);
	return err;
}

/* ------------------------------------------------------------ ndo ops */

static int vmxnet_open(struct net_device *dev)
{
	struct vmxnet *vp = netdev_priv(dev);
	int err;

	err = request_irq(vp->pdev->irq, vmxnet_interrupt, IRQF_SHARED,
			  dev->name, vp);
	if (err)
		return err;
	err = vmxnet_up(vp);
	if (err) {
		free_irq(vp->pdev->irq, vp);
		return err;
	}
	return 0;
}

static int vmxnet_stop(struct net_device *dev)
{
	struct vmxnet *vp = netdev_priv(dev);

	vmxnet_down(vp, true);
	free_irq(vp->pdev->irq, vp);
	return 0;
}

static int vmxnet_change_mtu(struct net_device *dev, int mtu)
{
	struct vmxnet *vp = netdev_priv(dev);

	return vmxnet_reconfigure(vp, vp->rx_len, vp->tx_len, mtu, vp->lro_wanted);
}

static int vmxnet_set_mac_address(struct net_device *dev, void *addr)
{
	struct vmxnet *vp = netdev_priv(dev);
	int err;

	err = eth_mac_addr(dev, addr);
	if (err)
		return err;
	vmxnet_write_mac(vp, dev->dev_addr);
	return 0;
}

/* LPD packets carry a host-verified checksum; without rx checksums, no LRO. */
static netdev_features_t vmxnet_fix_features(struct net_device *dev,
					     netdev_features_t features)
{
	if (!(features & NETIF_F_RXCSUM))
		features &= ~NETIF_F_LRO;
	return features;
}

/*
 * LRO is the driver-data featureCtl bit, read by the host at attach only, so
 * a change re-attaches the rings as an MTU change does. dev_disable_lro()
 * (forwarding, bridges) lands here too.
 */
static int vmxnet_set_features(struct net_device *dev, netdev_features_t features)
{
	struct vmxnet *vp = netdev_priv(dev);
	bool lro = features & NETIF_F_LRO;

	if (lro == vp->lro_wanted)
		return 0;
	return vmxnet_reconfigure(vp, vp->rx_len, vp->tx_len, dev->mtu, lro);
}

static void vmxnet_tx_timeout(struct net_device *dev, unsigned int txqueue)
{
	struct vmxnet *vp = netdev_priv(dev);

	atomic64_inc(&vp->misc.tx_timeouts);
	vmxnet_schedule_reset(vp, "transmit timed out");
}

static void vmxnet_get_stats64(struct net_device *dev,
			       struct rtnl_link_stats64 *s)
{
	struct vmxnet *vp = netdev_priv(dev);
	const struct vmxnet_rx_stats *rx = &vp->rx_stats;
	const struct vmxnet_tx_stats *tx = &vp->tx_stats;
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&rx->syncp);
		s->rx_packets = rx->packets;
		s->rx_bytes = rx->bytes;
		s->rx_dropped = rx->alloc_errors;
		s->rx_length_errors = rx->runts + rx->oversize;
		s->rx_errors = rx->dropped - rx->alloc_errors;
	} while (u64_stats_fetch_retry(&rx->syncp, start));
	do {
		start = u64_stats_fetch_begin(&tx->syncp);
		s->tx_packets = tx->packets;
		s->tx_bytes = tx->bytes;
		s->tx_dropped = tx->dropped;
	} while (u64_stats_fetch_retry(&tx->syncp, start));
	s->tx_errors = atomic64_read(&vp->misc.tx_timeouts);
}

static const struct net_device_ops vmxnet_netdev_ops = {
	.ndo_open		= vmxnet_open,
	.ndo_stop		= vmxnet_stop,
	.ndo_start_xmit		= vmxnet_start_xmit,
	.ndo_set_rx_mode	= vmxnet_set_rx_mode,
	.ndo_set_mac_address	= vmxnet_set_mac_address,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_change_mtu		= vmxnet_change_mtu,
	.ndo_get_stats64	= vmxnet_get_stats64,
	.ndo_tx_timeout		= vmxnet_tx_timeout,
	.ndo_fix_features	= vmxnet_fix_features,
	.ndo_set_features	= vmxnet_set_features,
};

static void vmxnet_setup_netdev(struct vmxnet *vp)
{
	struct net_device *dev = vp->netdev;
	const struct vmxnet_modes *m = &vp->modes;
	netdev_features_t hw = NETIF_F_RXCSUM;

	if (m->zero_copy)
		hw |= NETIF_F_SG;
	if (m->tx_csum)
		hw |= NETIF_F_IP_CSUM;
	if (m->tx_csum6)
		hw |= NETIF_F_IPV6_CSUM;
	if (m->tso)
		hw |= NETIF_F_TSO;
	if (m->tso6)
		hw |= NETIF_F_TSO6;
	if (m->lpd)
		hw |= NETIF_F_LRO;
	vp->lro_wanted = m->lpd;

	dev->netdev_ops = &vmxnet_netdev_ops;
	vmxnet_set_ethtool_ops(dev);
	dev->watchdog_timeo = VMXNET_TX_TIMEOUT;
	/* The host filters on the MAC register, writable when up (docs/protocol/vmxnet.md A5.4). */
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
	dev->hw_features = hw;
	dev->features = hw | NETIF_F_HIGHDMA;
	/*
	 * Tags travel inside the frame and the host parses past one (docs/protocol/vmxnet.md A6.7).
	 * Not LRO: the stack turns it off below any upper device.
	 */
	dev->vlan_features = (hw & ~NETIF_F_LRO) | NETIF_F_HIGHDMA;
	dev->min_mtu = VMXNET2_MIN_MTU;
	dev->max_mtu = m->jumbo ? VMXNET_MAX_MTU : ETH_DATA_LEN;
	netif_set_tso_max_size(dev, GSO_LEGACY_MAX_SIZE);
	pvtools_netif_napi_add(dev, &vp->napi, vmxnet_poll);
}

/* ----------------------------------------------------------------- PCI */

static int vmxnet_map_device(struct vmxnet *vp)
{
	struct pci_dev *pdev = vp->pdev;
	int err;

	if (!(pci_resource_flags(pdev, 0) & IORESOURCE_IO) ||
	    pci_resource_len(pdev, 0) < VMXNET_CHIP_IO_RESV_SIZE) {
		dev_err(&pdev->dev, "BAR0 is not an I/O range of %u bytes\n",
			VMXNET_CHIP_IO_RESV_SIZE);
		return -ENODEV;
	}
	err = pci_request_region(pdev, 0, VMXNET_DRV_NAME);
	if (err)
		return err;
	vp->io = pci_iomap(pdev, 0, VMXNET_CHIP_IO_RESV_SIZE);
	if (!vp->io) {
		pci_release_region(pdev, 0);
		return -ENOMEM;
	}
	return 0;
}

static void vmxnet_unmap_device(struct vmxnet *vp)
{
	if (vp->morph) {
		vmxnet_flex_unmap(vp);
		return;
	}
	pci_iounmap(vp->pdev, vp->io);
	pci_release_region(vp->pdev, 0);
}

static int vmxnet_check_version(struct vmxnet *vp)
{
	u32 low = ioread32(vp->io + VMXNET_LOW_VERSION);
	u32 high = ioread32(vp->io + VMXNET_HIGH_VERSION);

	if (vmxnet_version_ok(low, high))
		return 0;
	dev_err(&vp->pdev->dev, "unsupported device version %#x..%#x (need %#x)\n",
		low, high, VMXNET2_MAGIC);
	return -ENODEV;
}

/* The block lives below 4 GiB, buffers follow HIGH_DMA (docs/protocol/vmxnet.md A4.1, D9). */
static int vmxnet_setup_dma(struct vmxnet *vp)
{
	struct device *dev = &vp->pdev->dev;
	int err;

	err = dma_set_coherent_mask(dev, DMA_BIT_MASK(32));
	if (err)
		return err;
	err = dma_set_mask(dev, vp->modes.high_dma ? DMA_BIT_MASK(48) : DMA_BIT_MASK(32));
	if (err)
		return err;
	vp->dd = dma_alloc_coherent(dev, VMXNET2_DD_MAX_LENGTH, &vp->dd_dma, GFP_KERNEL);
	if (!vp->dd)
		return -ENOMEM;
	if (upper_32_bits(vp->dd_dma + VMXNET2_DD_MAX_LENGTH - 1)) {
		dma_free_coherent(dev, VMXNET2_DD_MAX_LENGTH, vp->dd, vp->dd_dma);
		vp->dd = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int vmxnet_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct net_device *dev;
	struct vmxnet *vp;
	int err;

	BUILD_BUG_ON(!VMXNET2_ABI_LAYOUT_OK);
	err = pci_enable_device(pdev);
	if (err)
		return err;
	pci_set_master(pdev);

	dev = alloc_etherdev(sizeof(*vp));
	if (!dev) {
		err = -ENOMEM;
		goto err_disable;
	}
	SET_NETDEV_DEV(dev, &pdev->dev);
	vp = netdev_priv(dev);
	vp->netdev = dev;
	vp->pdev = pdev;
	spin_lock_init(&vp->tx_lock);
	spin_lock_init(&vp->cmd_lock);
	u64_stats_init(&vp->tx_stats.syncp);
	u64_stats_init(&vp->rx_stats.syncp);
	timer_setup(&vp->poll_timer, vmxnet_poll_timer, 0);
	INIT_DELAYED_WORK(&vp->reset_work, vmxnet_reset_work);
	pci_set_drvdata(pdev, vp);

	err = id->driver_data ? vmxnet_flex_map(vp) : vmxnet_map_device(vp);
	if (err)
		goto err_free;
	err = vmxnet_check_version(vp);
	if (err)
		goto err_unmap;
	vp->features = vmxnet_get(vp, VMXNET_CMD_GET_FEATURES);
	vp->caps = vmxnet_get(vp, VMXNET_CMD_GET_CAPABILITIES);
	vmxnet_derive_modes(vp);
	vmxnet_size_rings(vp);
	err = vmxnet_setup_dma(vp);
	if (err)
		goto err_unmap;
	vmxnet_read_mac(vp);
	vp->ifflags = VMXNET_IFF_DIRECTED | VMXNET_IFF_BROADCAST;
	vmxnet_setup_netdev(vp);

	/* No carrier until the rings are up: never seen otherwise by the stack. */
	netif_carrier_off(dev);
	err = register_netdev(dev);
	if (err)
		goto err_napi;
	netdev_info(dev, "%s %pM features %#x caps %#x: %s%s%s%s%s rings %u/%u\n",
		    vp->morph ? "Flexible, switched to vmxnet," : "vmxnet2",
		    dev->dev_addr, vp->features, vp->caps,
		    vp->modes.zero_copy ? "sg " : "copy ",
		    vp->modes.tx_csum ? "csum " : "",
		    vp->modes.tso ? (vp->modes.tso6 ? "tso tso6 " : "tso ") : "",
		    vp->modes.jumbo ? "jumbo " : "", vp->modes.lpd ? "lpd" : "",
		    vp->rx_len, vp->tx_len);
	return 0;

err_napi:
	netif_napi_del(&vp->napi);
	dma_free_coherent(&pdev->dev, VMXNET2_DD_MAX_LENGTH, vp->dd, vp->dd_dma);
err_unmap:
	vmxnet_unmap_device(vp);
err_free:
	free_netdev(dev);
err_disable:
	pci_disable_device(pdev);
	return err;
}

static void vmxnet_remove(struct pci_dev *pdev)
{
	struct vmxnet *vp = pci_get_drvdata(pdev);
	struct net_device *dev = vp->netdev;

	unregister_netdev(dev);
	cancel_delayed_work_sync(&vp->reset_work);
	/* Nothing may point the host at the block once it is freed. */
	iowrite32(0, vp->io + VMXNET_INIT_ADDR);
	netif_napi_del(&vp->napi);
	dma_free_coherent(&pdev->dev, VMXNET2_DD_MAX_LENGTH, vp->dd, vp->dd_dma);
	vmxnet_unmap_device(vp);
	free_netdev(dev);
	pci_disable_device(pdev);
}

static void vmxnet_shutdown(struct pci_dev *pdev)
{
	struct vmxnet *vp = pci_get_drvdata(pdev);

	rtnl_lock();
	if (netif_running(vp->netdev))
		dev_close(vp->netdev);
	rtnl_unlock();
	iowrite32(0, vp->io + VMXNET_INIT_ADDR);
	if (vp->morph)
		vmxnet_flex_unswitch(vp);
}

/*
 * Suspend: the rings detached (the interrupt stays requested) and a Flexible
 * adapter back in vlance mode; resume: switched again, the same protocol and
 * no feature or capability lost (A5.9), and the rings attached again.
 */
static int __maybe_unused vmxnet_suspend(struct device *d)
{
	struct vmxnet *vp = dev_get_drvdata(d);
	struct net_device *dev = vp->netdev;

	rtnl_lock();
	netif_device_detach(dev);
	rtnl_unlock();
	cancel_delayed_work_sync(&vp->reset_work);
	rtnl_lock();
	vmxnet_down(vp, true);
	rtnl_unlock();
	iowrite32(0, vp->io + VMXNET_INIT_ADDR);
	if (vp->morph)
		vmxnet_flex_unswitch(vp);
	return 0;
}

static int __maybe_unused vmxnet_resume(struct device *d)
{
	struct vmxnet *vp = dev_get_drvdata(d);
	struct net_device *dev = vp->netdev;
	u32 features, caps;
	int err;

	if (vp->morph) {
		err = vmxnet_flex_switch(vp, false);
		if (err)
			return err;
	}
	err = vmxnet_check_version(vp);
	if (err)
		return err;
	features = vmxnet_get(vp, VMXNET_CMD_GET_FEATURES);
	caps = vmxnet_get(vp, VMXNET_CMD_GET_CAPABILITIES);
	if ((features & vp->features) != vp->features || (caps & vp->caps) != vp->caps) {
		dev_err(d, "lost features across suspend (%#x/%#x, were %#x/%#x)\n",
			features, caps, vp->features, vp->caps);
		return -ENODEV;
	}
	rtnl_lock();
	/* The switch (or the host) set the station address back to the APROM. */
	vmxnet_write_mac(vp, dev->dev_addr);
	if (netif_running(dev) && vmxnet_up(vp))
		vmxnet_schedule_reset(vp, "cannot attach after resume");
	netif_device_attach(dev);
	rtnl_unlock();
	return 0;
}

/* Spelled out: DEFINE_SIMPLE_DEV_PM_OPS includes `static` in some backports. */
static const struct dev_pm_ops vmxnet_pm_ops = {
	SET_SYSTEM_SLEEP_PM_OPS(vmxnet_suspend, vmxnet_resume)
};

static struct pci_driver vmxnet_pci_driver = {
	.name		= VMXNET_DRV_NAME,
	.id_table	= vmxnet_pci_ids,
	.probe		= vmxnet_probe,
	.remove		= vmxnet_remove,
	.shutdown	= vmxnet_shutdown,
	.driver.pm	= pm_sleep_ptr(&vmxnet_pm_ops),
};
module_pci_driver(vmxnet_pci_driver);

MODULE_DESCRIPTION("VMware Enhanced vmxnet (vmxnet2) network driver");
MODULE_AUTHOR("pvtools");
MODULE_LICENSE("GPL");
MODULE_VERSION(PVTOOLS_VERSION);
