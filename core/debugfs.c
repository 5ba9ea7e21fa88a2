// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs pvcore/: "backdoor" says what was detected and how calls are
 * made, "stats" counts channel traffic and errors by kind.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "pvcore_internal.h"

static struct dentry *pvcore_debugfs_dir;

static int backdoor_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "detected_by: %s\n", pvcore_host.detected_by);
	seq_printf(m, "transport: %s\n", pvcore_transport_name(pvcore_host.transport));
	seq_printf(m, "host_version: %u\n", pvcore_host.version);
	seq_printf(m, "vmx_type: %u\n", pvcore_host.vmx_type);
	seq_printf(m, "mem_encrypted: %d\n", pvcore_host.mem_encrypted);
	seq_printf(m, "hb_allowed: %d\n", pvcore_hb_usable());
	seq_printf(m, "rpc_available_at_load: %d\n", pvcore_host.rpc_available);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(backdoor);

#define STAT64(name) \
	seq_printf(m, #name ": %lld\n", (long long)atomic64_read(&pvcore_stats.name))

static int stats_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "channels_open: %d\n", atomic_read(&pvcore_stats.channels_open));
	STAT64(opens);
	STAT64(open_failures);
	STAT64(msgs_sent);
	STAT64(msgs_received);
	STAT64(bytes_sent);
	STAT64(bytes_received);
	STAT64(hb_sends);
	STAT64(hb_receives);
	STAT64(cpt_retries);
	STAT64(err_reset);
	STAT64(err_proto);
	STAT64(err_too_big);
	STAT64(err_timeout);
	STAT64(err_interrupted);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

void pvcore_debugfs_init(void)
{
	/* debugfs is optional: failures only cost the diagnostics. */
	pvcore_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("backdoor", 0400, pvcore_debugfs_dir, NULL, &backdoor_fops);
	debugfs_create_file("stats", 0400, pvcore_debugfs_dir, NULL, &stats_fops);
}

void pvcore_debugfs_exit(void)
{
	debugfs_remove_recursive(pvcore_debugfs_dir);
}
