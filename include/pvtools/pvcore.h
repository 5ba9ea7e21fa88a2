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

/**
 * enum pvcore_transport - how backdoor calls reach the host.
 * @PVCORE_TRANSPORT_PORT: in/out on BDOOR_PORT.
 * @PVCORE_TRANSPORT_VMCALL: the Intel hypercall.
 * @PVCORE_TRANSPORT_VMMCALL: the AMD hypercall.
 */
enum pvcore_transport {
	PVCORE_TRANSPORT_PORT,
	PVCORE_TRANSPORT_VMCALL,
	PVCORE_TRANSPORT_VMMCALL,
};

/**
 * pvcore_backdoor() - one low-bandwidth backdoor call.
 * @regs: the registers; rax is set to BDOOR_MAGIC and the port or flags of
 *	rdx's low half are set here.
 *
 * Every register comes back as the host left it. Callers must not trust a
 * register they did not preload with an impossible value
 * (docs/protocol/backdoor-and-rpc.md E2).
 */
void pvcore_backdoor(struct bdoor_regs *regs);

/**
 * pvcore_transport() - the transport pvcore_backdoor() uses.
 *
 * Chosen once at load time.
 *
 * Return: the transport.
 */
enum pvcore_transport pvcore_transport(void);

struct pvcore_chan;

/**
 * pvcore_chan_open() - open a message channel.
 * @proto: GUESTMSG_PROTO_RPCI or GUESTMSG_PROTO_TCLO.
 *
 * Context: may sleep.
 * Return: the channel, or an ERR_PTR() on failure.
 */
struct pvcore_chan *pvcore_chan_open(u32 proto);

/**
 * pvcore_chan_close() - close a channel and free it.
 * @chan: the channel; NULL or an ERR_PTR() is ignored.
 *
 * Context: may sleep.
 */
void pvcore_chan_close(struct pvcore_chan *chan);

/**
 * pvcore_chan_send() - send one message.
 * @chan: the channel.
 * @buf: the message.
 * @len: its length, at most GUESTMSG_MAX_IN_SIZE bytes.
 *
 * A channel broken by the host is reopened on the next call.
 *
 * Context: may sleep.
 * Return: 0 or a negative errno.
 */
int pvcore_chan_send(struct pvcore_chan *chan, const void *buf, size_t len);

/**
 * pvcore_chan_recv() - fetch the message the host has waiting, if any.
 * @chan: the channel.
 * @buf: set to a kvmalloc'ed, NUL-terminated copy (free with kvfree()),
 *	or NULL when nothing is waiting.
 * @len: set to its length, 0 when nothing is waiting.
 *
 * Context: may sleep.
 * Return: 0 or a negative errno.
 */
int pvcore_chan_recv(struct pvcore_chan *chan, void **buf, size_t *len);

/**
 * pvcore_rpci_exchange() - one RPCI request and its reply.
 * @chan: an RPCI channel.
 * @req: the request.
 * @len: its length.
 * @reply: set to the reply: validated (docs/protocol/backdoor-and-rpc.md
 *	E10), with its "1 "/"0 " prefix, NUL-terminated; free with kvfree().
 * @reply_len: set to its length.
 *
 * Waits for the reply at most the module's rpc_timeout_ms.
 *
 * Context: may sleep.
 * Return: 0, or -EPROTO, -ECONNRESET, -ECONNREFUSED, -ETIMEDOUT,
 * -EMSGSIZE, -EINTR or -ENOMEM.
 */
int pvcore_rpci_exchange(struct pvcore_chan *chan, const void *req, size_t len,
			 void **reply, size_t *reply_len);

/**
 * pvcore_rpci_call() - open a private RPCI channel, exchange once, close it.
 * @req: the request.
 * @len: its length.
 * @reply: as for pvcore_rpci_exchange().
 * @reply_len: as for pvcore_rpci_exchange().
 *
 * Context: may sleep.
 * Return: as pvcore_rpci_exchange(), or the error of opening the channel.
 */
int pvcore_rpci_call(const void *req, size_t len, void **reply, size_t *reply_len);

#endif /* PVTOOLS_PVCORE_H */
