/* SPDX-License-Identifier: GPL-2.0 */
/*
 * State shared between the files of pvcore: what was detected about the
 * host, counters for debugfs, and the entry points between the parts.
 */
#ifndef PVTOOLS_PVCORE_INTERNAL_H
#define PVTOOLS_PVCORE_INTERNAL_H

#include <linux/atomic.h>
#include <linux/types.h>

#include <pvtools/pvcore.h>
#include "pvtools_compat.h"

/* What detection found; written once at module init, read-only afterwards. */
struct pvcore_host {
	enum pvcore_transport transport;
	const char *detected_by;	/* "kernel", "cpuid", "dmi" or "forced" */
	u32 version;			/* GETVERSION EAX */
	u32 vmx_type;			/* GETVERSION ECX, BDOOR_VMX_TYPE_UNSET if not written */
	bool mem_encrypted;		/* HB is never used then (host cannot read our memory) */
	bool rpc_available;		/* an RPCI channel could be opened at load time */
};

extern struct pvcore_host pvcore_host;

struct pvcore_stats {
	atomic_t channels_open;
	atomic64_t opens;
	atomic64_t open_failures;
	atomic64_t msgs_sent;
	atomic64_t msgs_received;
	atomic64_t bytes_sent;
	atomic64_t bytes_received;
	atomic64_t hb_sends;
	atomic64_t hb_receives;
	atomic64_t cpt_retries;
	atomic64_t err_reset;		/* host closed/timed out/failed a transfer */
	atomic64_t err_proto;		/* host broke the protocol */
	atomic64_t err_too_big;
	atomic64_t err_timeout;
	atomic64_t err_interrupted;
};

extern struct pvcore_stats pvcore_stats;

/* Module parameters. */
extern bool pvcore_param_hb;
extern bool pvcore_param_force_probe;
extern unsigned int pvcore_param_rpc_timeout_ms;

const char *pvcore_transport_name(enum pvcore_transport t);
int pvcore_backdoor_detect(void);
/* High-bandwidth transfer of @r->rcx bytes; @out: guest to host. */
void pvcore_backdoor_hb(struct bdoor_regs *r, bool out);
bool pvcore_hb_usable(void);

int pvcore_rpcdev_init(void);
void pvcore_rpcdev_exit(void);
void pvcore_debugfs_init(void);
void pvcore_debugfs_exit(void);

#endif /* PVTOOLS_PVCORE_INTERNAL_H */
