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

/**
 * struct pvcore_host - what detection found about the host.
 * @transport: how backdoor calls reach it.
 * @detected_by: "kernel", "cpuid", "dmi" or "forced".
 * @version: GETVERSION's EAX.
 * @vmx_type: GETVERSION's ECX, BDOOR_VMX_TYPE_UNSET if not written.
 * @mem_encrypted: guest memory is encrypted: the high-bandwidth transport
 *	is never used (the host cannot read our memory).
 * @rpc_available: an RPCI channel could be opened at load time.
 *
 * Written once at module init, read-only afterwards: no locking.
 */
struct pvcore_host {
	enum pvcore_transport transport;
	const char *detected_by;
	u32 version;
	u32 vmx_type;
	bool mem_encrypted;
	bool rpc_available;
};

extern struct pvcore_host pvcore_host;

/**
 * struct pvcore_stats - counters shown in debugfs.
 * @channels_open: channels open now.
 * @opens: channels opened.
 * @open_failures: opens the host refused or broke.
 * @msgs_sent: messages sent.
 * @msgs_received: messages received.
 * @bytes_sent: their payload bytes.
 * @bytes_received: likewise.
 * @hb_sends: payloads sent with the high-bandwidth transport.
 * @hb_receives: payloads received with it.
 * @cpt_retries: transfers restarted after a checkpoint (MESSAGE_STATUS_CPT).
 * @err_reset: the host closed, timed out or failed a transfer.
 * @err_proto: the host broke the protocol.
 * @err_too_big: messages beyond GUESTMSG_MAX_IN_SIZE.
 * @err_timeout: replies that did not come in time.
 * @err_interrupted: waits a signal ended.
 *
 * Atomic: updated from any channel without a common lock.
 */
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
	atomic64_t err_reset;
	atomic64_t err_proto;
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
