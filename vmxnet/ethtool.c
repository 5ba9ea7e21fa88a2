// SPDX-License-Identifier: GPL-2.0
/*
 * vmxnet: ethtool support. Driver info, link, ring sizes (changeable while
 * up) and per-ring counters, including one for every kind of bad value the
 * host can put into shared memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ethtool.h>
#include <linux/rtnetlink.h>

#include "vmxnet.h"

struct vmxnet_stat_desc {
	char name[ETH_GSTRING_LEN];
	size_t offset;
};

#define TX_STAT(n, f)	{ n, offsetof(struct vmxnet_tx_stats, f) }
#define RX_STAT(n, f)	{ n, offsetof(struct vmxnet_rx_stats, f) }
#define MISC_STAT(n, f)	{ n, offsetof(struct vmxnet_misc_stats, f) }

static const struct vmxnet_stat_desc vmxnet_tx_descs[] = {
	TX_STAT("tx_packets", packets),
	TX_STAT("tx_bytes", bytes),
	TX_STAT("tx_tso_packets", tso),
	TX_STAT("tx_csum_offload", csum),
	TX_STAT("tx_kicks", kicks),
	TX_STAT("tx_linearized", linearized),
	TX_STAT("tx_ring_full", ring_full),
	TX_STAT("tx_map_errors", map_errors),
	TX_STAT("tx_dropped", dropped),
	TX_STAT("tx_bad_ownership", bad_ownership),
};

static const struct vmxnet_stat_desc vmxnet_rx_descs[] = {
	RX_STAT("rx_packets", packets),
	RX_STAT("rx_bytes", bytes),
	RX_STAT("rx_csum_ok", csum_ok),
	RX_STAT("rx_dropped", dropped),
	RX_STAT("rx_alloc_errors", alloc_errors),
	RX_STAT("rx_zero_length", zero_length),
	RX_STAT("rx_runts", runts),
	RX_STAT("rx_oversize", oversize),
	RX_STAT("rx_bad_length", bad_length),
	RX_STAT("rx_bad_ownership", bad_ownership),
	RX_STAT("rx_frag_unexpected", bad_frag),
	RX_STAT("rx2_frags", frags),
	RX_STAT("rx2_bad_length", frag_bad_length),
	RX_STAT("rx2_bad_ownership", frag_bad_ownership),
	RX_STAT("rx2_missing_eop", frag_no_eop),
	RX_STAT("lro_packets", lro_packets),
	RX_STAT("lro_bytes", lro_bytes),
	RX_STAT("lro_segments", lro_segs),
	RX_STAT("lro_not_tcp", lro_bad),
};

static const struct vmxnet_stat_desc vmxnet_misc_descs[] = {
	MISC_STAT("interrupts", interrupts),
	MISC_STAT("interrupts_spurious", spurious_interrupts),
	MISC_STAT("tx_timeouts", tx_timeouts),
	MISC_STAT("ring_resets", resets),
	MISC_STAT("ring_reset_failures", reset_failures),
	MISC_STAT("attach_refused", attach_refused),
	MISC_STAT("link_changes", link_changes),
};

#define VMXNET_NUM_STATS	(ARRAY_SIZE(vmxnet_tx_descs) +		\
				 ARRAY_SIZE(vmxnet_rx_descs) +		\
				 ARRAY_SIZE(vmxnet_misc_descs))

static void vmxnet_get_drvinfo(struct net_device *dev,
			       struct ethtool_drvinfo *info)
{
	struct vmxnet *vp = netdev_priv(dev);

	strscpy(info->driver, VMXNET_DRV_NAME, sizeof(info->driver));
	strscpy(info->version, PVTOOLS_VERSION, sizeof(info->version));
	strscpy(info->bus_info, pci_name(vp->pdev), sizeof(info->bus_info));
}

/* The device reports no speed (A5.5); like VMware's driver, say 1 Gb/s. */
static int vmxnet_get_link_ksettings(struct net_device *dev,
				     struct ethtool_link_ksettings *cmd)
{
	ethtool_link_ksettings_zero_link_mode(cmd, supported);
	ethtool_link_ksettings_zero_link_mode(cmd, advertising);
	ethtool_link_ksettings_add_link_mode(cmd, supported, 1000baseT_Full);
	ethtool_link_ksettings_add_link_mode(cmd, supported, TP);
	cmd->base.port = PORT_TP;
	cmd->base.autoneg = AUTONEG_DISABLE;
	if (netif_carrier_ok(dev)) {
		cmd->base.speed = VMXNET_LINK_SPEED;
		cmd->base.duplex = DUPLEX_FULL;
	} else {
		cmd->base.speed = SPEED_UNKNOWN;
		cmd->base.duplex = DUPLEX_UNKNOWN;
	}
	return 0;
}

static void vmxnet_get_ringparam(struct net_device *dev,
				 struct ethtool_ringparam *ring,
				 struct kernel_ethtool_ringparam *kring,
				 struct netlink_ext_ack *extack)
{
	struct vmxnet *vp = netdev_priv(dev);

	ring->rx_max_pending = vp->rx_max;
	ring->tx_max_pending = vp->tx_max;
	ring->rx_pending = vp->rx_len;
	ring->tx_pending = vp->tx_len;
	if (vp->modes.jumbo) {
		ring->rx_jumbo_max_pending = VMXNET2_MAX_NUM_RX_BUFFERS2;
		/* Ring 2 follows ring 1 (4 pages per buffer) when the MTU needs it. */
		ring->rx_jumbo_pending = vp->rx2_active ? vp->rx2_len : 0;
	}
}

static int vmxnet_set_ringparam(struct net_device *dev,
				struct ethtool_ringparam *ring,
				struct kernel_ethtool_ringparam *kring,
				struct netlink_ext_ack *extack)
{
	struct vmxnet *vp = netdev_priv(dev);

	u32 jumbo = vp->rx2_active ? vp->rx2_len : 0;

	/* Ring 2 is sized from ring 1 (A3.4), so it is reported but not set. */
	if (ring->rx_mini_pending || ring->rx_jumbo_pending != jumbo) {
		NL_SET_ERR_MSG(extack, "only the rx and tx rings can be sized");
		return -EINVAL;
	}
	/*
	 * The tx ring must hold at least one packet of the largest shape,
	 * plus the low-water margin.
	 */
	if (ring->rx_pending < 8 || ring->rx_pending > vp->rx_max ||
	    ring->tx_pending < 2 * VMXNET_TX_MAX_ENTRIES + 5 ||
	    ring->tx_pending > vp->tx_max) {
		NL_SET_ERR_MSG(extack, "ring size out of range");
		return -EINVAL;
	}
	if (ring->rx_pending == vp->rx_len && ring->tx_pending == vp->tx_len)
		return 0;
	return vmxnet_reconfigure(vp, ring->rx_pending, ring->tx_pending, dev->mtu,
				  vp->lro_wanted);
}

static int vmxnet_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? VMXNET_NUM_STATS : -EOPNOTSUPP;
}

static void put_names(u8 **p, const struct vmxnet_stat_desc *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		memcpy(*p, d[i].name, ETH_GSTRING_LEN);
		*p += ETH_GSTRING_LEN;
	}
}

static void vmxnet_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	if (sset != ETH_SS_STATS)
		return;
	put_names(&data, vmxnet_tx_descs, ARRAY_SIZE(vmxnet_tx_descs));
	put_names(&data, vmxnet_rx_descs, ARRAY_SIZE(vmxnet_rx_descs));
	put_names(&data, vmxnet_misc_descs, ARRAY_SIZE(vmxnet_misc_descs));
}

static void vmxnet_get_ethtool_stats(struct net_device *dev,
				     struct ethtool_stats *stats, u64 *data)
{
	struct vmxnet *vp = netdev_priv(dev);
	const void *tx = &vp->tx_stats, *rx = &vp->rx_stats;
	const void *misc = &vp->misc;
	unsigned int start;
	size_t i, n;

	do {
		start = u64_stats_fetch_begin(&vp->tx_stats.syncp);
		for (i = 0; i < ARRAY_SIZE(vmxnet_tx_descs); i++)
			data[i] = *(const u64 *)(tx + vmxnet_tx_descs[i].offset);
	} while (u64_stats_fetch_retry(&vp->tx_stats.syncp, start));
	n = ARRAY_SIZE(vmxnet_tx_descs);
	do {
		start = u64_stats_fetch_begin(&vp->rx_stats.syncp);
		for (i = 0; i < ARRAY_SIZE(vmxnet_rx_descs); i++)
			data[n + i] = *(const u64 *)(rx + vmxnet_rx_descs[i].offset);
	} while (u64_stats_fetch_retry(&vp->rx_stats.syncp, start));
	n += ARRAY_SIZE(vmxnet_rx_descs);
	for (i = 0; i < ARRAY_SIZE(vmxnet_misc_descs); i++)
		data[n + i] = atomic64_read((const atomic64_t *)
					    (misc + vmxnet_misc_descs[i].offset));
}

static const struct ethtool_ops vmxnet_ethtool_ops = {
	.get_drvinfo		= vmxnet_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_link_ksettings	= vmxnet_get_link_ksettings,
	.get_ringparam		= vmxnet_get_ringparam,
	.set_ringparam		= vmxnet_set_ringparam,
	.get_sset_count		= vmxnet_get_sset_count,
	.get_strings		= vmxnet_get_strings,
	.get_ethtool_stats	= vmxnet_get_ethtool_stats,
};

void vmxnet_set_ethtool_ops(struct net_device *dev)
{
	dev->ethtool_ops = &vmxnet_ethtool_ops;
}
