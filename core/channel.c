// SPDX-License-Identifier: GPL-2.0
/*
 * The guest message channel (backdoor command MESSAGE) and the RPCI request
 * layer on top of it. Everything the host answers is checked
 * (docs/protocol/backdoor-and-rpc.md E4-E10): a host that misbehaves costs the caller an
 * error, never a hang or an overrun, and every line it can trigger is
 * rate-limited.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pvcore_internal.h"

/*
 * Checkpoints restart a transfer; a host that never stops gets this many
 * tries (docs/protocol/backdoor-and-rpc.md E6).
 */
#define PVCORE_CPT_ATTEMPTS	3
/* Longest pause between two polls for an RPCI reply. */
#define PVCORE_POLL_MAX_MS	10

/*
 * Any of these mid-transfer: the host dropped our message (see
 * docs/protocol/backdoor-and-rpc.md E7).
 */
#define STATUS_BROKEN	(MESSAGE_STATUS_CLOSED | MESSAGE_STATUS_UNSENT | \
			 MESSAGE_STATUS_POWEROFF | MESSAGE_STATUS_TIMEOUT)

struct pvcore_chan {
	struct mutex lock;	/* one transfer at a time on this channel */
	u32 proto;
	bool open;		/* false after the host broke it: reopened on next use */
	u16 id;
	u32 cookie_hi;
	u32 cookie_lo;
};

struct pvcore_stats pvcore_stats;

static u16 status_of(const struct bdoor_regs *r)
{
	return BDOOR_SUBCMD((u32)r->rcx);
}

static u16 edx_hi(const struct bdoor_regs *r)
{
	return BDOOR_EDX_HI((u32)r->rdx);
}

static bool status_ok(u16 st)
{
	return (st & MESSAGE_STATUS_SUCCESS) && !(st & STATUS_BROKEN);
}

static void chan_call(struct pvcore_chan *c, struct bdoor_regs *r, u16 sub, u32 ebx)
{
	*r = (struct bdoor_regs) {
		.rbx = ebx,
		.rcx = BDOOR_ECX(BDOOR_CMD_MESSAGE, sub),
		.rdx = BDOOR_EDX(c->id, 0),
		.rsi = c->cookie_hi,
		.rdi = c->cookie_lo,
	};
	pvcore_backdoor(r);
}

static void hb_regs(struct pvcore_chan *c, struct bdoor_regs *r, size_t len)
{
	*r = (struct bdoor_regs) {
		.rbx = BDOOR_ECX(BDOORHB_CMD_MESSAGE, MESSAGE_STATUS_SUCCESS),
		.rcx = len,
		.rdx = BDOOR_EDX(c->id, 0),
	};
}

/* The host may have forgotten the channel already: CLOSE's answer does not matter. */
static void chan_host_close(struct pvcore_chan *c)
{
	struct bdoor_regs r;

	if (!c->open)
		return;
	chan_call(c, &r, MESSAGE_TYPE_CLOSE, 0);
	c->open = false;
	atomic_dec(&pvcore_stats.channels_open);
}

/*
 * OPEN asks for cookies first and retries without for older hosts
 * (docs/protocol/backdoor-and-rpc.md B.4).
 */
static int chan_host_open(struct pvcore_chan *c)
{
	static const u32 flags[] = { GUESTMSG_FLAG_COOKIE, 0 };
	struct bdoor_regs r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		r = (struct bdoor_regs) {
			.rbx = c->proto | flags[i],
			.rcx = BDOOR_ECX(BDOOR_CMD_MESSAGE, MESSAGE_TYPE_OPEN),
		};
		pvcore_backdoor(&r);
		if (!status_ok(status_of(&r)))
			continue;
		c->id = edx_hi(&r);
		c->cookie_hi = flags[i] ? (u32)r.rsi : 0;
		c->cookie_lo = flags[i] ? (u32)r.rdi : 0;
		c->open = true;
		atomic_inc(&pvcore_stats.channels_open);
		atomic64_inc(&pvcore_stats.opens);
		if (c->id < GUESTMSG_MAX_CHANNEL)
			return 0;
		/*
		 * An id no host hands out (docs/protocol/backdoor-and-rpc.md E8): give it
		 * back and refuse.
		 */
		pr_warn_ratelimited("host opened channel id %u, beyond %u: refused\n",
				    c->id, GUESTMSG_MAX_CHANNEL);
		atomic64_inc(&pvcore_stats.err_proto);
		chan_host_close(c);
		return -EPROTO;
	}
	atomic64_inc(&pvcore_stats.open_failures);
	return -ECONNREFUSED;
}

static int chan_ensure_open(struct pvcore_chan *c)
{
	return c->open ? 0 : chan_host_open(c);
}

/*
 * docs/protocol/backdoor-and-rpc.md E7: drop the channel so the next use starts over on a
 * fresh one.
 */
static int chan_broken(struct pvcore_chan *c, const char *what, u16 val, int err)
{
	pr_warn_ratelimited("channel %u: %s 0x%04x, closing it\n", c->id, what, val);
	chan_host_close(c);
	atomic64_inc(err == -EPROTO ? &pvcore_stats.err_proto :
				      &pvcore_stats.err_reset);
	return err;
}

/* Result of one payload step: 0, -EAGAIN for a checkpoint, or the channel is gone. */
static int step_result(struct pvcore_chan *c, const char *step, u16 st)
{
	if (status_ok(st))
		return 0;
	if (st & MESSAGE_STATUS_CPT)
		return -EAGAIN;
	return chan_broken(c, step, st, -ECONNRESET);
}

static u32 pack_le(const u8 *p, size_t n)
{
	u32 v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v |= (u32)p[i] << (8 * i);
	return v;
}

static void unpack_le(u8 *p, size_t n, u32 v)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = v >> (8 * i);
}

static int send_hb(struct pvcore_chan *c, const void *buf, size_t len)
{
	struct bdoor_regs r;

	hb_regs(c, &r, len);
	r.rsi = (unsigned long)buf;
	r.rdi = c->cookie_lo;
	r.rbp = c->cookie_hi;
	pvcore_backdoor_hb(&r, true);
	atomic64_inc(&pvcore_stats.hb_sends);
	return step_result(c, "HB send failed, status", BDOOR_SUBCMD((u32)r.rbx));
}

/*
 * The one-word-per-call path makes up to 16,384 backdoor calls for a 64 KiB
 * message: every this many bytes it offers the CPU to others.
 */
#define LB_RESCHED_BYTES	1024

static int send_lb(struct pvcore_chan *c, const u8 *buf, size_t len)
{
	struct bdoor_regs r;
	size_t off, n;
	int ret;

	for (off = 0; off < len; off += n) {
		n = min_t(size_t, 4, len - off);
		if (off && !(off % LB_RESCHED_BYTES))
			cond_resched();
		chan_call(c, &r, MESSAGE_TYPE_SENDPAYLOAD, pack_le(buf + off, n));
		ret = step_result(c, "SENDPAYLOAD failed, status", status_of(&r));
		if (ret)
			return ret;
	}
	return 0;
}

static int send_once(struct pvcore_chan *c, const void *buf, size_t len)
{
	struct bdoor_regs r;
	u16 st;
	int ret;

	chan_call(c, &r, MESSAGE_TYPE_SENDSIZE, len);
	st = status_of(&r);
	ret = step_result(c, "SENDSIZE failed, status", st);
	if (ret)
		return ret;
	/* HB only if offered for this very message (docs/protocol/backdoor-and-rpc.md E9). */
	if (len && (st & MESSAGE_STATUS_HB) && pvcore_hb_usable())
		return send_hb(c, buf, len);
	return send_lb(c, buf, len);
}

static int chan_send_locked(struct pvcore_chan *c, const void *buf, size_t len)
{
	unsigned int attempt;
	int ret;

	lockdep_assert_held(&c->lock);
	if (len > GUESTMSG_MAX_IN_SIZE)
		return -EMSGSIZE;
	for (attempt = 0; attempt < PVCORE_CPT_ATTEMPTS; attempt++) {
		ret = chan_ensure_open(c);
		if (ret)
			return ret;
		ret = send_once(c, buf, len);
		if (ret != -EAGAIN)
			break;
		atomic64_inc(&pvcore_stats.cpt_retries);
	}
	if (ret == -EAGAIN)
		return chan_broken(c, "send still checkpointed after retries, status",
				   MESSAGE_STATUS_CPT, -ECONNRESET);
	if (ret)
		return ret;
	atomic64_inc(&pvcore_stats.msgs_sent);
	atomic64_add(len, &pvcore_stats.bytes_sent);
	return 0;
}

/*
 * docs/protocol/backdoor-and-rpc.md B.7 step 6: tell the host we give up on the message it
 * offered.
 */
static void recv_abort(struct pvcore_chan *c, bool bytes_left)
{
	struct bdoor_regs r;

	chan_call(c, &r, bytes_left ? MESSAGE_TYPE_RECVPAYLOAD : MESSAGE_TYPE_RECVSTATUS, 0);
}

static int recv_hb(struct pvcore_chan *c, u8 *buf, size_t len)
{
	struct bdoor_regs r;
	u16 st;

	hb_regs(c, &r, len);
	r.rsi = c->cookie_hi;
	r.rdi = (unsigned long)buf;
	r.rbp = c->cookie_lo;
	pvcore_backdoor_hb(&r, false);
	atomic64_inc(&pvcore_stats.hb_receives);
	st = BDOOR_SUBCMD((u32)r.rbx);
	if (status_ok(st))
		return 0;
	recv_abort(c, false);
	return step_result(c, "HB receive failed, status", st);
}

static int recv_lb(struct pvcore_chan *c, u8 *buf, size_t len)
{
	struct bdoor_regs r;
	size_t off, n;
	u16 st;

	for (off = 0; off < len; off += n) {
		n = min_t(size_t, 4, len - off);
		if (off && !(off % LB_RESCHED_BYTES))
			cond_resched();
		chan_call(c, &r, MESSAGE_TYPE_RECVPAYLOAD, MESSAGE_STATUS_SUCCESS);
		st = status_of(&r);
		if (!status_ok(st)) {
			recv_abort(c, true);
			return step_result(c, "RECVPAYLOAD failed, status", st);
		}
		if (edx_hi(&r) != GUESTMSG_REPLY_TYPE_PAYLOAD) {
			recv_abort(c, true);
			return chan_broken(c, "RECVPAYLOAD answered reply type",
					   edx_hi(&r), -EPROTO);
		}
		unpack_le(buf + off, n, (u32)r.rbx);
	}
	return 0;
}

static int recv_payload(struct pvcore_chan *c, u8 *buf, size_t len, bool hb)
{
	struct bdoor_regs r;
	int ret;

	if (len && hb && pvcore_hb_usable())
		ret = recv_hb(c, buf, len);
	else
		ret = recv_lb(c, buf, len);
	if (ret)
		return ret;
	chan_call(c, &r, MESSAGE_TYPE_RECVSTATUS, MESSAGE_STATUS_SUCCESS);
	return step_result(c, "RECVSTATUS failed, status", status_of(&r));
}

static int recv_once(struct pvcore_chan *c, void **out, size_t *outlen)
{
	struct bdoor_regs r;
	size_t len;
	u8 *buf;
	u16 st;
	int ret;

	chan_call(c, &r, MESSAGE_TYPE_RECVSIZE, 0);
	st = status_of(&r);
	ret = step_result(c, "RECVSIZE failed, status", st);
	if (ret)
		return ret;
	if (!(st & MESSAGE_STATUS_DORECV))
		return 0;
	/*
	 * docs/protocol/backdoor-and-rpc.md E4: a host that ignored the call would still show
	 * DORECV; the type field tells.
	 */
	if (edx_hi(&r) != GUESTMSG_REPLY_TYPE_SIZE)
		return chan_broken(c, "RECVSIZE answered reply type", edx_hi(&r), -EPROTO);
	len = (u32)r.rbx;
	if (len > GUESTMSG_MAX_IN_SIZE) {
		pr_warn_ratelimited("channel %u: host offers %zu bytes, limit %u\n",
				    c->id, len, GUESTMSG_MAX_IN_SIZE);
		recv_abort(c, true);
		atomic64_inc(&pvcore_stats.err_too_big);
		chan_host_close(c);
		return -EMSGSIZE;
	}
	buf = kvmalloc(len + 1, GFP_KERNEL);
	if (!buf) {
		recv_abort(c, len > 0);
		return -ENOMEM;
	}
	ret = recv_payload(c, buf, len, st & MESSAGE_STATUS_HB);
	if (ret) {
		kvfree(buf);
		return ret;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	atomic64_inc(&pvcore_stats.msgs_received);
	atomic64_add(len, &pvcore_stats.bytes_received);
	return 0;
}

static int chan_recv_locked(struct pvcore_chan *c, void **buf, size_t *len)
{
	unsigned int attempt;
	int ret;

	lockdep_assert_held(&c->lock);
	*buf = NULL;
	*len = 0;
	for (attempt = 0; attempt < PVCORE_CPT_ATTEMPTS; attempt++) {
		ret = chan_ensure_open(c);
		if (ret)
			return ret;
		ret = recv_once(c, buf, len);
		if (ret != -EAGAIN)
			return ret;
		atomic64_inc(&pvcore_stats.cpt_retries);
	}
	return chan_broken(c, "receive still checkpointed after retries, status",
			   MESSAGE_STATUS_CPT, -ECONNRESET);
}

/*
 * A reply the host has not produced yet is polled for with growing,
 * interruptible sleeps; giving up drops the channel so a late reply cannot
 * be mistaken for the answer to the next request.
 */
static int await_reply_locked(struct pvcore_chan *c, void **buf, size_t *len)
{
	unsigned long deadline = jiffies +
		msecs_to_jiffies(clamp(pvcore_param_rpc_timeout_ms, 10u, 600000u));
	unsigned int delay_ms = 0;
	int ret;

	lockdep_assert_held(&c->lock);
	for (;;) {
		ret = chan_recv_locked(c, buf, len);
		if (ret || *buf)
			return ret;
		if (signal_pending(current)) {
			atomic64_inc(&pvcore_stats.err_interrupted);
			chan_host_close(c);
			return -EINTR;
		}
		if (time_after(jiffies, deadline)) {
			pr_warn_ratelimited("channel %u: no reply within %u ms\n",
					    c->id, pvcore_param_rpc_timeout_ms);
			atomic64_inc(&pvcore_stats.err_timeout);
			chan_host_close(c);
			return -ETIMEDOUT;
		}
		if (delay_ms)
			msleep_interruptible(delay_ms);
		else
			cond_resched();
		delay_ms = min(delay_ms * 2 + 1, (unsigned int)PVCORE_POLL_MAX_MS);
	}
}

/* docs/protocol/backdoor-and-rpc.md E10: an RPCI reply is "1 " or "0 " followed by any bytes. */
static bool rpci_reply_valid(const u8 *buf, size_t len)
{
	return len >= 2 && (buf[0] == '0' || buf[0] == '1') && buf[1] == ' ';
}

struct pvcore_chan *pvcore_chan_open(u32 proto)
{
	struct pvcore_chan *c;
	int ret;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	mutex_init(&c->lock);
	c->proto = proto;
	ret = chan_host_open(c);
	if (ret) {
		kfree(c);
		return ERR_PTR(ret);
	}
	return c;
}
PVTOOLS_EXPORT_SYMBOL_NS_GPL(pvcore_chan_open, PVCORE);

void pvcore_chan_close(struct pvcore_chan *c)
{
	if (IS_ERR_OR_NULL(c))
		return;
	mutex_lock(&c->lock);
	chan_host_close(c);
	mutex_unlock(&c->lock);
	mutex_destroy(&c->lock);
	kfree(c);
}
PVTOOLS_EXPORT_SYMBOL_NS_GPL(pvcore_chan_close, PVCORE);

int pvcore_chan_send(struct pvcore_chan *c, const void *buf, size_t len)
{
	int ret;

	if (mutex_lock_interruptible(&c->lock))
		return -EINTR;
	ret = chan_send_locked(c, buf, len);
	mutex_unlock(&c->lock);
	return ret;
}
PVTOOLS_EXPORT_SYMBOL_NS_GPL(pvcore_chan_send, PVCORE);

int pvcore_chan_recv(struct pvcore_chan *c, void **buf, size_t *len)
{
	int ret;

	if (mutex_lock_interruptible(&c->lock))
		return -EINTR;
	ret = chan_recv_locked(c, buf, len);
	mutex_unlock(&c->lock);
	return ret;
}
PVTOOLS_EXPORT_SYMBOL_NS_GPL(pvcore_chan_recv, PVCORE);

int pvcore_rpci_exchange(struct pvcore_chan *c, const void *req, size_t len,
			 void **reply, size_t *reply_len)
{
	void *buf = NULL;
	size_t blen = 0;
	int ret;

	*reply = NULL;
	*reply_len = 0;
	if (len > GUESTMSG_MAX_IN_SIZE)
		return -EMSGSIZE;
	if (mutex_lock_interruptible(&c->lock))
		return -EINTR;
	ret = chan_send_locked(c, req, len);
	if (!ret)
		ret = await_reply_locked(c, &buf, &blen);
	mutex_unlock(&c->lock);
	if (ret)
		return ret;
	if (!rpci_reply_valid(buf, blen)) {
		pr_warn_ratelimited("malformed RPCI reply (%zu bytes)\n", blen);
		atomic64_inc(&pvcore_stats.err_proto);
		kvfree(buf);
		return -EPROTO;
	}
	*reply = buf;
	*reply_len = blen;
	return 0;
}
PVTOOLS_EXPORT_SYMBOL_NS_GPL(pvcore_rpci_exchange, PVCORE);

int pvcore_rpci_call(const void *req, size_t len, void **reply, size_t *reply_len)
{
	struct pvcore_chan *c;
	int ret;

	c = pvcore_chan_open(GUESTMSG_PROTO_RPCI);
	if (IS_ERR(c))
		return PTR_ERR(c);
	ret = pvcore_rpci_exchange(c, req, len, reply, reply_len);
	pvcore_chan_close(c);
	return ret;
}
PVTOOLS_EXPORT_SYMBOL_NS_GPL(pvcore_rpci_call, PVCORE);
