/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Public interface of pvcore: the VMware backdoor and the guest message
 * channel (RPCI/TCLO) for the other pvtools modules. Symbols live in the
 * PVCORE namespace: add PVTOOLS_MODULE_IMPORT_NS(PVCORE) to a user.
 * Kernel modules only: unlike the ABI headers beside it, host models do not
 * include it. pvcore's own internals stay in core/pvcore_internal.h.
 */
#ifndef PVTOOLS_PVCORE_H
#define PVTOOLS_PVCORE_H

#include <linux/types.h>
#include <pvtools/backdoor_abi.h>

/* How backdoor calls reach the host. */
enum pvcore_transport {
	PVCORE_TRANSPORT_PORT,		/* in/out on BDOOR_PORT */
	PVCORE_TRANSPORT_VMCALL,	/* Intel hypercall */
	PVCORE_TRANSPORT_VMMCALL,	/* AMD hypercall */
};

/*
 * One low-bandwidth backdoor call. The caller fills @regs (rax is set to
 * BDOOR_MAGIC and the port/flags of rdx.lo are set here); every register
 * comes back as the host left it. Callers must not trust a register they
 * did not preload with an impossible value (docs/protocol/backdoor-and-rpc.md E2).
 */
void pvcore_backdoor(struct bdoor_regs *regs);

enum pvcore_transport pvcore_transport(void);

struct pvcore_chan;

/* Open a channel for GUESTMSG_PROTO_RPCI or GUESTMSG_PROTO_TCLO. ERR_PTR on failure. */
struct pvcore_chan *pvcore_chan_open(u32 proto);
void pvcore_chan_close(struct pvcore_chan *chan);

/*
 * Send one message (at most GUESTMSG_MAX_IN_SIZE bytes). A channel broken
 * by the host is reopened on the next call. May sleep.
 */
int pvcore_chan_send(struct pvcore_chan *chan, const void *buf, size_t len);

/*
 * Fetch the message the host has waiting, if any: *@buf is a kvmalloc'ed,
 * NUL-terminated copy (free with kvfree) of *@len bytes; *@buf is NULL and
 * *@len 0 when nothing is waiting. May sleep.
 */
int pvcore_chan_recv(struct pvcore_chan *chan, void **buf, size_t *len);

/*
 * One RPCI request and its reply on @chan, waiting for the reply at most
 * the module's rpc_timeout_ms. The reply keeps its "1 "/"0 " prefix; it is
 * validated (docs/protocol/backdoor-and-rpc.md E10) and NUL-terminated, free it with kvfree.
 * Errors: -EPROTO, -ECONNRESET, -ECONNREFUSED, -ETIMEDOUT, -EMSGSIZE, -EINTR, -ENOMEM.
 */
int pvcore_rpci_exchange(struct pvcore_chan *chan, const void *req, size_t len,
			 void **reply, size_t *reply_len);

/* Open a private RPCI channel, exchange once, close it. */
int pvcore_rpci_call(const void *req, size_t len, void **reply, size_t *reply_len);

#endif /* PVTOOLS_PVCORE_H */
