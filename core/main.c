// SPDX-License-Identifier: GPL-2.0
/*
 * pvcore: VMware backdoor and guest RPC core for the pvtools drivers.
 * Loads only where a VMware backdoor answers; the other modules build on
 * the channel API it exports.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "pvcore_internal.h"

bool pvcore_param_hb = true;
module_param_named(hb, pvcore_param_hb, bool, 0644);
MODULE_PARM_DESC(hb, "Use high-bandwidth payload transfers when the host offers them (default: on)");

bool pvcore_param_force_probe;
module_param_named(force_probe, pvcore_param_force_probe, bool, 0444);
MODULE_PARM_DESC(force_probe, "Probe the backdoor port even where the platform does not look like VMware (default: off)");

unsigned int pvcore_param_rpc_timeout_ms = 5000;
module_param_named(rpc_timeout_ms, pvcore_param_rpc_timeout_ms, uint, 0644);
MODULE_PARM_DESC(rpc_timeout_ms, "How long an RPCI request waits for its reply, 10..600000 ms (default: 5000)");

/* A channel that opens and closes tells whether the host speaks MESSAGE at all. */
static bool rpc_channel_works(void)
{
	struct pvcore_chan *chan = pvcore_chan_open(GUESTMSG_PROTO_RPCI);

	if (IS_ERR(chan))
		return false;
	pvcore_chan_close(chan);
	return true;
}

static int __init pvcore_init(void)
{
	int ret;

	ret = pvcore_backdoor_detect();
	if (ret)
		return ret;

	pvcore_host.rpc_available = rpc_channel_works();
	pr_info("VMware backdoor via %s (found by %s, version %u, type %u, HB %s); RPC channel %s\n",
		pvcore_transport_name(pvcore_host.transport),
		pvcore_host.detected_by, pvcore_host.version, pvcore_host.vmx_type,
		pvcore_hb_usable() ? "allowed" : "off",
		pvcore_host.rpc_available ? "available" :
		"unavailable (host does not implement MESSAGE)");

	ret = pvcore_rpcdev_init();
	if (ret)
		return ret;
	pvcore_debugfs_init();
	return 0;
}

static void __exit pvcore_exit(void)
{
	pvcore_debugfs_exit();
	pvcore_rpcdev_exit();
}

module_init(pvcore_init);
module_exit(pvcore_exit);

MODULE_DESCRIPTION("VMware backdoor and guest RPC (RPCI/TCLO) core for pvtools");
MODULE_AUTHOR("pvtools");
MODULE_LICENSE("GPL");
MODULE_VERSION(PVTOOLS_VERSION);
MODULE_ALIAS("dmi:*:svnVMware*:*");
